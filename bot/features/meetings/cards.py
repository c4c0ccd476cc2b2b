"""Cards of the committee's meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.text import iso_day, iso_time
from bot.features.meetings.rules import (
    PROPOSED_MINUTES,
    PROPOSED_START,
    Attendance,
    AttendanceCount,
    CalendarState,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ProposedMeeting,
)
from bot.locale import Translator, format_clock, format_long_day, format_moment
from bot.teams.cards import (
    RUN_COMMAND,
    Card,
    FieldError,
    Payload,
    RunCommand,
    card,
    choice_set,
    date_input,
    execute,
    paragraph,
    stale_banner,
    table,
    text_input,
    time_input,
    title,
    with_errors,
)

SCHEDULE = "meetings.schedule"


class SchedulePayload(Payload):
    """The schedule form's inputs, as Teams sends them (every input is text)."""

    date: str = ""
    start: str = ""
    duration: str = ""
    title: str = ""
    kind: str = MeetingKind.REGULAR.value
    agenda: str = ""
    note: str = ""
    # Set by the « Confirmer » button after a weekend or holiday warning.
    confirmed: bool = False


def join_button(tr: Translator, url: str) -> dict[str, Any]:
    # Opens Teams' own meeting: no round trip to the bot.
    return {"type": "Action.OpenUrl", "title": tr.t("meetings.join"), "url": url}


def _agenda_lines(meeting: Meeting) -> str:
    return "\n".join(
        f"{n}. {item.title}" + (f" — {item.presenter}" if item.presenter else "")
        for n, item in enumerate(meeting.plan.agenda, start=1)
    )


def meeting_summary(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> list[dict[str, Any]]:
    """A meeting as a few lines: when, what kind, the agenda, where the Teams link stands."""
    ends = meeting.starts_at + timedelta(minutes=meeting.plan.minutes)
    lines: list[dict[str, Any]] = [
        paragraph(f"**{meeting.plan.title}**"),
        paragraph(
            tr.t(
                "meetings.when_until",
                when=format_moment(tr, meeting.starts_at, zone),
                end=format_clock(tr, ends, zone),
            )
        ),
        paragraph(tr.t(f"meetings.kind.{meeting.plan.kind.value}"), isSubtle=True),
    ]
    if meeting.plan.agenda:
        lines.append(paragraph(_agenda_lines(meeting)))
    if meeting.plan.note:
        lines.append(paragraph(meeting.plan.note, isSubtle=True))
    if meeting.calendar is CalendarState.PENDING:
        lines.append(paragraph(tr.t("meetings.link_later"), isSubtle=True))
    elif meeting.calendar in (CalendarState.NONE, CalendarState.REFUSED):
        lines.append(paragraph(tr.t("meetings.link_none"), isSubtle=True))
    return lines


def meetings_list(
    tr: Translator,
    upcoming: Sequence[Meeting],
    past: Sequence[Meeting],
    zone: ZoneInfo,
    *,
    manage: bool = False,
) -> Card:
    """What is coming (with the join button), then what was held. The secretariat gets,
    under each meeting to come, its attendance, moving it and cancelling it."""
    body: list[dict[str, Any]] = [title(tr.t("meetings.title"))]
    actions: list[dict[str, Any]] = []
    if not upcoming:
        body.append(paragraph(tr.t("meetings.none_upcoming")))
    for meeting in upcoming:
        body += meeting_summary(tr, meeting, zone)
        if manage:
            body.append(manage_buttons(tr, meeting))
        elif meeting.calendar in (CalendarState.NONE, CalendarState.REFUSED):
            # The summary says the .ics adds it to one's calendar: here is the button.
            ics = execute(tr.t("meetings.ics_button"), ICS, MeetingRef(meeting=meeting.id))
            body.append({"type": "ActionSet", "actions": [ics]})
        if meeting.join_url and len(actions) < 3:
            actions.append(join_button(tr, meeting.join_url))
    if past:
        body.append(paragraph(tr.t("meetings.past"), weight="Bolder", separator=True))
        for held in reversed(past[-5:]):
            body += held_summary(tr, held, zone, manage=manage)
    return card(body, actions or None)


def held_summary(
    tr: Translator, meeting: Meeting, zone: ZoneInfo, *, manage: bool = False
) -> list[dict[str, Any]]:
    """A meeting held: when, what, its decisions and the link to its minutes."""
    lines: list[dict[str, Any]] = [
        paragraph(f"{format_moment(tr, meeting.starts_at, zone)} — **{meeting.plan.title}**")
    ]
    if meeting.decisions:
        lines.append(paragraph(decision_lines(tr, meeting), isSubtle=True))
    buttons: list[dict[str, Any]] = []
    if meeting.minutes_url:
        buttons.append(
            {
                "type": "Action.OpenUrl",
                "title": tr.t("meetings.read_minutes"),
                "url": meeting.minutes_url,
            }
        )
    if manage:
        buttons.append(
            execute(tr.t("meetings.minutes_button"), MINUTES_FORM, MeetingRef(meeting=meeting.id))
        )
    if buttons:
        lines.append({"type": "ActionSet", "actions": buttons})
    return lines


def decision_lines(tr: Translator, meeting: Meeting) -> str:
    return "\n".join(
        "- " + tr.t("meetings.decision_line", text=d.text, reason=d.reason)
        for d in meeting.decisions
    )


def next_meeting(
    tr: Translator, meeting: Meeting | None, zone: ZoneInfo, conflicts: Sequence[str] = ()
) -> Card:
    if meeting is None:
        return card([title(tr.t("meetings.next_title")), paragraph(tr.t("meetings.none_upcoming"))])
    actions = [join_button(tr, meeting.join_url)] if meeting.join_url else None
    body = [title(tr.t("meetings.next_title")), *meeting_summary(tr, meeting, zone)]
    if conflicts:
        # Only ever in the member's own chat: declarations are private.
        said = tr.t("meetings.your_conflicts", items="; ".join(conflicts))
        body.append(paragraph(said, weight="Bolder"))
    return card(body, actions)


def duration_field(tr: Translator, value: str) -> dict[str, Any]:
    required = tr.t("confidentiality.error.empty_field")
    return text_input(
        "duration", tr.t("meetings.field.duration"), value=value, required=True, error=required
    )


def when_fields(tr: Translator, day: str, start: str, duration: str) -> list[dict[str, Any]]:
    """Date, start and length of a meeting, each labelled and required."""
    required = tr.t("confidentiality.error.empty_field")
    return [
        date_input("date", tr.t("meetings.field.date"), value=day, required=True, error=required),
        time_input(
            "start", tr.t("meetings.field.start"), value=start, required=True, error=required
        ),
        duration_field(tr, duration),
    ]


def agenda_field(tr: Translator, value: str, *, required: bool) -> dict[str, Any]:
    """The agenda, one item per line (« item — presenter »)."""
    return text_input(
        "agenda",
        tr.t("meetings.field.agenda"),
        value=value,
        required=required,
        error=tr.t("confidentiality.error.empty_field") if required else None,
        multiline=True,
        placeholder=tr.t("meetings.field.agenda_hint"),
    )


def schedule_form(
    tr: Translator,
    proposed: ProposedMeeting,
    *,
    typed: SchedulePayload | None = None,
    errors: Sequence[str | FieldError] = (),
    warnings: Sequence[str] = (),
) -> Card:
    """Every field labelled and pre-filled (the first quarter without a meeting, a Wednesday
    afternoon; first on the agenda, the adoption of the last minutes not adopted); refused,
    it comes back with what was typed and each problem named."""
    adopt = proposed.minutes_to_adopt
    data = typed or SchedulePayload(
        date=proposed.day.isoformat(),
        start=PROPOSED_START.strftime("%H:%M"),
        duration=str(PROPOSED_MINUTES),
        title=tr.t("meetings.default_title"),
        agenda=tr.t("meetings.adopt_minutes", day=format_long_day(tr, adopt)) if adopt else "",
    )
    body: list[dict[str, Any]] = [title(tr.t("meetings.schedule_title"))]
    body += [paragraph(text, weight="Bolder") for text in warnings]
    required = tr.t("confidentiality.error.empty_field")
    body += [
        text_input(
            "title",
            tr.t("meetings.field.title"),
            value=data.title,
            required=True,
            error=required,
            max_length=200,
        ),
        choice_set(
            "kind",
            tr.t("meetings.field.kind"),
            [(kind.value, tr.t(f"meetings.kind.{kind.value}")) for kind in MeetingKind],
            value=data.kind,
        ),
        *when_fields(tr, data.date, data.start, data.duration),
        agenda_field(tr, data.agenda, required=True),
        text_input("note", tr.t("meetings.field.note"), value=data.note, multiline=True),
    ]
    body = with_errors(body, errors)
    actions = [execute(tr.t("meetings.schedule_button"), SCHEDULE)]
    if warnings:
        # Two buttons that say what they do: this date anyway, or the date changed above.
        confirm = data.model_copy(update={"confirmed": True})
        actions = [
            execute(tr.t("meetings.confirm_button"), SCHEDULE, confirm),
            execute(tr.t("meetings.schedule_changed_button"), SCHEDULE),
        ]
    return card(body, actions)


def scheduled(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> Card:
    return card(
        [title(tr.t("meetings.scheduled_title")), *meeting_summary(tr, meeting, zone)],
        [join_button(tr, meeting.join_url)] if meeting.join_url else None,
    )


# A card's date and time inputs, read by the one rule for text from outside.
parse_day = iso_day
parse_time = iso_time


# --- announced, answered, reminded ----------------------------------------------------------

ATTEND = "meetings.attend"
ATTENDANCE = "meetings.attendance"
ICS = "meetings.ics"
SHOW = "meetings.show"
LIST = "meetings.list"
MOVE_FORM = "meetings.move_form"
MOVE = "meetings.move"
CANCEL_ASK = "meetings.cancel_ask"
CANCEL = "meetings.cancel"
KEEP = "meetings.keep"
RETRY_CALENDAR = "meetings.retry_calendar"
MINUTES_FORM = "meetings.minutes_form"
MINUTES = "meetings.minutes"


class MeetingRef(Payload):
    meeting: int


class AttendPayload(Payload):
    meeting: int
    answer: Literal["present", "absent"]
    # What the card showed: the meeting's plan (its fingerprint: time, length, agenda), and
    # (on a personal card) the answer in force then ("none" when none). None: not known (an
    # older card), not checked.
    plan: str | None = None
    known: Literal["none", "present", "absent"] | None = None


class MinutesPayload(Payload):
    meeting: int
    minutes_url: str = ""
    decisions: str = ""


class MovePayload(Payload):
    meeting: int
    date: str = ""
    start: str = ""
    duration: str = ""
    # None when the form had no agenda field (an older card): the agenda stays as it is.
    agenda: str | None = None


def _attend_buttons(
    tr: Translator, meeting: Meeting, known: Attendance | Literal["unknown"] | None = "unknown"
) -> list[dict[str, Any]]:
    """`known`: the answer the card shows (a personal card); "unknown" on the channel's."""
    shown: Literal["none", "present", "absent"] | None = None
    if isinstance(known, Attendance):
        shown = known.value
    elif known is None:
        shown = "none"
    return [
        execute(
            tr.t(f"meetings.attend.{answer.value}"),
            ATTEND,
            AttendPayload(
                meeting=meeting.id, answer=answer.value, plan=meeting.plan.fingerprint, known=shown
            ),
        )
        for answer in Attendance
    ]


def count_line(tr: Translator, count: AttendanceCount) -> str:
    said = tr.t(
        "meetings.count",
        present=tr.n("meetings.present_n", count.present),
        absent=tr.n("meetings.absent_n", count.absent),
        silent=tr.n("meetings.silent_n", count.silent),
    )
    reached = "meetings.quorum_reached" if count.reached else "meetings.quorum_not_reached"
    return f"{said} {tr.t(reached, quorum=count.quorum)}"


def channel_card(tr: Translator, meeting: Meeting, count: AttendanceCount, zone: ZoneInfo) -> Card:
    """The meeting as the committee channel shows it, redrawn in place at each change."""
    cancelled = meeting.status is MeetingStatus.CANCELLED
    heading = "meetings.channel_cancelled" if cancelled else "meetings.channel_title"
    body = [title(tr.t(heading)), *meeting_summary(tr, meeting, zone)]
    if cancelled:
        return card(body)
    body.append(paragraph(count_line(tr, count), isSubtle=True))
    actions = _attend_buttons(tr, meeting)
    if meeting.join_url:
        actions.insert(0, join_button(tr, meeting.join_url))
    return card(body, actions)


def personal_card(
    tr: Translator,
    meeting: Meeting,
    zone: ZoneInfo,
    *,
    answer: Attendance | None = None,
    heading: str = "meetings.invitation_title",
    days: int | None = None,
    stale: bool = False,
    changed: Sequence[str] = (),
) -> Card:
    """A meeting in a member's personal chat: the invitation, a reminder, a move or a
    cancellation; with the join button, the answer so far, and the two answers. `stale`: an
    older card was pressed, and this is what is in force."""
    if meeting.status is MeetingStatus.CANCELLED:
        return card([title(tr.t("meetings.cancelled_title")), *meeting_summary(tr, meeting, zone)])
    top = tr.n(heading, days) if days is not None else tr.t(heading)
    banner = [stale_banner(tr)] if stale else []
    said = [paragraph(line, weight="Bolder") for line in changed]
    body = [*banner, title(top), *said, *meeting_summary(tr, meeting, zone)]
    if answer is not None:
        body.append(paragraph(tr.t(f"meetings.answered.{answer.value}"), weight="Bolder"))
    else:
        body.append(paragraph(tr.t("meetings.will_you_come")))
    actions = _attend_buttons(tr, meeting, answer)
    if meeting.join_url:
        actions.insert(0, join_button(tr, meeting.join_url))
    elif meeting.calendar in (CalendarState.NONE, CalendarState.REFUSED):
        actions.append(execute(tr.t("meetings.ics_button"), ICS, MeetingRef(meeting=meeting.id)))
    return card(body, actions)


def attendance_table(
    tr: Translator,
    meeting: Meeting,
    rows: Sequence[tuple[str, str, Attendance | None]],
    count: AttendanceCount,
    zone: ZoneInfo,
) -> Card:
    """For the secretariat: who answered what, silent members first, and the quorum."""
    said = {
        None: tr.t("meetings.answer.none"),
        Attendance.PRESENT: tr.t("meetings.answer.present"),
        Attendance.ABSENT: tr.t("meetings.answer.absent"),
    }
    body = [
        title(tr.t("meetings.attendance_title")),
        paragraph(f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"),
        paragraph(count_line(tr, count)),
        table(
            [
                tr.t("meetings.column.member"),
                tr.t("meetings.column.organisation"),
                tr.t("meetings.column.answer"),
            ],
            [(name, organisation, said[answer]) for name, organisation, answer in rows],
            [3, 3, 2],
        ),
    ]
    return card(
        body,
        [
            execute(tr.t("meetings.refresh_button"), ATTENDANCE, MeetingRef(meeting=meeting.id)),
            back_to_list(tr),
        ],
    )


def manage_buttons(tr: Translator, meeting: Meeting) -> dict[str, Any]:
    """The secretariat's buttons under one meeting of the list."""
    ref = MeetingRef(meeting=meeting.id)
    actions = [
        execute(tr.t("meetings.attendance_button"), ATTENDANCE, ref),
        execute(tr.t("meetings.move_button"), MOVE_FORM, ref),
        execute(tr.t("meetings.cancel_button"), CANCEL_ASK, ref),
    ]
    if meeting.calendar is CalendarState.REFUSED:
        actions.append(execute(tr.t("meetings.retry_button"), RETRY_CALENDAR, ref))
    return {"type": "ActionSet", "actions": actions}


def move_form(
    tr: Translator,
    meeting: Meeting,
    *,
    typed: MovePayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    data = typed or MovePayload(
        meeting=meeting.id,
        date=meeting.plan.day.isoformat(),
        start=meeting.plan.start.strftime("%H:%M"),
        duration=str(meeting.plan.minutes),
        agenda="\n".join(
            item.title + (f" — {item.presenter}" if item.presenter else "")
            for item in meeting.plan.agenda
        ),
    )
    body = [
        title(tr.t("meetings.move_title")),
        paragraph(f"**{meeting.plan.title}**"),
        *when_fields(tr, data.date, data.start, data.duration),
        agenda_field(tr, data.agenda or "", required=True),
        paragraph(tr.t("meetings.move_hint"), isSubtle=True),
    ]
    return card(
        with_errors(body, errors),
        [execute(tr.t("meetings.move_confirm"), MOVE, MeetingRef(meeting=meeting.id))],
    )


def cancel_question(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> Card:
    return card(
        [
            title(tr.t("meetings.cancel_title")),
            *meeting_summary(tr, meeting, zone),
            paragraph(tr.t("meetings.cancel_warning"), weight="Bolder"),
        ],
        # Both answers, each saying what it does: an irreversible action is never one button.
        [
            execute(tr.t("meetings.cancel_confirm"), CANCEL, MeetingRef(meeting=meeting.id)),
            execute(tr.t("meetings.keep_button"), KEEP, MeetingRef(meeting=meeting.id)),
        ],
    )


def permission_notice(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> Card:
    """Graph refused: what is missing, who can fix it, and the button for after."""
    return card(
        [
            title(tr.t("meetings.permission_title")),
            paragraph(f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"),
            paragraph(tr.t("meetings.permission_text", permission="Calendars.ReadWrite")),
        ],
        [execute(tr.t("meetings.retry_button"), RETRY_CALENDAR, MeetingRef(meeting=meeting.id))],
    )


def about(tr: Translator, heading_key: str, meeting: Meeting, zone: ZoneInfo) -> Card:
    """A meeting under a heading: moved, kept, cancelled; and the way back to the list, where
    the other meetings' buttons are."""
    return card([title(tr.t(heading_key)), *meeting_summary(tr, meeting, zone)], [back_to_list(tr)])


def back_to_list(tr: Translator) -> dict[str, Any]:
    """The secretariat's way back to `réunions` from a card that replaced the list."""
    return execute(tr.t("meetings.back_to_list"), LIST)


def in_channel_answered(shared: Card, tr: Translator, answer: Attendance) -> Card:
    """The channel card as the person who answered sees it: their answer below."""
    said = paragraph(tr.t(f"meetings.answered.{answer.value}"), weight="Bolder")
    return card([*shared["body"], said], shared.get("actions"))


def cadence_notice(tr: Translator, message_key: str, urgent: bool) -> Card:
    """To the secretariat: the rhythm of meetings asks for one; a button to plan it."""
    heading = "meetings.cadence_urgent_title" if urgent else "meetings.cadence_title"
    return card(
        [title(tr.t(heading)), paragraph(tr.t(message_key))],
        [execute(tr.t("button.schedule"), RUN_COMMAND, RunCommand(command="schedule"))],
    )


def minutes_form(
    tr: Translator,
    meeting: Meeting,
    zone: ZoneInfo,
    *,
    typed: MinutesPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """After the meeting: the minutes' link and the decisions, one per line with its reason;
    pre-filled with what was recorded, so a correction is a small change."""
    data = typed or MinutesPayload(
        meeting=meeting.id,
        minutes_url=meeting.minutes_url or "",
        decisions="\n".join(f"{d.text} — {d.reason}" for d in meeting.decisions),
    )
    return card(
        with_errors(
            [
                title(tr.t("meetings.minutes_title")),
                paragraph(
                    f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"
                ),
                text_input(
                    "minutes_url",
                    tr.t("meetings.field.minutes_url"),
                    value=data.minutes_url,
                    placeholder="https://…sharepoint.com/…",
                ),
                text_input(
                    "decisions",
                    tr.t("meetings.field.decisions"),
                    value=data.decisions,
                    multiline=True,
                    placeholder=tr.t("meetings.field.decisions_hint"),
                ),
            ],
            errors,
        ),
        [execute(tr.t("meetings.minutes_save"), MINUTES, MeetingRef(meeting=meeting.id))],
    )


def minutes_notice(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> Card:
    """To each member: what was decided, and the minutes."""
    body = [
        title(tr.t("meetings.minutes_notice_title")),
        paragraph(f"{format_moment(tr, meeting.starts_at, zone)} — **{meeting.plan.title}**"),
    ]
    if meeting.decisions:
        body.append(paragraph(decision_lines(tr, meeting)))
    actions = (
        [
            {
                "type": "Action.OpenUrl",
                "title": tr.t("meetings.read_minutes"),
                "url": meeting.minutes_url,
            }
        ]
        if meeting.minutes_url
        else None
    )
    return card(body, actions)
