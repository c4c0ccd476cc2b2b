"""Cards of the mandates: the member's question, the secretariat's decision, the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.members import Member
from bot.features.mandates.rules import DEFAULT_REMINDER_DAYS, Answer, Decision, Mandate, Seats
from bot.locale import Translator, format_short_date
from bot.teams.cards import (
    HELP,
    Card,
    NoData,
    Payload,
    card,
    error_line,
    execute,
    facts,
    paragraph,
    stale_banner,
    table,
    text_input,
    title,
)

ANSWER = "mandates.answer"
DECIDE = "mandates.decide"
REPLACE_FORM = "mandates.replace_form"
REPLACE = "mandates.replace"
EXPORT = "mandates.export"
TABLE = "mandates.table"


class AnswerPayload(Payload):
    mandate: int
    answer: Literal["yes", "no", "unsure"]
    # The answer the card showed ("none": none yet); None: an older card, not checked.
    known: Literal["none", "yes", "no", "unsure"] | None = None


class DecidePayload(Payload):
    mandate: int
    decision: Literal["renew", "end"]


class MandateRef(Payload):
    mandate: int


class ReplacePayload(Payload):
    mandate: int
    name: str = ""
    email: str = ""


# The first reminder, in days before the end (MANDATE_REMINDER_DAYS' largest by default).
ASKED_FROM = max(DEFAULT_REMINDER_DAYS)


def day(tr: Translator, value: date, zone: ZoneInfo) -> str:
    return format_short_date(tr, value)


def welcome_delegate(tr: Translator, member: Member, mandate: Mandate, zone: ZoneInfo) -> Card:
    """To an organisation's new delegate, registered by the secretariat: what their seat is,
    when it starts, what will be asked of them."""
    return card(
        [
            title(tr.t("mandates.welcome_title")),
            paragraph(
                tr.t(
                    "mandates.welcome",
                    name=member.display_name,
                    organisation=member.organisation,
                    starts=day(tr, mandate.starts_on, zone),
                    ends=day(tr, mandate.ends_on, zone),
                )
            ),
            paragraph(tr.t("mandates.welcome_next")),
        ],
        [execute(tr.t("action.show_help"), HELP)],
    )


def _answer_text(
    tr: Translator, mandate: Mandate, today: date | None = None, asked_from: int = ASKED_FROM
) -> str:
    """The member's answer; before the first reminder (`asked_from` days before the end) the
    question has not been put yet, which is not the same as not answering it."""
    if mandate.answer is None:
        if today is not None and mandate.days_left(today) > asked_from:
            return tr.t("mandates.answer.not_asked")
        return tr.t("mandates.answer.none")
    return tr.t(f"mandates.answer.{mandate.answer.value}")


def member_question(
    tr: Translator,
    mandate: Mandate,
    zone: ZoneInfo,
    days: int | None = None,
    *,
    stale: bool = False,
) -> Card:
    """« Souhaitez-vous poursuivre votre mandat ? » — Oui / Non / Je ne sais pas encore.
    `stale`: an older card was pressed, and this is the answer in force."""
    heading = (
        tr.n("mandates.member_title", days) if days is not None else tr.t("mandates.mine_title")
    )
    body: list[dict[str, Any]] = [
        *([stale_banner(tr)] if stale else []),
        title(heading),
        paragraph(tr.t("mandates.ends_on", day=day(tr, mandate.ends_on, zone))),
        paragraph(tr.t("mandates.question"), weight="Bolder"),
    ]
    if mandate.answer is not None:
        body.append(paragraph(tr.t("mandates.your_answer", answer=_answer_text(tr, mandate))))
    body.append(paragraph(tr.t("mandates.question_hint"), isSubtle=True))
    return card(
        body,
        [
            execute(
                tr.t(f"mandates.answer.{a.value}"),
                ANSWER,
                AnswerPayload(
                    mandate=mandate.id,
                    answer=a.value,
                    known=mandate.answer.value if mandate.answer else "none",
                ),
            )
            for a in Answer
        ],
    )


def clerk_question(
    tr: Translator, member: Member, mandate: Mandate, zone: ZoneInfo, days: int | None = None
) -> Card:
    """For the secretariat: the mandate, the member's answer, and the three decisions."""
    heading = (
        tr.n("mandates.clerk_title", days, name=member.display_name)
        if days is not None
        else tr.t("mandates.clerk_title_now", name=member.display_name)
    )
    return card(
        [
            title(heading),
            facts(
                [
                    (tr.t("mandates.field.organisation"), member.organisation),
                    (tr.t("mandates.field.seat"), tr.t(f"seat.{mandate.seat.value}")),
                    (tr.t("mandates.field.starts"), day(tr, mandate.starts_on, zone)),
                    (tr.t("mandates.field.ends"), day(tr, mandate.ends_on, zone)),
                    (tr.t("mandates.field.renewals"), str(mandate.number)),
                    (tr.t("mandates.field.answer"), _answer_text(tr, mandate)),
                ]
            ),
        ],
        [
            execute(
                tr.t("mandates.renew_button"),
                DECIDE,
                DecidePayload(mandate=mandate.id, decision="renew"),
            ),
            execute(tr.t("mandates.replace_button"), REPLACE_FORM, MandateRef(mandate=mandate.id)),
            execute(
                tr.t("mandates.end_button"),
                DECIDE,
                DecidePayload(mandate=mandate.id, decision="end"),
            ),
        ],
    )


def replace_form(
    tr: Translator,
    member: Member,
    mandate: Mandate,
    zone: ZoneInfo,
    *,
    typed: ReplacePayload | None = None,
    errors: Sequence[str] = (),
) -> Card:
    data = typed or ReplacePayload(mandate=mandate.id)
    required = tr.t("confidentiality.error.empty_field")
    return card(
        [
            title(tr.t("mandates.replace_title", name=member.display_name)),
            paragraph(
                tr.t(
                    "mandates.replace_intro",
                    organisation=member.organisation,
                    day=day(tr, mandate.ends_on, zone),
                )
            ),
            *[error_line(text) for text in errors],
            text_input(
                "name",
                tr.t("mandates.field.name"),
                value=data.name,
                required=True,
                error=required,
                max_length=200,
            ),
            text_input(
                "email",
                tr.t("mandates.field.email"),
                value=data.email,
                required=True,
                error=required,
                max_length=320,
            ),
        ],
        [execute(tr.t("mandates.replace_save"), REPLACE, MandateRef(mandate=mandate.id))],
    )


def decided(
    tr: Translator,
    member: Member,
    mandate: Mandate,
    decision: Decision,
    zone: ZoneInfo,
    warnings: Sequence[Seats] = (),
    successor: Member | None = None,
) -> Card:
    after = mandate.ends_on
    if decision is Decision.RENEW:
        said = tr.t("mandates.renewed", name=member.display_name)
    elif decision is Decision.REPLACE and successor is not None:
        said = tr.t(
            "mandates.replaced",
            name=member.display_name,
            successor=successor.display_name,
            day=day(tr, successor.mandate_starts_on or after, zone),
        )
    else:
        said = tr.t("mandates.ending", name=member.display_name, day=day(tr, after, zone))
    body = [title(tr.t("mandates.decided_title")), paragraph(said, weight="Bolder")]
    body += [paragraph(warning_text(tr, seats)) for seats in warnings]
    return card(body, [execute(tr.t("mandates.table_button"), TABLE, NoData())])


def warning_text(tr: Translator, seats: Seats) -> str:
    key = "mandates.warning.below" if seats.below else "mandates.warning.above"
    return tr.t(
        key,
        category=tr.t(f"seat.{seats.category.value}"),
        count=tr.n("unit.seats_held", len(seats.holders)),
        low=seats.low,
        high=seats.high,
    )


def mandates_table(
    tr: Translator,
    rows: Sequence[tuple[Member, Mandate]],
    today: date,
    zone: ZoneInfo,
    asked_from: int = ASKED_FROM,
) -> Card:
    """`mandats`: the nearest end first, days left, the member's answer, where it stands."""
    return card(
        [
            title(tr.t("mandates.table_title")),
            table(
                [
                    tr.t("mandates.column.member"),
                    tr.t("mandates.column.ends"),
                    tr.t("mandates.column.answer"),
                    tr.t("mandates.column.status"),
                ],
                [
                    (
                        f"{member.display_name} ({tr.t(f'seat.{mandate.seat.value}')})",
                        f"{day(tr, mandate.ends_on, zone)} ({_left(tr, mandate, today)})",
                        _answer_text(tr, mandate, today, asked_from),
                        tr.t(f"mandates.status.{mandate.status.value}"),
                    )
                    for member, mandate in rows
                ],
                [3, 3, 2, 2],
            ),
        ],
        [execute(tr.t("confidentiality.export_button"), EXPORT, NoData())],
    )


def _left(tr: Translator, mandate: Mandate, today: date) -> str:
    return tr.n("mandates.days_left", mandate.days_left(today))


def composition_card(
    tr: Translator, seats: Sequence[Seats], ending: Sequence[tuple[Member, Mandate]], zone: ZoneInfo
) -> Card:
    body: list[dict[str, Any]] = [title(tr.t("mandates.composition_title"))]
    for group in seats:
        names = ", ".join(m.display_name for m in group.holders) or "—"
        body.append(
            paragraph(
                tr.t(
                    "mandates.composition_line",
                    category=tr.t(f"seat.{group.category.value}"),
                    count=tr.n("unit.seats_held", len(group.holders)),
                    low=group.low,
                    high=group.high,
                    vacancies=tr.n("unit.vacancies", group.vacancies),
                ),
                weight="Bolder",
            )
        )
        body.append(paragraph(names, isSubtle=True))
        if group.below or group.above:
            body.append(paragraph(warning_text(tr, group)))
    body.append(paragraph(tr.t("mandates.ending_soon"), weight="Bolder", separator=True))
    if not ending:
        body.append(paragraph(tr.t("mandates.none_ending")))
    for member, mandate in ending:
        body.append(paragraph(f"{member.display_name} — {day(tr, mandate.ends_on, zone)}"))
    return card(body, [execute(tr.t("mandates.table_button"), TABLE, NoData())])


def my_mandate(
    tr: Translator,
    mandates: Sequence[Mandate],
    today: date,
    zone: ZoneInfo,
    asked_from: int = ASKED_FROM,
) -> Card:
    if not mandates:
        return card([title(tr.t("mandates.mine_title")), paragraph(tr.t("mandates.none_recorded"))])
    current = mandates[-1]
    body = [
        title(tr.t("mandates.mine_title")),
        facts(
            [
                (tr.t("mandates.field.seat"), tr.t(f"seat.{current.seat.value}")),
                (tr.t("mandates.field.starts"), day(tr, current.starts_on, zone)),
                (
                    tr.t("mandates.field.ends"),
                    f"{day(tr, current.ends_on, zone)} ({_left(tr, current, today)})",
                ),
                (tr.t("mandates.field.renewals"), str(current.number)),
                (tr.t("mandates.column.status"), tr.t(f"mandates.status.{current.status.value}")),
                (tr.t("mandates.field.answer"), _answer_text(tr, current, today, asked_from)),
            ]
        ),
    ]
    if len(mandates) > 1:
        earlier = "; ".join(
            f"{day(tr, m.starts_on, zone)} – {day(tr, m.ends_on, zone)}" for m in mandates[:-1]
        )
        body.append(paragraph(tr.t("mandates.earlier", mandates=earlier), isSubtle=True))
    return card(body)


def ended_notice(tr: Translator, member: Member, mandate: Mandate, zone: ZoneInfo) -> Card:
    return card(
        [
            title(tr.t("mandates.ended_title")),
            paragraph(
                tr.t(
                    "mandates.ended_text",
                    name=member.display_name,
                    organisation=member.organisation,
                    day=day(tr, mandate.ends_on, zone),
                )
            ),
        ],
        [execute(tr.t("mandates.composition_button"), TABLE, NoData())],
    )
