"""Who sits on the committee, in which seat, with which role, and for which mandate."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import TypeVar

_E = TypeVar("_E", bound=StrEnum)


class SeatCategory(StrEnum):
    """The three kinds of seat the committee's terms of reference define."""

    CIVIL_SOCIETY = "societe_civile"
    TREASURY_SECRETARIAT = "secretariat_conseil_tresor"
    PUBLIC_BODY = "ministere_organisme_public"


class Role(StrEnum):
    MEMBER = "member"
    SECRETARIAT = "secretariat"


@dataclass(frozen=True)
class Member:
    email: str
    display_name: str
    organisation: str
    seat: SeatCategory
    role: Role
    active: bool = True
    aad_object_id: str | None = None
    mandate_starts_on: date | None = None
    mandate_ends_on: date | None = None
    id: int | None = None
    teams_user_id: str | None = None
    preferred_locale: str | None = None

    @property
    def is_secretariat(self) -> bool:
        return self.role is Role.SECRETARIAT

    def is_serving(self, today: date) -> bool:
        """Active, and inside the mandate when one is recorded."""
        if not self.active:
            return False
        if self.mandate_starts_on is not None and today < self.mandate_starts_on:
            return False
        return self.mandate_ends_on is None or today <= self.mandate_ends_on

    def with_teams_identity(self, aad_object_id: str, teams_user_id: str | None) -> Member:
        return replace(self, aad_object_id=aad_object_id, teams_user_id=teams_user_id)


# Columns of the roster CSV, in the order the template shows them.
ROSTER_COLUMNS = (
    "email",
    "display_name",
    "organisation",
    "seat",
    "role",
    "active",
    "aad_object_id",
    "mandate_starts_on",
    "mandate_ends_on",
)
REQUIRED_COLUMNS = ("email", "display_name", "organisation", "seat", "role")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What the registry stores, the same on SQLite and PostgreSQL (which would refuse longer).
MAX_LENGTHS = {"email": 320, "display_name": 200, "organisation": 300}
# Control characters (NUL included) have no place in a name, an address or an organisation.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TRUE = {"oui", "yes", "true", "1", "vrai", "actif", "active"}
_FALSE = {"non", "no", "false", "0", "faux", "inactif", "inactive"}


@dataclass(frozen=True)
class RosterProblem:
    """A bad row: its line in the file, a message key and what to fill it with."""

    line: int
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterParse:
    members: list[Member]
    problems: list[RosterProblem]
    # Each member with the line it came from, to name the line of a later problem.
    lines: list[tuple[int, Member]] = field(default_factory=list)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def parse_roster(
    header: Iterable[str] | None, rows: Iterable[tuple[int, Mapping[str, str | None]]]
) -> RosterParse:
    """Check every row of a roster; the caller writes nothing unless `problems` is empty."""
    problems: list[RosterProblem] = []
    columns = [name.strip() for name in (header or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        return RosterParse(
            [], [RosterProblem(1, "roster.missing_columns", {"columns": ", ".join(missing)})]
        )
    members: list[Member] = []
    lines: list[tuple[int, Member]] = []
    seen: dict[str, int] = {}
    seen_aad: dict[str, int] = {}
    for line, raw in rows:
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        if not any(row.values()):
            continue
        before = len(problems)
        member = _parse_row(line, row, problems)
        if member is None or len(problems) > before:
            continue
        if member.email in seen:
            problems.append(
                RosterProblem(
                    line,
                    "roster.duplicate_email",
                    {"email": member.email, "first": str(seen[member.email])},
                )
            )
            continue
        if member.aad_object_id and member.aad_object_id in seen_aad:
            problems.append(
                RosterProblem(
                    line,
                    "roster.duplicate_aad",
                    {"value": member.aad_object_id, "first": str(seen_aad[member.aad_object_id])},
                )
            )
            continue
        seen[member.email] = line
        if member.aad_object_id:
            seen_aad[member.aad_object_id] = line
        members.append(member)
        lines.append((line, member))
    return RosterParse(members, problems, lines)


def _parse_row(line: int, row: dict[str, str], problems: list[RosterProblem]) -> Member | None:
    for name in REQUIRED_COLUMNS:
        if not row.get(name):
            problems.append(RosterProblem(line, "roster.empty_field", {"column": name}))
    for column, value in row.items():
        if _CONTROL.search(value):
            problems.append(RosterProblem(line, "roster.control_character", {"column": column}))
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            limit = str(MAX_LENGTHS[column])
            problems.append(
                RosterProblem(line, "roster.too_long", {"column": column, "limit": limit})
            )
    if any(p.line == line for p in problems):
        return None
    email = normalise_email(row["email"])
    if not _EMAIL.match(email):
        problems.append(RosterProblem(line, "roster.bad_email", {"value": row["email"]}))
    seat = _choice(SeatCategory, row["seat"])
    if seat is None:
        problems.append(
            RosterProblem(
                line,
                "roster.bad_seat",
                {"value": row["seat"], "allowed": ", ".join(s.value for s in SeatCategory)},
            )
        )
    role = _choice(Role, row["role"])
    if role is None:
        problems.append(
            RosterProblem(
                line,
                "roster.bad_role",
                {"value": row["role"], "allowed": ", ".join(r.value for r in Role)},
            )
        )
    active_text = row.get("active", "").lower()
    active = True
    if active_text in _FALSE:
        active = False
    elif active_text and active_text not in _TRUE:
        problems.append(RosterProblem(line, "roster.bad_active", {"value": row["active"]}))
    aad = row.get("aad_object_id") or None
    if aad is not None and not _GUID.match(aad):
        problems.append(RosterProblem(line, "roster.bad_aad", {"value": aad}))
    starts = _date(line, row, "mandate_starts_on", problems)
    ends = _date(line, row, "mandate_ends_on", problems)
    if starts and ends and ends < starts:
        problems.append(RosterProblem(line, "roster.mandate_order", {}))
    if seat is None or role is None or any(p.line == line for p in problems):
        return None
    return Member(
        email=email,
        display_name=row["display_name"],
        organisation=row["organisation"],
        seat=seat,
        role=role,
        active=active,
        aad_object_id=aad.lower() if aad else None,
        mandate_starts_on=starts,
        mandate_ends_on=ends,
    )


def _choice(kind: type[_E], text: str) -> _E | None:
    wanted = text.strip().lower()
    for option in kind:
        if option.value == wanted:
            return option
    return None


def _date(
    line: int, row: dict[str, str], column: str, problems: list[RosterProblem]
) -> date | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(RosterProblem(line, "roster.bad_date", {"column": column, "value": text}))
        return None
