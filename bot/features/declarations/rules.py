"""Conflict-of-interest declarations: what a member declares, when one is due, who has a
conflict on an agenda item, and how long declarations are kept. No I/O here.

Every submission is a new version, never an edit: the general declaration (the interests a
member holds) and, per meeting, the answer for each agenda item. After a meeting starts an
answer is an amendment: added with its date, the original kept. Items are known by their
title, so a changed agenda asks again for the new items only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

MAX_DESCRIPTION = 2000
MAX_ORGANISATION = 300
MAX_INTERESTS = 10
# A general declaration is made again at least this often (configurable).
DEFAULT_RENEWAL = timedelta(days=365)


class InterestKind(StrEnum):
    EMPLOYMENT = "employment"  # emploi ou fonction
    BOARD = "board"  # conseil d'administration ou mandat
    CONTRACT = "contract"
    GRANT = "grant"  # subvention ou financement d'un organisme public québécois
    FAMILY = "family"  # famille ou proche
    OTHER = "other"


@dataclass(frozen=True)
class Interest:
    kind: InterestKind
    organisation: str
    description: str
    since: date | None = None


@dataclass(frozen=True)
class GeneralDeclaration:
    member_id: int
    version: int
    interests: Sequence[Interest]
    declared_at: datetime
    sha256: str


class Conflict(StrEnum):
    NONE = "none"
    DIRECT = "direct"
    INDIRECT = "indirect"


@dataclass(frozen=True)
class ItemAnswer:
    item: str  # the agenda item's title, as it was when answered
    conflict: Conflict
    description: str = ""


@dataclass(frozen=True)
class MeetingDeclaration:
    member_id: int
    meeting_id: int
    version: int
    answers: Sequence[ItemAnswer]
    declared_at: datetime
    after_start: bool  # an amendment: added after the meeting started, never replacing
    sha256: str


class Measure(StrEnum):
    """What follows a declared conflict on an item (the secretariat decides)."""

    DISCUSSION = "discussion"  # withdraws from the discussion (and so the decision)
    DECISION = "decision"  # takes part in the discussion, withdraws from the decision
    NONE = "none"


@dataclass(frozen=True)
class Problem:
    """A field to fix: which entry (1-based, 0 for the whole card) and the catalogue key."""

    entry: int
    message: str


def interest_problems(interests: Sequence[Interest], nothing: bool) -> list[Problem]:
    found: list[Problem] = []
    if nothing and interests:
        found.append(Problem(0, "declarations.error.nothing_and_interests"))
    if not nothing and not interests:
        found.append(Problem(0, "declarations.error.empty"))
    if len(interests) > MAX_INTERESTS:
        found.append(Problem(0, "declarations.error.too_many"))
    for n, interest in enumerate(interests, start=1):
        if not interest.organisation.strip():
            found.append(Problem(n, "declarations.error.organisation"))
        elif len(interest.organisation) > MAX_ORGANISATION:
            found.append(Problem(n, "declarations.error.organisation_long"))
        if not interest.description.strip():
            found.append(Problem(n, "declarations.error.description"))
        elif len(interest.description) > MAX_DESCRIPTION:
            found.append(Problem(n, "declarations.error.description_long"))
    return found


def answer_problems(answers: Sequence[ItemAnswer], items: Sequence[str]) -> list[Problem]:
    """An answer per item asked; a description, 2,000 characters at most, for a conflict."""
    found: list[Problem] = []
    answered = {answer.item for answer in answers}
    if set(items) - answered:
        found.append(Problem(0, "declarations.error.unanswered"))
    for n, answer in enumerate(answers, start=1):
        if answer.conflict is not Conflict.NONE and not answer.description.strip():
            found.append(Problem(n, "declarations.error.conflict_description"))
        elif len(answer.description) > MAX_DESCRIPTION:
            found.append(Problem(n, "declarations.error.description_long"))
    return found


def fingerprint(value: object) -> str:
    """Of what was declared, for the audit chain, which never holds the text itself."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def interests_fingerprint(interests: Sequence[Interest]) -> str:
    return fingerprint([asdict(i) for i in interests])


def answers_fingerprint(answers: Sequence[ItemAnswer]) -> str:
    return fingerprint([asdict(a) for a in answers])


class GeneralStatus(StrEnum):
    UP_TO_DATE = "up_to_date"
    DUE = "due"
    NEVER = "never"


def general_status(
    latest: datetime | None,
    mandate_starts_on: date | None,
    today: date,
    renewal: timedelta = DEFAULT_RENEWAL,
) -> GeneralStatus:
    """Due on joining (never made), on each new mandate, and once a year."""
    if latest is None:
        return GeneralStatus.NEVER
    made = latest.date()
    if mandate_starts_on is not None and made < mandate_starts_on:
        return GeneralStatus.DUE
    if today - made >= renewal:
        return GeneralStatus.DUE
    return GeneralStatus.UP_TO_DATE


def due_occasion(
    latest: datetime | None, mandate_starts_on: date | None, renewal: timedelta
) -> str:
    """What this due declaration is for, to plan its card and reminders once: joining,
    a mandate starting, or the yearly renewal after the last one."""
    if latest is None:
        return f"joining:{mandate_starts_on.isoformat() if mandate_starts_on else 'now'}"
    if mandate_starts_on is not None and latest.date() < mandate_starts_on:
        return f"mandate:{mandate_starts_on.isoformat()}"
    return f"yearly:{(latest.date() + renewal).isoformat()}"


def latest_answers(declarations: Iterable[MeetingDeclaration]) -> dict[str, ItemAnswer]:
    """Each item's answer as it stands: the latest version that answered it wins."""
    found: dict[str, ItemAnswer] = {}
    for declaration in sorted(declarations, key=lambda d: d.version):
        for answer in declaration.answers:
            found[answer.item] = answer
    return found


def items_to_ask(agenda: Sequence[str], declarations: Iterable[MeetingDeclaration]) -> list[str]:
    """The agenda items this member has not answered yet (all of them the first time)."""
    answered = latest_answers(declarations)
    return [item for item in agenda if item not in answered]


def conflicted_on(item: str, by_member: Mapping[int, Sequence[MeetingDeclaration]]) -> set[int]:
    """Who has a declared conflict (direct or indirect) on this agenda item: documents of
    the item are withheld from them, and their meeting card says so."""
    return {
        member_id
        for member_id, declarations in by_member.items()
        if (answer := latest_answers(declarations).get(item)) is not None
        and answer.conflict is not Conflict.NONE
    }


def purge_due(last_mandate_end: date | None, today: date, keep_years: int) -> bool:
    """Law 25, s. 73: kept for `keep_years` after the member's last mandate ended."""
    if last_mandate_end is None:
        return False
    try:
        until = last_mandate_end.replace(year=last_mandate_end.year + keep_years)
    except ValueError:  # 29 February
        until = last_mandate_end.replace(year=last_mandate_end.year + keep_years, day=28)
    return today > until
