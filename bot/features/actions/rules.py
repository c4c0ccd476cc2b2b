"""Action items' rules: statuses, what makes an item valid, when its owner is reminded, what
is late. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.members import Member
from bot.domain.problems import Problem

WHAT_MAX = 500
NOTE_MAX = 1000
# The owner is reminded a week before the due date, and on the day (ACTION_REMINDER_DAYS).
DEFAULT_REMINDER_DAYS = (7, 0)


class ActionStatus(StrEnum):
    TODO = "a_faire"
    IN_PROGRESS = "en_cours"
    DONE = "termine"
    BLOCKED = "bloque"


# What an owner may say from the card (an item starts « à faire »).
OWNER_STATUSES = (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.BLOCKED)


@dataclass(frozen=True)
class ActionItem:
    id: int
    what: str
    # The member who owns it; None when it is an organisation outside the registry, whose
    # contact the bot cannot write to (the secretariat is reminded and keeps it up to date).
    owner_id: int | None
    # The organisation the owner acts for (the owner's own, unless the secretariat said).
    organisation: str
    due_on: date
    meeting_id: int | None
    status: ActionStatus
    note: str
    # Every change adds one: a card carries the version it showed, so an older card's press
    # never undoes a newer answer.
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime | None = None
    # The decision of its meeting it carries out (its number there, from 1), if one.
    decision: int | None = None
    # An organisation owner's contact (an e-mail address), for the secretariat to write to.
    contact: str = ""

    @property
    def is_open(self) -> bool:
        return self.status is not ActionStatus.DONE

    def is_late(self, today: date) -> bool:
        return self.is_open and self.due_on < today

    def may_be_updated_by(self, member_id: int | None, secretariat: bool) -> bool:
        """Its owner; for an organisation outside the registry, the secretariat."""
        return self.owner_id == member_id if self.owner_id is not None else secretariat


def owner_label(item: ActionItem, owner: Member | None) -> str:
    """Who answers for it: the member, or the organisation outside the registry with its
    contact."""
    if owner is not None:
        return owner.display_name
    return f"{item.organisation} ({item.contact})" if item.contact else item.organisation or "—"


def problems(what: str, due_on: date | None, today: date) -> list[Problem]:
    """What prevents recording this item, field by field."""
    found: list[Problem] = []
    if not what.strip():
        found.append(Problem("what", "actions.error.what"))
    elif len(what) > WHAT_MAX:
        found.append(Problem("what", "actions.error.what_long"))
    if due_on is None:
        found.append(Problem("due", "actions.error.due"))
    elif due_on < today:
        found.append(Problem("due", "actions.error.due_past"))
    return found


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def organisation_problems(organisation: str, contact: str) -> list[Problem]:
    """An owner outside the registry: an organisation, and its contact's e-mail address."""
    found: list[Problem] = []
    if not organisation.strip() or len(organisation) > 300:
        found.append(Problem("organisation", "actions.error.organisation"))
    if not _EMAIL.match(contact.strip()):
        found.append(Problem("contact", "actions.error.contact"))
    return found


def update_problems(status: str, note: str) -> list[Problem]:
    """A blocked item says why (the secretariat can only help with what it is told)."""
    if status not in {s.value for s in OWNER_STATUSES}:
        return [Problem("status", "actions.error.status")]
    if len(note) > NOTE_MAX:
        return [Problem("note", "actions.error.note_long")]
    if status == ActionStatus.BLOCKED.value and not note.strip():
        return [Problem("note", "actions.error.blocked_note")]
    return []


def reminders_to_plan(due_on: date, today: date, days: Iterable[int]) -> list[tuple[int, date]]:
    """(days before, the day) of each reminder not yet past; a reminder whose day is past is
    not sent late (the day's own reminder, or the overdue list, says it)."""
    return sorted(
        ((d, due_on - timedelta(days=d)) for d in set(days) if due_on - timedelta(days=d) >= today),
        reverse=True,
    )


def by_urgency(items: Sequence[ActionItem], today: date) -> list[ActionItem]:
    """Late first (the oldest due first), then by due date."""
    return sorted(items, key=lambda i: (not i.is_late(today), i.due_on, i.id))


@dataclass(frozen=True)
class Digest:
    """Since the last meeting: what was done, what is late, what is still open."""

    done: list[ActionItem]
    late: list[ActionItem]
    coming: list[ActionItem]


def digest(items: Iterable[ActionItem], since: datetime | None, today: date) -> Digest:
    done, late, coming = [], [], []
    for item in items:
        if item.status is ActionStatus.DONE:
            if since is None or (item.updated_at is not None and item.updated_at >= since):
                done.append(item)
        elif item.is_late(today):
            late.append(item)
        else:
            coming.append(item)
    return Digest(done, by_urgency(late, today), by_urgency(coming, today))
