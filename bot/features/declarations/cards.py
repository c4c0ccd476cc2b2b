"""Cards of the conflict-of-interest declarations. Status is always said in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from bot.domain.text import iso_day
from bot.features.declarations.rules import (
    MAX_DESCRIPTION,
    MAX_INTERESTS,
    Conflict,
    GeneralDeclaration,
    Interest,
    InterestKind,
    ItemAnswer,
    Measure,
    MeetingDeclaration,
)
from bot.features.declarations.service import GeneralRow, MeetingAsk, MeetingRow
from bot.features.meetings.rules import Meeting
from bot.locale import Translator, format_day, format_moment
from bot.teams.cards import (
    Card,
    NoData,
    Payload,
    card,
    choice_set,
    date_input,
    error_line,
    execute,
    paragraph,
    stale_banner,
    superseded,
    table,
    text_input,
    title,
)

OPEN = "declarations.open"
SUBMIT = "declarations.submit"
MORE = "declarations.more"
MEETING = "declarations.meeting"
NO_CONFLICT = "declarations.no_conflict"
OPEN_MEETING = "declarations.open_meeting"
MEASURE_FORM = "declarations.measure_form"
MEASURE = "declarations.measure"
EXPORT = "declarations.export"
STATUS = "declarations.status"


class GeneralPayload(Payload):
    """The general form: `rows` blocks of kind_N, organisation_N, description_N, since_N."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    rows: int = 1
    nothing: str = "false"

    def field(self, name: str, n: int) -> str:
        value = (self.model_extra or {}).get(f"{name}_{n}", "")
        return value if isinstance(value, str) else ""

    def blocks(self) -> int:
        return max(1, min(self.rows, MAX_INTERESTS))


class MeetingPayload(Payload):
    """A meeting's card: the items it asked about (checked against the agenda: a forged
    item records nothing), and conflict_N / description_N for each."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    meeting: int
    items: list[str] = Field(default_factory=list)
    # The version of the member's answers the card showed (None: a card from before versions).
    seen: int | None = None

    def field(self, name: str, n: int) -> str:
        value = (self.model_extra or {}).get(f"{name}_{n}", "")
        return value if isinstance(value, str) else ""


class MeetingRef(Payload):
    meeting: int


class MeasurePayload(Payload):
    meeting: int
    member: int
    item: str
    measure: str = ""
    reason: str = ""


def _kinds(tr: Translator) -> list[tuple[str, str]]:
    return [(k.value, tr.t(f"declarations.kind.{k.value}")) for k in InterestKind]


def general_form(
    tr: Translator,
    current: Sequence[Interest],
    *,
    typed: GeneralPayload | None = None,
    errors: Sequence[str] = (),
    heading: str = "declarations.form_title",
) -> Card:
    """Pre-filled with the declaration in force, so that updating it is a small change."""
    rows = typed.blocks() if typed else max(len(current), 1)
    nothing = typed.nothing == "true" if typed else False
    body: list[dict[str, Any]] = [
        title(tr.t(heading)),
        paragraph(tr.t("declarations.form_intro")),
        paragraph(tr.t("declarations.private"), isSubtle=True),
        *[error_line(text) for text in errors],
        {
            "type": "Input.Toggle",
            "id": "nothing",
            "label": tr.t("declarations.nothing_label"),
            "title": tr.t("declarations.nothing"),
            "value": "true" if nothing else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    for n in range(1, rows + 1):
        known = current[n - 1] if n <= len(current) else None

        def value(name: str, fallback: str, n: int = n) -> str:
            return typed.field(name, n) if typed else fallback

        body += [
            paragraph(tr.t("declarations.interest_n", n=n), weight="Bolder", separator=True),
            choice_set(
                f"kind_{n}",
                tr.t("declarations.field.kind"),
                _kinds(tr),
                value=value("kind", known.kind.value if known else InterestKind.EMPLOYMENT.value),
                expanded=False,
            ),
            text_input(
                f"organisation_{n}",
                tr.t("declarations.field.organisation"),
                value=value("organisation", known.organisation if known else ""),
                max_length=300,
            ),
            text_input(
                f"description_{n}",
                tr.t("declarations.field.description"),
                value=value("description", known.description if known else ""),
                multiline=True,
                max_length=MAX_DESCRIPTION,
            ),
            date_input(
                f"since_{n}",
                tr.t("declarations.field.since"),
                value=value("since", known.since.isoformat() if known and known.since else ""),
            ),
        ]
    actions = [execute(tr.t("declarations.submit_button"), SUBMIT, GeneralPayload(rows=rows))]
    if rows < MAX_INTERESTS:
        actions.append(
            execute(tr.t("declarations.more_button"), MORE, GeneralPayload(rows=rows + 1))
        )
    return card(body, actions)


def interests_lines(tr: Translator, interests: Sequence[Interest]) -> str:
    if not interests:
        return tr.t("declarations.nothing")
    return "\n".join(
        "- "
        + tr.t(
            "declarations.interest_line",
            kind=tr.t(f"declarations.kind.{i.kind.value}"),
            organisation=i.organisation,
            description=i.description,
        )
        for i in interests
    )


def general_recorded(
    tr: Translator, declaration: GeneralDeclaration, zone: ZoneInfo, *, unchanged: bool = False
) -> Card:
    said = "declarations.unchanged" if unchanged else "declarations.recorded"
    return card(
        [
            title(tr.t("declarations.form_title")),
            paragraph(
                tr.t(
                    said,
                    version=declaration.version,
                    when=format_moment(tr, declaration.declared_at, zone),
                ),
                weight="Bolder",
            ),
            paragraph(interests_lines(tr, declaration.interests)),
        ],
        [execute(tr.t("declarations.update_button"), OPEN, NoData())],
    )


def general_due(tr: Translator, heading: str, about: str | None = None, days: int = 0) -> Card:
    """A reminder (to the member), or the secretariat told who has not declared."""
    if about is not None:
        return card(
            [
                title(tr.t("declarations.escalation_title")),
                paragraph(tr.t("declarations.escalation", name=about, days=days)),
            ],
            [execute(tr.t("declarations.status_button"), STATUS, NoData())],
        )
    return card(
        [title(tr.t(heading)), paragraph(tr.t("declarations.due_text"))],
        [execute(tr.t("declarations.declare_button"), OPEN, NoData())],
    )


def history(
    tr: Translator,
    general: Sequence[GeneralDeclaration],
    per_meeting: Sequence[tuple[MeetingDeclaration, Meeting | None]],
    zone: ZoneInfo,
) -> Card:
    """`mes déclarations`: every version, the latest first; amendments say they are."""
    body: list[dict[str, Any]] = [
        title(tr.t("declarations.history_title")),
        paragraph(tr.t("declarations.private"), isSubtle=True),
        paragraph(tr.t("declarations.general_heading"), weight="Bolder", separator=True),
    ]
    if not general:
        body.append(paragraph(tr.t("declarations.none_yet")))
    for declaration in reversed(general[-10:]):
        when = format_moment(tr, declaration.declared_at, zone)
        body.append(
            paragraph(tr.t("declarations.version_line", version=declaration.version, when=when))
        )
        body.append(paragraph(interests_lines(tr, declaration.interests), isSubtle=True))
    if per_meeting:
        body.append(
            paragraph(tr.t("declarations.meetings_heading"), weight="Bolder", separator=True)
        )
    for answered, meeting in reversed(per_meeting[-10:]):
        name = meeting.plan.title if meeting else "—"
        line = tr.t(
            "declarations.meeting_line",
            meeting=name,
            when=format_moment(tr, answered.declared_at, zone),
        )
        if answered.after_start:
            line += " " + tr.t("declarations.amendment")
        body.append(paragraph(line))
        body.append(paragraph(answers_lines(tr, answered.answers), isSubtle=True))
    return card(body, [execute(tr.t("declarations.update_button"), OPEN, NoData())])


def answers_lines(tr: Translator, answers: Sequence[ItemAnswer]) -> str:
    return "\n".join(
        "- "
        + tr.t(
            f"declarations.conflict_line.{a.conflict.value}", item=a.item, description=a.description
        )
        for a in answers
    )


def _conflicts(tr: Translator) -> list[tuple[str, str]]:
    return [(c.value, tr.t(f"declarations.conflict.{c.value}")) for c in Conflict]


def meeting_form(
    tr: Translator,
    ask: MeetingAsk,
    zone: ZoneInfo,
    *,
    typed: MeetingPayload | None = None,
    errors: Sequence[str] = (),
    heading: str = "declarations.meeting_title",
    stale: bool = False,
) -> Card:
    """The items to answer (the new ones only, once answered); after the start, every item
    again, as an amendment. `stale`: an older card was pressed, and this is what is in force."""
    meeting = ask.meeting
    items = ask.items or [i.title for i in meeting.plan.agenda]
    banner = (
        [stale_banner(tr, format_moment(tr, ask.answered_at, zone))]
        if stale and ask.answered_at
        else []
    )
    body: list[dict[str, Any]] = [
        *banner,
        title(tr.t(heading)),
        paragraph(f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"),
        paragraph(tr.t("declarations.private"), isSubtle=True),
    ]
    mine = [a for a in ask.answers.values() if a.conflict is not Conflict.NONE]
    if mine:
        body.append(paragraph(tr.t("declarations.your_conflicts"), weight="Bolder"))
        body.append(paragraph(answers_lines(tr, mine)))
    if ask.started:
        body.append(paragraph(tr.t("declarations.after_start"), weight="Bolder"))
    elif ask.answers and ask.items:
        body.append(paragraph(tr.t("declarations.new_items")))
    body += [error_line(text) for text in errors]
    for n, item in enumerate(items, start=1):
        known = ask.answers.get(item)
        conflict = typed.field("conflict", n) if typed else (known.conflict.value if known else "")
        description = (
            typed.field("description", n) if typed else (known.description if known else "")
        )
        body += [
            paragraph(f"{n}. {item}", weight="Bolder", separator=True),
            choice_set(
                f"conflict_{n}",
                tr.t("declarations.field.conflict"),
                _conflicts(tr),
                value=conflict or None,
            ),
            text_input(
                f"description_{n}",
                tr.t("declarations.field.conflict_description"),
                value=description,
                multiline=True,
                max_length=MAX_DESCRIPTION,
            ),
        ]
    ref = MeetingPayload(meeting=meeting.id, items=list(items), seen=ask.version)
    return card(
        body,
        [
            execute(tr.t("declarations.no_conflict_button"), NO_CONFLICT, ref),
            execute(tr.t("declarations.send_button"), MEETING, ref),
        ],
    )


def meeting_recorded(
    tr: Translator,
    meeting: Meeting,
    answers: Sequence[ItemAnswer],
    zone: ZoneInfo,
    *,
    amendment: bool,
    unchanged: bool = False,
) -> Card:
    said = (
        "declarations.unchanged_meeting"
        if unchanged
        else ("declarations.amendment_recorded" if amendment else "declarations.meeting_recorded")
    )
    return card(
        [
            title(tr.t("declarations.meeting_title")),
            paragraph(f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"),
            paragraph(tr.t(said), weight="Bolder"),
            paragraph(answers_lines(tr, answers)),
        ],
        [execute(tr.t("declarations.amend_button"), OPEN_MEETING, MeetingRef(meeting=meeting.id))],
    )


def status(
    tr: Translator,
    general: Sequence[GeneralRow],
    meeting: Meeting | None,
    rows: Sequence[MeetingRow],
    zone: ZoneInfo,
) -> Card:
    """For the secretariat: general declarations (never made and due first), then the next
    meeting's (pending first) with the conflicted items and a button for each measure."""
    body: list[dict[str, Any]] = [
        title(tr.t("declarations.status_title")),
        paragraph(tr.t("declarations.general_heading"), weight="Bolder"),
        table(
            [
                tr.t("meetings.column.member"),
                tr.t("declarations.column.status"),
                tr.t("declarations.column.declared_at"),
            ],
            [
                (
                    r.member.display_name,
                    tr.t(f"declarations.general.{r.status.value}"),
                    format_day(tr, r.latest.declared_at, zone) if r.latest else "—",
                )
                for r in general
            ],
            [3, 2, 2],
        ),
    ]
    if meeting is not None:
        body.append(
            paragraph(
                tr.t(
                    "declarations.meeting_heading",
                    title=meeting.plan.title,
                    when=format_moment(tr, meeting.starts_at, zone),
                ),
                weight="Bolder",
                separator=True,
            )
        )
        body.append(
            table(
                [
                    tr.t("meetings.column.member"),
                    tr.t("declarations.column.status"),
                    tr.t("declarations.column.items"),
                ],
                [
                    (
                        r.member.display_name,
                        tr.t(f"declarations.meeting_status.{r.status}"),
                        "; ".join(
                            a.item
                            + (
                                f" ({tr.t('declarations.measure.' + r.measures[a.item][0].value)})"
                                if a.item in r.measures
                                else ""
                            )
                            for a in r.conflicts
                        )
                        or "—",
                    )
                    for r in rows
                ],
                [3, 2, 3],
            )
        )
        buttons = [
            execute(
                tr.t("declarations.measure_button", name=r.member.display_name, item=a.item),
                MEASURE_FORM,
                MeasurePayload(meeting=meeting.id, member=r.member.id or 0, item=a.item),
            )
            for r in rows
            for a in r.conflicts
        ][:6]
        if buttons:
            body.append({"type": "ActionSet", "actions": buttons})
    return card(body, [execute(tr.t("confidentiality.export_button"), EXPORT, NoData())])


def measure_form(
    tr: Translator, meeting: Meeting, name: str, data: MeasurePayload, errors: Sequence[str] = ()
) -> Card:
    return card(
        [
            title(tr.t("declarations.measure_title")),
            paragraph(
                tr.t(
                    "declarations.measure_about",
                    name=name,
                    item=data.item,
                    title=meeting.plan.title,
                )
            ),
            *[error_line(text) for text in errors],
            choice_set(
                "measure",
                tr.t("declarations.field.measure"),
                [(m.value, tr.t(f"declarations.measure.{m.value}")) for m in Measure],
                value=data.measure or Measure.DISCUSSION.value,
            ),
            text_input(
                "reason",
                tr.t("declarations.field.reason"),
                value=data.reason,
                multiline=True,
                required=True,
                error=tr.t("confidentiality.error.empty_field"),
                max_length=MAX_DESCRIPTION,
            ),
        ],
        [
            execute(
                tr.t("declarations.measure_save"),
                MEASURE,
                MeasurePayload(meeting=meeting.id, member=data.member, item=data.item),
            )
        ],
    )


def measure_notice(
    tr: Translator, meeting: Meeting, item: str, measure: Measure, reason: str, zone: ZoneInfo
) -> Card:
    return card(
        [
            title(tr.t("declarations.measure_notice_title")),
            paragraph(f"**{meeting.plan.title}** — {format_moment(tr, meeting.starts_at, zone)}"),
            paragraph(
                tr.t(
                    "declarations.measure_notice",
                    item=item,
                    measure=tr.t(f"declarations.measure.{measure.value}"),
                )
            ),
            paragraph(tr.t("declarations.measure_reason", reason=reason)),
        ]
    )


def parse_since(text: str) -> date | None:
    return iso_day(text)


def meeting_form_replaced(tr: Translator) -> Card:
    """An earlier conflicts card, once a newer one asks again (the agenda changed)."""
    return superseded(
        tr, tr.t("declarations.meeting_title"), tr.t("declarations.meeting_card_replaced")
    )
