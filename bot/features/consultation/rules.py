"""Action-plan consultations: rounds of comments on proposed commitments, the secretariat's
reasoned responses, and members' proposals. No I/O here.

The rules:

- a round has a title, a phase, a deadline (comments accepted until the end of that day,
  committee time) and numbered items; only serving members who are not the secretariat
  comment, the secretariat answers;
- a comment is an opinion and a text (required except *sans avis*, 4,000 characters at
  most); editing it adds a version, every version is kept;
- after the deadline comments are read-only, until the secretariat reopens the round with a
  new deadline;
- a response answers one or several commenters of one item: *retenu*, *retenu en partie* or
  *non retenu*, always with its reason;
- a member is named in the public report only if they agreed to be (asked once, on their
  first comment); otherwise *Membre de la société civile* (or of a ministry).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.problems import Problem

TITLE_MAX = 200
ITEM_TITLE_MAX = 300
ITEM_TEXT_MAX = 4000
COMMENT_MAX = 4000
REASON_MAX = 4000
PROPOSAL_TEXT_MAX = 4000
ITEMS_MAX = 60
NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,11}$")


class Phase(StrEnum):
    ELABORATION = "elaboration"
    IMPLEMENTATION = "mise_en_oeuvre"
    EVALUATION = "evaluation"


class Opinion(StrEnum):
    SUPPORT = "appui"
    RESERVATIONS = "appui_reserves"
    DISAGREE = "desaccord"
    NO_OPINION = "sans_avis"


class Verdict(StrEnum):
    RETAINED = "retenu"
    PARTLY = "retenu_en_partie"
    NOT_RETAINED = "non_retenu"


class ProposalKind(StrEnum):
    AREA = "domaine"
    COMMITMENT = "engagement"
    SOLUTION = "solution"


@dataclass(frozen=True)
class Item:
    number: str
    title: str
    text: str = ""
    link: str | None = None


@dataclass(frozen=True)
class Round:
    id: int
    title: str
    phase: Phase
    deadline: date
    items: Sequence[Item]
    opened_by: str
    opened_at: datetime
    meeting_id: int | None = None
    reopened: int = 0

    def closes_at(self, zone: ZoneInfo) -> datetime:
        """The end of the deadline's day, committee time."""
        return datetime.combine(self.deadline + timedelta(days=1), time(0), zone)

    def is_open(self, now: datetime, zone: ZoneInfo) -> bool:
        return now < self.closes_at(zone)

    def item(self, number: str) -> Item | None:
        return next((i for i in self.items if i.number == number), None)


@dataclass(frozen=True)
class Comment:
    id: int
    round_id: int
    item: str
    member_id: int
    version: int
    opinion: Opinion
    text: str
    conflicted: bool
    at: datetime


@dataclass(frozen=True)
class Response:
    id: int
    round_id: int
    item: str
    member_ids: frozenset[int]
    verdict: Verdict
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Proposal:
    id: int
    member_id: int
    kind: ProposalKind
    title: str
    description: str
    why: str
    at: datetime


def round_problems(
    title: str, deadline: date | None, items: Sequence[Item], today: date
) -> list[Problem]:
    found = []
    if not title.strip():
        found.append(Problem("title", "consultation.error.title"))
    elif len(title) > TITLE_MAX:
        found.append(Problem("title", "consultation.error.title_long"))
    if deadline is None:
        found.append(Problem("deadline", "consultation.error.deadline"))
    elif deadline < today:
        found.append(Problem("deadline", "consultation.error.deadline_past"))
    found += item_problems(items)
    return found


def item_problems(items: Sequence[Item]) -> list[Problem]:
    if not items:
        return [Problem("items", "consultation.error.no_items")]
    if len(items) > ITEMS_MAX:
        return [Problem("items", "consultation.error.too_many_items")]
    numbers = [i.number for i in items]
    if len(set(numbers)) != len(numbers):
        return [Problem("items", "consultation.error.duplicate_number")]
    for item in items:
        if not NUMBER.match(item.number):
            return [Problem("items", "consultation.error.number")]
        if not item.title.strip() or len(item.title) > ITEM_TITLE_MAX:
            return [Problem("items", "consultation.error.item_title")]
        if len(item.text) > ITEM_TEXT_MAX:
            return [Problem("items", "consultation.error.item_text")]
        if item.link and not item.link.startswith("https://"):
            return [Problem("items", "consultation.error.link")]
    return []


def comment_problems(opinion: Opinion, text: str) -> list[Problem]:
    if len(text) > COMMENT_MAX:
        return [Problem("text", "consultation.error.comment_long")]
    if opinion is not Opinion.NO_OPINION and not text.strip():
        return [Problem("text", "consultation.error.comment_required")]
    return []


def response_problems(
    verdict: Verdict | None, reason: str, members: Sequence[int]
) -> list[Problem]:
    found = []
    if not members:
        found.append(Problem("members", "consultation.error.no_commenters"))
    if verdict is None:
        found.append(Problem("verdict", "consultation.error.verdict"))
    if not reason.strip():
        found.append(Problem("reason", "consultation.error.reason"))
    elif len(reason) > REASON_MAX:
        found.append(Problem("reason", "consultation.error.reason_long"))
    return found


def proposal_problems(title: str, description: str, why: str) -> list[Problem]:
    found = []
    if not title.strip() or len(title) > TITLE_MAX:
        found.append(Problem("title", "consultation.error.proposal_title"))
    if not description.strip() or len(description) > PROPOSAL_TEXT_MAX:
        found.append(Problem("description", "consultation.error.proposal_description"))
    if len(why) > PROPOSAL_TEXT_MAX:
        found.append(Problem("why", "consultation.error.proposal_why"))
    return found


def latest(comments: Sequence[Comment]) -> dict[tuple[str, int], Comment]:
    """Each member's comment in force on each item: the latest version."""
    found: dict[tuple[str, int], Comment] = {}
    for comment in sorted(comments, key=lambda c: c.version):
        found[(comment.item, comment.member_id)] = comment
    return found


def answered(responses: Sequence[Response]) -> dict[tuple[str, int], Response]:
    """The response in force for each member's comment on each item: the latest."""
    found: dict[tuple[str, int], Response] = {}
    for response in sorted(responses, key=lambda r: r.id):
        for member_id in response.member_ids:
            found[(response.item, member_id)] = response
    return found


# --- reading a round's items from a file or a card ------------------------------------------

_HEADING = re.compile(
    r"^#{1,6}\s*(?:(?:engagement|commitment)\s+)?([0-9][0-9A-Za-z.\-]*)[.)]?\s+(.+)$", re.I
)
_LINE = re.compile(r"^([0-9]+(?:\.[0-9]+)*)[.)]\s+(.+)$")
# « Lien : … » takes whatever follows, so that a malformed address (« donnees.quebec.ca/x »)
# is refused with the field named, never silently kept as the item's text.
_LINK = re.compile(r"^(?:lien|link|document)\s*:\s*(\S+)\s*$", re.I)


def parse_items(text: str) -> list[Item]:
    """Items from Markdown (`## 1. Titre` headings, then the text, and `Lien : https://…`) or
    from plain lines (`1. Titre` then the text below), the format the card's field takes."""
    if text.lstrip().startswith(("numero", "numéro", "number", "\ufeffnumero", "\ufeffnuméro")):
        return parse_csv_items(text)
    items: list[Item] = []
    number = title = None
    body: list[str] = []
    link: str | None = None

    def close() -> None:
        if number is not None and title is not None:
            items.append(Item(number, title.strip(), "\n".join(body).strip(), link))

    for raw in text.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line) or _LINE.match(line)
        if heading:
            close()
            number, title = heading.group(1).rstrip("."), heading.group(2)
            body, link = [], None
            continue
        found_link = _LINK.match(line)
        if found_link and number is not None:
            link = found_link.group(1)
            continue
        if line.startswith("#") or number is None:
            continue  # the document's own title, or text before the first item
        body.append(line)
    close()
    return items


def parse_csv_items(text: str) -> list[Item]:
    """Items from a CSV with a header: numero (or number), titre (title), texte (text),
    lien (link); commas or semicolons."""
    text = text.lstrip("\ufeff")
    dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = csv.DictReader(io.StringIO(text), delimiter=dialect)

    def cell(row: dict[str, str], *names: str) -> str:
        for name in names:
            if row.get(name):
                return row[name].strip()
        return ""

    return [
        Item(
            cell(row, "numero", "numéro", "number"),
            cell(row, "titre", "title"),
            cell(row, "texte", "text"),
            cell(row, "lien", "link") or None,
        )
        for row in rows
    ]


def items_as_text(items: Sequence[Item]) -> str:
    """The items as the card's field shows them (and `parse_items` reads them back)."""
    blocks = []
    for item in items:
        lines = [f"{item.number}. {item.title}"]
        if item.text:
            lines.append(item.text)
        if item.link:
            lines.append(f"Lien : {item.link}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
