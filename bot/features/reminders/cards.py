"""Cards of what the bot sends on its own: `rappels` and who cannot be reached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict

from bot.domain.members import Member
from bot.errors import held_for_reach
from bot.locale import Translator, format_day, format_moment
from bot.services.outbox import ToDo
from bot.services.reachability import Unreachable
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, NoData, Payload, card, execute, paragraph, title

RETRY = "outbox.retry"
OVERVIEW = "outbox.overview"
# The features whose messages the secretariat can follow, by the prefix of their kind
# ("outbox": the welcome that gathers what waited for a newcomer).
FEATURES = (
    "confidentiality", "meetings", "polls", "declarations", "mandates", "reach", "documents",
    "consultation", "minutes", "actions", "commitments", "outbox",
)  # fmt: skip


class MessageRef(Payload):
    message: int


def _what(tr: Translator, message: OutboxMessage, names: Mapping[int, str]) -> str:
    """The message's subject and the person it is about (an escalation is about the member
    who is late, not the secretariat member it goes to)."""
    feature = message.kind.split(".", 1)[0]
    what = tr.t(f"outbox.feature.{feature}") if feature in FEATURES else message.kind
    # Escalations name the member late (`about`), reachability notices the one unreachable.
    about = message.payload.get("about", message.payload.get("member"))
    if isinstance(about, int) and about in names:
        recipient = names.get(message.member_id or 0, "")
        return tr.t("outbox.about", what=what, who=names[about], recipient=recipient)
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
    now: datetime,
    *,
    retried: str | None = None,
) -> Card:
    """`rappels`: the counts first; what fails (with « Réessayer »), who is not reached yet;
    what will go and what went, on demand. `retried`: what « Réessayer » just did."""
    failed = [m for m in failing if not held_for_reach(m.last_error)]
    held = [m for m in failing if held_for_reach(m.last_error)]
    body: list[dict[str, Any]] = [title(tr.t("outbox.title"))]
    if retried:
        body.append(paragraph(retried, weight="Bolder"))
    counts = [
        tr.n("outbox.count.failing", len(failed)),
        tr.n("outbox.count.not_reached", len({m.member_id for m in held})),
        tr.n("outbox.count.waiting", len(waiting)),
    ]
    body.append(paragraph(" · ".join(counts)))
    if failed:
        body.append(paragraph(tr.t("outbox.failing"), weight="Bolder", separator=True))
    for message in failed:
        tries = tr.n("outbox.attempts", message.attempts)
        body.append(paragraph(f"{_what(tr, message, names)} ({tries})"))
        # Never a time already past: a due retry is for now.
        when = _when(tr, max(message.due_at, now), zone)
        body.append(paragraph(tr.t("outbox.next_try", when=when), isSubtle=True))
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute(tr.t("outbox.retry_button"), RETRY, MessageRef(message=message.id))
                ],
            }
        )
    if unreachable or held:
        body.append(paragraph(tr.t("outbox.unreachable"), weight="Bolder", separator=True))
        body += [paragraph(unreachable_line(tr, u, zone)) for u in unreachable]
        listed = {u.member.id for u in unreachable}
        for member_id in dict.fromkeys(m.member_id for m in held if m.member_id not in listed):
            count = sum(1 for m in held if m.member_id == member_id)
            who = names.get(member_id or 0, "")
            body.append(paragraph(tr.n("outbox.not_reached_line", count, name=who)))
    details = [paragraph(tr.t("outbox.waiting"), weight="Bolder")]
    details += [paragraph(f"{_when(tr, m.due_at, zone)} — {_what(tr, m, names)}") for m in waiting]
    if not waiting:
        details.append(paragraph(tr.t("outbox.none")))
    details.append(paragraph(tr.t("outbox.sent"), weight="Bolder", separator=True))
    details += [
        paragraph(f"{_when(tr, m.sent_at or m.due_at, zone)} — {_what(tr, m, names)}") for m in sent
    ]
    if not sent:
        details.append(paragraph(tr.t("outbox.none")))
    return card(
        body,
        [
            {"type": "Action.ShowCard", "title": tr.t("outbox.details"), "card": card(details)},
            execute(tr.t("meetings.refresh_button"), OVERVIEW, NoData()),
        ],
    )


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
