"""Cards of the minutes' adoption: the secretariat's list, submission and adoption forms; the
member's draft card with their corrections; the adoption told to everyone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict

from bot.features.meetings.rules import Meeting
from bot.features.minutes.rules import (
    CORRECTION_MAX,
    REASON_MAX,
    Correction,
    Review,
    ReviewStatus,
    Verdict,
)
from bot.features.minutes.service import AdoptionView, MemberView, MinutesRow
from bot.locale import Translator, format_long_day
from bot.teams.cards import (
    Card,
    Element,
    FieldError,
    NoData,
    Payload,
    card,
    choice_set,
    date_input,
    execute,
    paragraph,
    table,
    text_input,
    title,
    with_errors,
)

LIST = "minutes.list"
OPEN_FORM = "minutes.open_form"
OPEN = "minutes.open"
CORRECT = "minutes.correct"
SHOW = "minutes.show"
ADOPT_FORM = "minutes.adopt_form"
ADOPT = "minutes.adopt"


class MeetingRef(Payload):
    meeting: int


class ReviewRef(Payload):
    review: int


class OpenPayload(MeetingRef):
    url: str = ""
    deadline: str = ""


class CorrectPayload(ReviewRef):
    text: str = ""


class AdoptPayload(ReviewRef):
    """The adoption form: its day and final link, and per correction `verdict_N`, `reason_N`
    (N the correction's id), as many as the form showed."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)
    adopted_on: str = ""
    final_url: str = ""

    def verdicts(self) -> dict[int, tuple[str, str]]:
        extra = {k: v for k, v in (self.model_extra or {}).items() if isinstance(v, str)}
        found: dict[int, tuple[str, str]] = {}
        for key, value in extra.items():
            if key.startswith("verdict_") and key[8:].isdigit():
                found[int(key[8:])] = (value, extra.get(f"reason_{key[8:]}", ""))
        return found


def _meeting_name(tr: Translator, meeting: Meeting, zone: ZoneInfo) -> str:
    day = format_long_day(tr, meeting.starts_at.astimezone(zone).date())
    return tr.t("minutes.meeting_of", title=meeting.plan.title, day=day)


def state_words(tr: Translator, review: Review | None, corrections: int) -> str:
    if review is None:
        return tr.t("minutes.state.none")
    if review.status is ReviewStatus.ADOPTED and review.adopted_on is not None:
        return tr.t("minutes.state.adopted", day=format_long_day(tr, review.adopted_on))
    return tr.n("minutes.state.draft", corrections, day=format_long_day(tr, review.deadline))


def overview(tr: Translator, rows: Sequence[MinutesRow], zone: ZoneInfo) -> Card:
    """For the secretariat: each meeting held, where its minutes stand, what to do next."""
    body: list[Element] = [title(tr.t("minutes.title"))]
    if not rows:
        body.append(paragraph(tr.t("minutes.none")))
        return card(body)
    body.append(
        table(
            [tr.t("minutes.column.meeting"), tr.t("minutes.column.state")],
            [(_meeting_name(tr, r.meeting, zone), state_words(tr, r.review, r.corrections))
             for r in rows],
            [3, 3],
        )
    )  # fmt: skip
    buttons = []
    for row in rows[:5]:
        day = format_long_day(tr, row.meeting.starts_at.astimezone(zone).date())
        if row.review is not None and row.review.status is ReviewStatus.DRAFT:
            buttons.append(execute(tr.t("minutes.adopt_button", day=day), ADOPT_FORM,
                                   ReviewRef(review=row.review.id)))  # fmt: skip
        else:
            key = "minutes.submit_button" if row.review is None else "minutes.resubmit_button"
            buttons.append(
                execute(tr.t(key, day=day), OPEN_FORM, MeetingRef(meeting=row.meeting.id))
            )
    body.append({"type": "ActionSet", "actions": buttons})
    return card(body)


def open_form(
    tr: Translator,
    meeting: Meeting,
    deadline: date,
    zone: ZoneInfo,
    *,
    typed: OpenPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    data = typed or OpenPayload(
        meeting=meeting.id, url=meeting.minutes_url or "", deadline=deadline.isoformat()
    )
    required = tr.t("confidentiality.error.empty_field")
    body: list[Element] = [
        title(tr.t("minutes.open_title")),
        paragraph(f"**{_meeting_name(tr, meeting, zone)}**"),
        paragraph(tr.t("minutes.open_intro"), isSubtle=True),
        text_input("url", tr.t("minutes.field.url"), value=data.url, required=True,
                   error=required, placeholder="https://…sharepoint.com/…"),
        date_input("deadline", tr.t("minutes.field.deadline"), value=data.deadline,
                   required=True, error=required),
    ]  # fmt: skip
    return card(
        with_errors(body, errors),
        [
            execute(tr.t("minutes.open_submit"), OPEN, MeetingRef(meeting=meeting.id)),
            execute(tr.t("minutes.back"), LIST, NoData()),
        ],
    )


def opened(tr: Translator, review: Review, meeting: Meeting, told: int, waiting: int,
           zone: ZoneInfo) -> Card:  # fmt: skip
    """What happened, honestly: who is told now, who will be when they first open the chat."""
    body: list[Element] = [
        title(tr.t("minutes.opened_title")),
        paragraph(f"**{_meeting_name(tr, meeting, zone)}**"),
        paragraph(tr.t("minutes.deadline", day=format_long_day(tr, review.deadline))),
        paragraph(tr.n("minutes.told", told)),
    ]
    if waiting:
        body.append(paragraph(tr.n("minutes.waiting", waiting)))
    return card(body, [execute(tr.t("minutes.back"), LIST, NoData())])


def _correction_lines(tr: Translator, mine: Sequence[Correction]) -> list[Element]:
    lines: list[Element] = []
    for n, correction in enumerate(mine, 1):
        said = f"{n}. {correction.text}"
        if correction.verdict is Verdict.TAKEN:
            said += "\n" + tr.t("minutes.taken")
        elif correction.verdict is Verdict.NOT_TAKEN:
            said += "\n" + tr.t("minutes.not_taken_because", reason=correction.reason)
        lines.append(paragraph(said))
    return lines


def draft_card(
    tr: Translator,
    view: MemberView,
    zone: ZoneInfo,
    today: date,
    *,
    saved: bool = False,
    typed: CorrectPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """To a member: the draft's link, until when corrections are taken, theirs so far, and a
    field for one more. After the deadline or the adoption, read-only."""
    review = view.review
    body: list[Element] = [
        title(tr.t("minutes.draft_title")),
        paragraph(f"**{_meeting_name(tr, view.meeting, zone)}**"),
    ]
    actions: list[dict[str, Any]] = [
        {"type": "Action.OpenUrl", "title": tr.t("minutes.read_button"), "url": review.draft_url}
    ]
    if review.status is ReviewStatus.ADOPTED and review.adopted_on is not None:
        body.append(paragraph(tr.t("minutes.state.adopted",
                                   day=format_long_day(tr, review.adopted_on)), weight="Bolder"))  # fmt: skip
    elif review.takes_corrections(today):
        body.append(paragraph(tr.t("minutes.deadline", day=format_long_day(tr, review.deadline))))
    else:
        body.append(paragraph(tr.t("minutes.closed"), weight="Bolder"))
    if saved:
        body.append(paragraph(tr.t("minutes.saved"), weight="Bolder"))
    if view.mine:
        body.append(paragraph(tr.n("minutes.yours", len(view.mine)), weight="Bolder"))
        body += _correction_lines(tr, view.mine)
    if not review.takes_corrections(today):
        return card(with_errors(body, errors), actions)
    body.append(
        text_input("text", tr.t("minutes.field.correction"), value=typed.text if typed else "",
                   multiline=True, max_length=CORRECTION_MAX,
                   placeholder=tr.t("minutes.field.correction_hint"))
    )  # fmt: skip
    actions.insert(0, execute(tr.t("minutes.correct_button"), CORRECT, ReviewRef(review=review.id)))
    return card(with_errors(body, errors), actions)


def adopt_form(
    tr: Translator,
    view: AdoptionView,
    today: date,
    zone: ZoneInfo,
    *,
    typed: AdoptPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """The committee adopted the minutes: the day, the final link, and each correction taken
    or not (the reason when not: its author is told)."""
    review = view.review
    said = typed.verdicts() if typed else {}
    required = tr.t("confidentiality.error.empty_field")
    body: list[Element] = [
        title(tr.t("minutes.adopt_title")),
        paragraph(f"**{_meeting_name(tr, view.meeting, zone)}**"),
        date_input("adopted_on", tr.t("minutes.field.adopted_on"),
                   value=typed.adopted_on if typed else today.isoformat(), required=True,
                   error=required),
        text_input("final_url", tr.t("minutes.field.final_url"),
                   value=typed.final_url if typed else review.draft_url, required=True,
                   error=required),
        paragraph(tr.n("minutes.corrections", len(view.corrections)), weight="Bolder"),
    ]  # fmt: skip
    for correction, author in view.corrections:
        verdict, reason = said.get(correction.id, ("", ""))
        body += [
            paragraph(tr.t("minutes.correction_by", name=author.display_name if author else "—")),
            paragraph(correction.text, isSubtle=True, spacing="None"),
            choice_set(f"verdict_{correction.id}", tr.t("minutes.field.verdict"),
                       [(v.value, tr.t(f"minutes.verdict.{v.value}")) for v in Verdict],
                       value=verdict or None, required=True, error=required),
            text_input(f"reason_{correction.id}", tr.t("minutes.field.reason"), value=reason,
                       multiline=True, max_length=REASON_MAX),
        ]  # fmt: skip
    return card(
        with_errors(body, errors),
        [
            execute(tr.t("minutes.adopt_submit"), ADOPT, ReviewRef(review=review.id)),
            execute(tr.t("minutes.back"), LIST, NoData()),
        ],
    )


def adopted(tr: Translator, view: MemberView, zone: ZoneInfo) -> Card:
    """To each member: adopted on that day, the final link, and what became of theirs."""
    review = view.review
    body: list[Element] = [
        title(tr.t("minutes.adopted_title")),
        paragraph(f"**{_meeting_name(tr, view.meeting, zone)}**"),
    ]
    if review.adopted_on is not None:
        body.append(
            paragraph(tr.t("minutes.state.adopted", day=format_long_day(tr, review.adopted_on)))
        )
    if view.mine:
        body.append(paragraph(tr.n("minutes.yours", len(view.mine)), weight="Bolder"))
        body += _correction_lines(tr, view.mine)
    link = review.final_url or review.draft_url
    return card(
        body, [{"type": "Action.OpenUrl", "title": tr.t("minutes.read_button"), "url": link}]
    )


def adopted_for_secretariat(tr: Translator, review: Review, meeting: Meeting,
                            zone: ZoneInfo) -> Card:  # fmt: skip
    body: list[Element] = [
        title(tr.t("minutes.adopted_title")),
        paragraph(f"**{_meeting_name(tr, meeting, zone)}**"),
    ]
    if review.adopted_on is not None:
        body.append(
            paragraph(tr.t("minutes.state.adopted", day=format_long_day(tr, review.adopted_on)))
        )
    body.append(paragraph(tr.t("minutes.adopted_effect")))
    return card(body, [execute(tr.t("minutes.back"), LIST, NoData())])
