"""Cards of the committee's meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.meetings import (
    PROPOSED_MINUTES,
    PROPOSED_START,
    CalendarState,
    Meeting,
    MeetingKind,
)
from bot.locale import Translator, format_moment
from bot.teams.cards import (
    Card,
    Payload,
    card,
    choice_set,
    date_input,
    error_line,
    execute,
    paragraph,
    text_input,
    time_input,
    title,
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
        f"{n}. {item.title}" + (f" ({item.presenter})" if item.presenter else "")
        for n, item in enumerate(meeting.plan.agenda, start=1)
    )


def meeting_summary(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> list[dict[str, Any]]:
    """A meeting as a few lines: when, what kind, the agenda, where the Teams link stands."""
    lines: list[dict[str, Any]] = [
        paragraph(f"**{meeting.plan.title}**"),
        paragraph(format_moment(tr, meeting.starts_at, zone)),
        paragraph(tr.t(f"meetings.kind.{meeting.plan.kind.value}"), isSubtle=True),
    ]
    if meeting.plan.agenda:
        lines.append(paragraph(_agenda_lines(meeting)))
    if meeting.calendar is not CalendarState.CREATED:
        lines.append(paragraph(tr.t("meetings.link_later"), isSubtle=True))
    return lines


def meetings_list(
    tr: Translator, upcoming: Sequence[Meeting], past: Sequence[Meeting], zone: ZoneInfo
) -> Card:
    body: list[dict[str, Any]] = [title(tr.t("meetings.title"))]
    actions: list[dict[str, Any]] = []
    if not upcoming:
        body.append(paragraph(tr.t("meetings.none_upcoming")))
    for meeting in upcoming:
        body += meeting_summary(tr, meeting, zone)
        if meeting.join_url and len(actions) < 3:
            actions.append(join_button(tr, meeting.join_url))
    if past:
        body.append(paragraph(tr.t("meetings.past"), weight="Bolder", separator=True))
        body += [
            paragraph(f"{format_moment(tr, m.starts_at, zone)} — {m.plan.title}") for m in past[-5:]
        ]
    return card(body, actions or None)


def next_meeting(tr: Translator, meeting: Meeting | None, zone: ZoneInfo) -> Card:
    if meeting is None:
        return card([title(tr.t("meetings.next_title")), paragraph(tr.t("meetings.none_upcoming"))])
    actions = [join_button(tr, meeting.join_url)] if meeting.join_url else None
    return card([title(tr.t("meetings.next_title")), *meeting_summary(tr, meeting, zone)], actions)


def schedule_form(
    tr: Translator,
    proposed: date,
    *,
    typed: SchedulePayload | None = None,
    errors: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> Card:
    """Every field labelled and pre-filled (the first quarter without a meeting, a Wednesday
    afternoon); refused, it comes back with what was typed and each problem named."""
    data = typed or SchedulePayload(
        date=proposed.isoformat(),
        start=PROPOSED_START.strftime("%H:%M"),
        duration=str(PROPOSED_MINUTES),
        title=tr.t("meetings.default_title"),
    )
    body: list[dict[str, Any]] = [title(tr.t("meetings.schedule_title"))]
    body += [error_line(text) for text in errors]
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
        date_input(
            "date", tr.t("meetings.field.date"), value=data.date, required=True, error=required
        ),
        time_input(
            "start", tr.t("meetings.field.start"), value=data.start, required=True, error=required
        ),
        text_input(
            "duration",
            tr.t("meetings.field.duration"),
            value=data.duration,
            required=True,
            error=required,
        ),
        text_input(
            "agenda",
            tr.t("meetings.field.agenda"),
            value=data.agenda,
            required=True,
            error=required,
            multiline=True,
            placeholder=tr.t("meetings.field.agenda_hint"),
        ),
        text_input("note", tr.t("meetings.field.note"), value=data.note, multiline=True),
    ]
    actions = [execute(tr.t("meetings.schedule_button"), SCHEDULE)]
    if warnings:
        confirm = data.model_copy(update={"confirmed": True})
        actions.insert(0, execute(tr.t("meetings.confirm_button"), SCHEDULE, confirm))
    return card(body, actions)


def scheduled(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> Card:
    return card(
        [title(tr.t("meetings.scheduled_title")), *meeting_summary(tr, meeting, zone)],
        [join_button(tr, meeting.join_url)] if meeting.join_url else None,
    )


def parse_time(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
