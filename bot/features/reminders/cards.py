"""Cards of what the bot sends on its own: `rappels` and who cannot be reached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict

from bot.domain.members import Member
from bot.locale import Translator, format_day, format_moment
from bot.services.outbox import ToDo
from bot.services.reachability import Unreachable
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, NoData, Payload, card, execute, paragraph, title

RETRY = "outbox.retry"
OVERVIEW = "outbox.overview"
# The features whose messages the secretariat can follow, by the prefix of their kind.
FEATURES = ("confidentiality", "meetings", "polls", "declarations", "mandates", "reach")


class MessageRef(Payload):
    message: int


def _what(tr: Translator, message: OutboxMessage, names: Mapping[int, str]) -> str:
    feature = message.kind.split(".", 1)[0]
    what = tr.t(f"outbox.feature.{feature}") if feature in FEATURES else message.kind
    who = names.get(message.member_id or 0, tr.t("outbox.channel_or_calendar"))
    return f"{what} — {who}"


def overview(
    tr: Translator,
    waiting: Sequence[OutboxMessage],
    failing: Sequence[OutboxMessage],
    sent: Sequence[OutboxMessage],
    unreachable: Sequence[Unreachable],
    names: Mapping[int, str],
    zone: ZoneInfo,
) -> Card:
    """`rappels`: what will go, what does not go (and why, with « Réessayer »), what went."""
    body: list[dict[str, Any]] = [title(tr.t("outbox.title"))]
    body.append(paragraph(tr.t("outbox.failing"), weight="Bolder"))
    if not failing:
        body.append(paragraph(tr.t("outbox.none")))
    for message in failing:
        tries = tr.n("outbox.attempts", message.attempts)
        body.append(paragraph(f"{_what(tr, message, names)} ({tries})"))
        body.append(
            paragraph(tr.t("outbox.next_try", when=_when(tr, message.due_at, zone)), isSubtle=True)
        )
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute(tr.t("outbox.retry_button"), RETRY, MessageRef(message=message.id))
                ],
            }
        )
    if unreachable:
        body.append(paragraph(tr.t("outbox.unreachable"), weight="Bolder", separator=True))
        body += [paragraph(unreachable_line(tr, u, zone)) for u in unreachable]
    body.append(paragraph(tr.t("outbox.waiting"), weight="Bolder", separator=True))
    if not waiting:
        body.append(paragraph(tr.t("outbox.none")))
    body += [paragraph(f"{_when(tr, m.due_at, zone)} — {_what(tr, m, names)}") for m in waiting]
    body.append(paragraph(tr.t("outbox.sent"), weight="Bolder", separator=True))
    if not sent:
        body.append(paragraph(tr.t("outbox.none")))
    body += [
        paragraph(f"{_when(tr, m.sent_at or m.due_at, zone)} — {_what(tr, m, names)}") for m in sent
    ]
    return card(body, [execute(tr.t("meetings.refresh_button"), OVERVIEW, NoData())])


def _when(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    return format_moment(tr, moment, zone)


def unreachable_line(tr: Translator, found: Unreachable, zone: ZoneInfo) -> str:
    return tr.t(
        f"outbox.reason.{found.reason}",
        name=found.member.display_name,
        since=_when(tr, found.since, zone),
        waiting=tr.n("outbox.waiting_n", found.waiting),
    )


def unreachable_notice(tr: Translator, found: Sequence[Unreachable], zone: ZoneInfo) -> Card:
    """To the secretariat, once per spell: who Teams cannot reach, and what is waiting."""
    return card(
        [
            title(tr.t("outbox.unreachable_title")),
            *[paragraph(unreachable_line(tr, u, zone)) for u in found],
            paragraph(tr.t("outbox.unreachable_hint"), isSubtle=True),
        ],
        [execute(tr.t("outbox.overview_button"), OVERVIEW, NoData())],
    )


def newcomer(tr: Translator, member: Member, lines: Sequence[ToDo], zone: ZoneInfo) -> Card:
    """What waited for someone the bot could not reach, on one card, in order: each line with
    the button that opens it (the commitment, the declaration, the next meeting, what is
    open to answer)."""
    body: list[dict[str, Any]] = [
        title(tr.t("welcome.todo_title")),
        paragraph(tr.t("welcome.todo_intro", name=member.display_name)),
    ]
    for n, line in enumerate(lines, start=1):
        values = dict(line.values)
        if line.when:
            values["when"] = format_moment(tr, datetime.fromisoformat(line.when), zone)
        if line.day:
            noon = datetime.combine(date.fromisoformat(line.day), time(12), tzinfo=zone)
            values["day"] = format_day(tr, noon, zone)
        body.append(paragraph(f"{n}. {tr.t(line.text, **values)}", separator=True))
        body.append(
            {
                "type": "ActionSet",
                "actions": [execute(tr.t(line.button), line.verb, _Data(**line.data))],
            }
        )
    return card(body)


class _Data(Payload):
    """A to-do's button data, as its feature gave it (the feature's own payload checks it)."""

    model_config = ConfigDict(extra="allow", frozen=True)
