"""The minutes' rules: a review's states, what a draft, a correction and an adoption need.
No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.problems import Problem
from bot.features.meetings.rules import minutes_link_ok

CORRECTION_MAX = 2000
REASON_MAX = 1000


class ReviewStatus(StrEnum):
    # Members may propose corrections until the deadline.
    DRAFT = "projet"
    ADOPTED = "adopte"


class Verdict(StrEnum):
    TAKEN = "retenue"
    NOT_TAKEN = "non_retenue"


@dataclass(frozen=True)
class Review:
    """One submission of a meeting's minutes to the members, up to its adoption. A change to
    adopted minutes is a new review (the next revision), adopted in turn."""

    id: int
    meeting_id: int
    revision: int
    draft_url: str
    deadline: date
    status: ReviewStatus
    opened_by: str
    opened_at: datetime
    adopted_on: date | None = None
    final_url: str | None = None

    def takes_corrections(self, today: date) -> bool:
        return self.status is ReviewStatus.DRAFT and today <= self.deadline


@dataclass(frozen=True)
class Correction:
    id: int
    review_id: int
    member_id: int
    text: str
    at: datetime
    verdict: Verdict | None = None
    reason: str = ""


def draft_problems(url: str, deadline: date | None, today: date) -> list[Problem]:
    found: list[Problem] = []
    if not minutes_link_ok(url):
        found.append(Problem("url", "minutes.error.url"))
    if deadline is None:
        found.append(Problem("deadline", "minutes.error.deadline"))
    elif deadline < today:
        found.append(Problem("deadline", "minutes.error.deadline_past"))
    return found


def correction_problems(text: str) -> list[Problem]:
    if not text.strip():
        return [Problem("text", "minutes.error.correction_empty")]
    if len(text) > CORRECTION_MAX:
        return [Problem("text", "minutes.error.correction_long")]
    return []


def adoption_problems(
    adopted_on: date | None,
    final_url: str,
    today: date,
    corrections: Sequence[Correction],
    verdicts: Mapping[int, tuple[str, str]],
) -> list[Problem]:
    """The day (not in the future), the final link, and every correction decided: taken, or
    not taken with its reason (its author is told why)."""
    found: list[Problem] = []
    if adopted_on is None:
        found.append(Problem("adopted_on", "minutes.error.adopted_on"))
    elif adopted_on > today:
        found.append(Problem("adopted_on", "minutes.error.adopted_future"))
    if not minutes_link_ok(final_url):
        found.append(Problem("final_url", "minutes.error.url"))
    for correction in corrections:
        verdict, reason = verdicts.get(correction.id, ("", ""))
        field = f"verdict_{correction.id}"
        if verdict not in {v.value for v in Verdict}:
            found.append(Problem(field, "minutes.error.verdict"))
        elif verdict == Verdict.NOT_TAKEN.value and not reason.strip():
            found.append(Problem(f"reason_{correction.id}", "minutes.error.reason"))
        elif len(reason) > REASON_MAX:
            found.append(Problem(f"reason_{correction.id}", "minutes.error.reason_long"))
    return found
