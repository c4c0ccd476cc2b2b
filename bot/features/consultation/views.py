"""What the consultation's use cases answer: outcomes and the views the cards are built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.consultation.rules import (
    Comment,
    Item,
    Proposal,
    Response,
    Round,
)


@dataclass(frozen=True)
class OpenOutcome:
    round: Round | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class CommentOutcome:
    """recorded, unchanged, or refused (the catalogue key says why)."""

    kind: str
    comment: Comment | None = None
    refusal: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # The member's first comment ever: they are asked whether they may be named.
    ask_naming: bool = False


@dataclass(frozen=True)
class ItemView:
    """One item as the secretariat reads it: each commenter's comment in force, how many
    versions it had, and the response in force."""

    item: Item
    rows: list[tuple[Member, Comment, int, Response | None]]


@dataclass(frozen=True)
class MemberView:
    round: Round
    mine: dict[str, Comment]
    responses: dict[str, Response]
    open: bool


@dataclass(frozen=True)
class ConsultationWork:
    member: Member
    round: Round | None = None
    view: MemberView | None = None
    response: Response | None = None
    comment: Comment | None = None
    proposal: Proposal | None = None
    author: Member | None = None
