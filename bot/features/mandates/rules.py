"""Mandates: renewable two-year terms, their reminders, the secretariat's decisions and the
committee's composition. No I/O here.

A member's mandates are a history. The one in force is mirrored on the member (its start and
end), which is what "serving" and "a new mandate asks again" read everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.members import Member, SeatCategory

DEFAULT_YEARS = 2
DEFAULT_REMINDER_DAYS = (90, 30, 7)
# The committee's terms of reference: 6 to 8 civil-society organisations, 2 staff of the
# Secrétariat du Conseil du trésor, 2 members of other ministries or public bodies.
DEFAULT_BOUNDS: Mapping[SeatCategory, tuple[int, int]] = {
    SeatCategory.CIVIL_SOCIETY: (6, 8),
    SeatCategory.TREASURY_SECRETARIAT: (2, 2),
    SeatCategory.PUBLIC_BODY: (2, 2),
}


class MandateStatus(StrEnum):
    CURRENT = "current"
    RENEWED = "renewed"  # followed by the member's next mandate
    REPLACED = "replaced"  # ends on its date; another delegate takes the seat
    ENDING = "ending"  # the secretariat decided it ends on its date; the seat becomes vacant
    ENDED = "ended"  # its date passed


class Answer(StrEnum):
    """The member's own wish, asked with the reminders."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Decision(StrEnum):
    RENEW = "renew"
    REPLACE = "replace"
    END = "end"


@dataclass(frozen=True)
class Mandate:
    id: int
    member_id: int
    number: int  # 0 for the first, then one more at each renewal
    seat: SeatCategory
    starts_on: date
    ends_on: date
    status: MandateStatus
    answer: Answer | None = None
    answered_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def decided(self) -> bool:
        return self.status is not MandateStatus.CURRENT

    def days_left(self, today: date) -> int:
        return (self.ends_on - today).days


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def next_mandate_dates(current: Mandate, years: int = DEFAULT_YEARS) -> tuple[date, date]:
    """A renewal starts the day after the current one ends, for `years` years."""
    starts = current.ends_on + timedelta(days=1)
    return starts, add_years(starts, years) - timedelta(days=1)


def renewal_refusal(current: Mandate, max_renewals: int) -> str | None:
    """Why this mandate cannot be renewed (a catalogue key), or None. 0: no maximum."""
    if current.status is not MandateStatus.CURRENT:
        return "mandates.refused.decided"
    if max_renewals and current.number >= max_renewals:
        return "mandates.refused.max_renewals"
    return None


def reminders_to_plan(
    ends_on: date, today: date, days: Sequence[int] = DEFAULT_REMINDER_DAYS
) -> list[tuple[int, date]]:
    """(days before, the day to send) for each reminder still to come; of those already past,
    only the latest is sent, today: a mandate registered 20 days before its end gets one
    reminder now, not the 90- and 30-day ones together."""
    ahead = [(d, ends_on - timedelta(days=d)) for d in sorted(set(days), reverse=True)]
    if today > ends_on:
        return []
    coming = [(d, day) for d, day in ahead if day >= today]
    past = [(d, day) for d, day in ahead if day < today]
    if past:
        coming.insert(0, (past[-1][0], today))
    return coming


@dataclass(frozen=True)
class Seats:
    category: SeatCategory
    holders: list[Member]
    low: int
    high: int

    @property
    def vacancies(self) -> int:
        return max(self.high - len(self.holders), 0)

    @property
    def below(self) -> bool:
        return len(self.holders) < self.low

    @property
    def above(self) -> bool:
        return len(self.holders) > self.high


def composition(
    members: Iterable[Member],
    on: date,
    bounds: Mapping[SeatCategory, tuple[int, int]] = DEFAULT_BOUNDS,
) -> list[Seats]:
    """Who holds the seats of each category on a day, against the terms of reference."""
    serving = [m for m in members if m.is_serving(on)]
    return [
        Seats(
            category,
            sorted((m for m in serving if m.seat is category), key=lambda m: m.display_name),
            *bounds.get(category, (0, 99)),
        )
        for category in SeatCategory
    ]


def out_of_bounds(seats: Iterable[Seats]) -> list[Seats]:
    return [s for s in seats if s.below or s.above]


def parse_bounds(text: str) -> dict[SeatCategory, tuple[int, int]]:
    """`societe_civile=6-8,secretariat_conseil_tresor=2-2,…` (missing categories keep the
    defaults). Raises ValueError naming what it cannot read."""
    found = dict(DEFAULT_BOUNDS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, span = part.partition("=")
        low, _, high = span.partition("-")
        try:
            category = SeatCategory(name.strip())
            found[category] = (int(low), int(high or low))
        except ValueError as error:
            raise ValueError(f"cannot read {part!r}: category=low-high") from error
        if found[category][0] > found[category][1]:
            raise ValueError(f"{part!r}: the low bound is above the high one")
    return found
