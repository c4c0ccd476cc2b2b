"""Cards of the date polls: the secretariat's form and results, each member's answer card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.features.meetings.cards import agenda_field, duration_field
from bot.features.meetings.poll_service import PollResults
from bot.features.meetings.rules import (
    MAX_SLOTS,
    Availability,
    MeetingKind,
    Poll,
    PollStatus,
    agenda_label,
)
from bot.locale import Translator, format_clock, format_moment
from bot.teams.cards import (
    Card,
    FieldError,
    NoData,
    Payload,
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

OPEN = "polls.open"
NEW = "polls.new"
ANSWER = "polls.answer"
SHOW = "polls.show"
RESULTS = "polls.results"
SCHEDULE = "polls.schedule"
SCHEDULE_CONFIRM = "polls.schedule_confirm"

SLOTS = range(1, MAX_SLOTS + 1)


class PollFormPayload(Payload):
    """The poll form's inputs (every input is text); empty slots are ignored."""

    title: str = ""
    duration: str = "120"
    agenda: str = ""
    slot1_date: str = ""
    slot1_start: str = ""
    slot2_date: str = ""
    slot2_start: str = ""
    slot3_date: str = ""
    slot3_start: str = ""
    slot4_date: str = ""
    slot4_start: str = ""
    slot5_date: str = ""
    slot5_start: str = ""

    def typed_slots(self) -> list[tuple[int, str, str]]:
        """(position, date, start) of each slot where something was typed."""
        found = []
        for n in SLOTS:
            day, start = getattr(self, f"slot{n}_date"), getattr(self, f"slot{n}_start")
            if day.strip() or start.strip():
                found.append((n, day, start))
        return found


class PollRef(Payload):
    poll: int


class AnswerPayload(Payload):
    """A member's answers, one choice per slot (`slot_N`); identity comes from the activity."""

    poll: int
    slot_1: str = ""
    slot_2: str = ""
    slot_3: str = ""
    slot_4: str = ""
    slot_5: str = ""
    # The answers the card showed (`answers_shown`); None: an older card, not checked.
    seen: str | None = None

    def answers(self) -> dict[int, str]:
        return {n: getattr(self, f"slot_{n}") for n in SLOTS if getattr(self, f"slot_{n}")}


def answers_shown(answers: Mapping[int, Availability]) -> str:
    """The member's answers as a card carries them: pressed after newer ones, it is stale."""
    return ",".join(f"{n}:{answers[n].value}" for n in sorted(answers))


class AnswerRef(Payload):
    poll: int
    seen: str | None = None


class SlotRef(Payload):
    poll: int
    position: int


def poll_form(
    tr: Translator, *, typed: PollFormPayload | None = None, errors: Sequence[str | FieldError] = ()
) -> Card:
    """The secretariat's poll: a title, a duration, the agenda, two to five slots."""
    data = typed or PollFormPayload(title=tr.t("polls.default_title"))
    required = tr.t("confidentiality.error.empty_field")
    body: list[dict[str, Any]] = [
        title(tr.t("polls.form_title")),
        paragraph(tr.t("polls.form_intro"), isSubtle=True),
        text_input(
            "title",
            tr.t("meetings.field.title"),
            value=data.title,
            required=True,
            error=required,
            max_length=200,
        ),
        duration_field(tr, data.duration),
        agenda_field(tr, data.agenda, required=False),
    ]
    for n in SLOTS:
        body += [
            date_input(
                f"slot{n}_date",
                tr.t("polls.field.slot_date", n=n),
                value=getattr(data, f"slot{n}_date"),
            ),
            time_input(
                f"slot{n}_start",
                tr.t("polls.field.slot_start", n=n),
                value=getattr(data, f"slot{n}_start"),
            ),
        ]
    return card(with_errors(body, errors), [execute(tr.t("polls.send_button"), OPEN)])


def _headed(heading: str, poll: Poll) -> list[dict[str, Any]]:
    """The card's heading, then the poll's name unless the heading already says it (a poll
    named « Sondage de disponibilités » would read twice on its results)."""
    shown = [title(heading)]
    if poll.title.strip().casefold() not in heading.casefold():
        shown.append(paragraph(f"**{poll.title}**"))
    return shown


def _choices(tr: Translator) -> list[tuple[str, str]]:
    return [(a.value, tr.t(f"polls.answer.{a.value}")) for a in Availability]


def answer_card(
    tr: Translator,
    poll: Poll,
    zone: ZoneInfo,
    answers: Mapping[int, Availability],
    *,
    heading: str = "polls.card_title",
    thanked: bool = False,
    stale: bool = False,
) -> Card:
    """One card for every slot: disponible, si nécessaire, non; sent again, it replaces.
    `stale`: an older card was pressed, and these are the answers in force."""
    if poll.status is not PollStatus.OPEN:
        return card([title(tr.t("polls.closed_title")), paragraph(tr.t("polls.closed"))])
    body: list[dict[str, Any]] = [
        *([stale_banner(tr)] if stale else []),
        *_headed(tr.t(heading), poll),
    ]
    if poll.agenda:
        # What the meeting is for, so a member can weigh whether to come.
        lines = "\n".join(f"{n}. {agenda_label(item)}" for n, item in enumerate(poll.agenda, 1))
        body.append(paragraph(f"{tr.t('meetings.agenda')}\n{lines}"))
    body.append(paragraph(tr.t("polls.card_intro"), isSubtle=True))
    for slot in poll.slots:
        said = answers.get(slot.position)
        body.append(
            choice_set(
                f"slot_{slot.position}",
                format_moment(tr, slot.starts_at(zone), zone),
                _choices(tr),
                value=said.value if said else None,
            )
        )
    if thanked:
        body.append(paragraph(tr.t("polls.thanks"), weight="Bolder"))
    ref = AnswerRef(poll=poll.id, seen=answers_shown(answers))
    return card(body, [execute(tr.t("polls.answer_button"), ANSWER, ref)])


def results(tr: Translator, found: PollResults, zone: ZoneInfo, *, sent: bool = False) -> Card:
    """For the secretariat: counts per slot, who said what (silent members first), and a
    button to schedule each slot, the best one first."""
    poll = found.poll
    body: list[dict[str, Any]] = [
        *_headed(tr.t("polls.results_title"), poll),
    ]
    if sent:
        body.append(paragraph(tr.t("polls.sent"), weight="Bolder"))
    if poll.status is PollStatus.SCHEDULED:
        body.append(paragraph(tr.t("polls.scheduled_already")))
    short = {a: tr.t(f"polls.short.{a.value}") for a in Availability}
    body.append(
        table(
            [
                tr.t("polls.column.slot"),
                short[Availability.YES],
                short[Availability.MAYBE],
                short[Availability.NO],
            ],
            [
                (
                    # Numbered as each member's answers below refer to them (« 1 Dispo. »).
                    f"{t.slot.position}. {format_moment(tr, t.slot.starts_at(zone), zone)}",
                    str(t.yes),
                    str(t.maybe),
                    str(t.no),
                )
                for t in found.tallies
            ],
            [4, 1, 1, 1],
        )
    )
    if found.best is not None and (found.best.yes or found.best.maybe):
        best = format_moment(tr, found.best.slot.starts_at(zone), zone)
        body.append(paragraph(tr.t("polls.best", slot=best), weight="Bolder"))
    rows = [
        (
            member.display_name,
            " · ".join(
                f"{slot.position}\u00a0{short[said[slot.position]]}"
                if slot.position in said
                else f"{slot.position}\u00a0—"
                for slot in poll.slots
            )
            if said
            else tr.t("meetings.answer.none"),
        )
        for member, said in found.answers
    ]
    body.append(table([tr.t("meetings.column.member"), tr.t("polls.column.answers")], rows, [2, 3]))
    if poll.status is PollStatus.OPEN:
        ordered = sorted(found.tallies, key=lambda t: t is not found.best)
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute(
                        tr.t("polls.schedule_button", n=t.slot.position),
                        SCHEDULE,
                        SlotRef(poll=poll.id, position=t.slot.position),
                    )
                    for t in ordered
                ],
            }
        )
    return card(
        body,
        [
            execute(tr.t("meetings.refresh_button"), RESULTS, PollRef(poll=poll.id)),
            execute(tr.t("polls.new_button"), NEW, NoData()),
        ],
    )


def schedule_preview(tr: Translator, found: PollResults, position: int, zone: ZoneInfo) -> Card:
    """Before anything is sent: the meeting this slot makes, who said they cannot come, and
    who will be invited; confirming schedules it, going back changes nothing."""
    poll = found.poll
    [tally] = [t for t in found.tallies if t.slot.position == position]
    starts = tally.slot.starts_at(zone)
    ends = starts + timedelta(minutes=poll.minutes)
    body: list[dict[str, Any]] = [
        *_headed(tr.t("polls.preview_title"), poll),
        paragraph(
            tr.t(
                "meetings.when_until",
                when=format_moment(tr, starts, zone),
                end=format_clock(tr, ends, zone),
            )
        ),
        paragraph(tr.t(f"meetings.kind.{MeetingKind.EXTRAORDINARY.value}"), isSubtle=True),
    ]
    if poll.agenda:
        lines = "\n".join(f"{n}. {agenda_label(item)}" for n, item in enumerate(poll.agenda, 1))
        body.append(paragraph(f"{tr.t('meetings.agenda')}\n{lines}"))
    cannot = [m.display_name for m, said in found.answers if said.get(position) is Availability.NO]
    silent = sum(1 for _, said in found.answers if not said)
    body.append(paragraph(tr.n("polls.preview_invited", len(found.answers)), weight="Bolder"))
    if cannot:
        body.append(paragraph(tr.t("polls.preview_cannot", names=", ".join(cannot))))
    if silent:
        body.append(paragraph(tr.n("polls.preview_silent", silent), isSubtle=True))
    ref = SlotRef(poll=poll.id, position=position)
    return card(
        body,
        [
            execute(tr.t("polls.preview_confirm"), SCHEDULE_CONFIRM, ref),
            execute(tr.t("polls.back_to_results"), RESULTS, PollRef(poll=poll.id)),
        ],
    )
