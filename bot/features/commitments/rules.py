"""The commitments' rules: milestone statuses, the OGP completion level derived from them,
the plan file (Markdown or CSV), and what a progress report, a comment, an answer and an
override need. No I/O."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.problems import Problem
from bot.domain.text import iso_day
from bot.features.meetings.rules import minutes_link_ok

REPORT_MAX = 2000
COMMENT_MAX = 4000
REASON_MAX = 2000
TITLE_MAX = 300


class MilestoneStatus(StrEnum):
    NOT_STARTED = "non_commence"
    IN_PROGRESS = "en_cours"
    DONE = "termine"
    DELAYED = "retarde"


class Level(StrEnum):
    """The OGP's completion levels (Independent Reporting Mechanism)."""

    NOT_STARTED = "non_commence"
    LIMITED = "limite"
    SUBSTANTIAL = "substantiel"
    COMPLETE = "complete"


class CommentKind(StrEnum):
    COMMENT = "commentaire"
    SOLUTION = "solution"


class Verdict(StrEnum):
    """As the consultation answers: retained, partly, not retained — always with a reason."""

    RETAINED = "retenu"
    PARTLY = "retenu_en_partie"
    NOT_RETAINED = "non_retenu"


@dataclass(frozen=True)
class Milestone:
    id: int
    commitment_id: int
    position: int
    what: str
    planned_on: date
    status: MilestoneStatus = MilestoneStatus.NOT_STARTED
    # The day the status was true (done on, delayed as of…), the report and its evidence.
    status_on: date | None = None
    report: str = ""
    evidence_url: str = ""
    # Every report adds one: a form carries the version it showed.
    version: int = 1


@dataclass(frozen=True)
class Commitment:
    id: int
    plan_id: int
    number: str
    title: str
    text: str
    organisation: str
    # Who, besides the secretariat, may report its progress (a member of the registry).
    contact_email: str
    milestones: Sequence[Milestone] = ()
    override: Level | None = None
    override_reason: str = ""
    version: int = 1

    @property
    def derived_level(self) -> Level:
        return derive_level([m.status for m in self.milestones])

    @property
    def level(self) -> Level:
        return self.override or self.derived_level

    def next_milestone(self) -> Milestone | None:
        open_ = [m for m in self.milestones if m.status is not MilestoneStatus.DONE]
        return min(open_, key=lambda m: (m.planned_on, m.position), default=None)


@dataclass(frozen=True)
class Plan:
    id: int
    title: str
    commitments: Sequence[Commitment] = field(default_factory=list)


def derive_level(statuses: Sequence[MilestoneStatus]) -> Level:
    """From the milestones: none begun → not started; all done → complete; at least half done
    → substantial; anything begun short of that → limited. The secretariat may override it,
    with its reason (a milestone may weigh more than another)."""
    if not statuses:
        return Level.NOT_STARTED
    done = sum(1 for s in statuses if s is MilestoneStatus.DONE)
    if done == len(statuses):
        return Level.COMPLETE
    if done * 2 >= len(statuses) and done:
        return Level.SUBSTANTIAL
    if done or any(s in (MilestoneStatus.IN_PROGRESS, MilestoneStatus.DELAYED) for s in statuses):
        return Level.LIMITED
    return Level.NOT_STARTED


# --- the plan file -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMilestone:
    what: str
    planned_on: date | None


@dataclass(frozen=True)
class PlannedCommitment:
    number: str
    title: str
    text: str = ""
    organisation: str = ""
    contact_email: str = ""
    milestones: list[PlannedMilestone] = field(default_factory=list)


_HEADING = re.compile(
    r"^#{2,6}\s*(?:(?:engagement|commitment)\s+)?([0-9][0-9A-Za-z.\-]*)[.)]?\s+(.+)$", re.I
)
_ORGANISATION = re.compile(r"^(?:responsable|organisation|lead)\s*:\s*(.+)$", re.I)
_CONTACT = re.compile(r"^(?:contact)\s*:\s*(\S+)\s*$", re.I)
_MILESTONE = re.compile(r"^[-*]\s*(\S+)\s*[:—–-]\s*(.+)$")


def parse_plan(text: str) -> tuple[str, list[PlannedCommitment]]:
    """The plan's title (its `# ` heading) and its commitments, from Markdown:

        ## 1. Titre de l'engagement
        Responsable : Ministère …
        Contact : personne@exemple.gouv.qc.ca
        The text.
        - 2027-03-31 : Premier jalon

    or from a CSV, one row per milestone: numero;engagement;responsable;contact;jalon;date."""
    stripped = text.lstrip("\ufeff")
    first = stripped.splitlines()[0].lower() if stripped.strip() else ""
    if first.startswith(("numero", "numéro", "number")):
        return "", _parse_csv(stripped)
    title = ""
    found: list[PlannedCommitment] = []
    current: dict[str, object] | None = None

    def close() -> None:
        if current is not None:
            found.append(PlannedCommitment(
                str(current["number"]), str(current["title"]),
                "\n".join(current["body"]).strip(),  # type: ignore[arg-type]
                str(current["organisation"]), str(current["contact"]),
                list(current["milestones"]),  # type: ignore[call-overload]
            ))  # fmt: skip

    for raw in stripped.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            close()
            current = {"number": heading.group(1).rstrip("."), "title": heading.group(2).strip(),
                       "body": [], "organisation": "", "contact": "", "milestones": []}  # fmt: skip
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if current is None or not line:
            continue
        if organisation := _ORGANISATION.match(line):
            current["organisation"] = organisation.group(1).strip()
        elif contact := _CONTACT.match(line):
            current["contact"] = contact.group(1).strip()
        elif milestone := _MILESTONE.match(line):
            milestones = current["milestones"]
            assert isinstance(milestones, list)
            milestones.append(
                PlannedMilestone(milestone.group(2).strip(), iso_day(milestone.group(1)))
            )
        else:
            body = current["body"]
            assert isinstance(body, list)
            body.append(line)
    close()
    return title, found


def _parse_csv(text: str) -> list[PlannedCommitment]:
    header = text.splitlines()[0]
    rows = csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ",")  # fmt: skip

    def cell(row: dict[str, str], *names: str) -> str:
        return next((row[n].strip() for n in names if row.get(n)), "")

    by_number: dict[str, PlannedCommitment] = {}
    for row in rows:
        number = cell(row, "numero", "numéro", "number")
        if number not in by_number:
            by_number[number] = PlannedCommitment(
                number, cell(row, "engagement", "titre", "title", "commitment"),
                cell(row, "texte", "text"), cell(row, "responsable", "organisation", "lead"),
                cell(row, "contact"),
            )  # fmt: skip
        what = cell(row, "jalon", "milestone")
        if what:
            by_number[number].milestones.append(
                PlannedMilestone(what, iso_day(cell(row, "date", "echeance", "échéance", "due")))
            )
    return list(by_number.values())


def plan_problems(title: str, commitments: Sequence[PlannedCommitment]) -> list[Problem]:
    """Everything wrong with a plan file, named (the commitment's number with it)."""
    found: list[Problem] = []
    if not title.strip():
        found.append(Problem("plan", "commitments.error.plan_title"))
    if not commitments:
        found.append(Problem("file", "commitments.error.no_commitments"))
    numbers = [c.number for c in commitments]
    if len(set(numbers)) != len(numbers):
        found.append(Problem("file", "commitments.error.duplicate_number"))
    for c in commitments:
        if not c.title or len(c.title) > TITLE_MAX:
            found.append(Problem(c.number, "commitments.error.title"))
        if not c.organisation:
            found.append(Problem(c.number, "commitments.error.organisation"))
        if not c.milestones:
            found.append(Problem(c.number, "commitments.error.no_milestones"))
        if any(m.planned_on is None or not m.what for m in c.milestones):
            found.append(Problem(c.number, "commitments.error.milestone"))
    return found


def report_problems(status: str, on: date | None, report: str, evidence: str, today: date) -> list[Problem]:  # fmt: skip
    found: list[Problem] = []
    if status not in {s.value for s in MilestoneStatus}:
        found.append(Problem("status", "commitments.error.status"))
    if on is None:
        found.append(Problem("on", "commitments.error.on"))
    elif on > today:
        found.append(Problem("on", "commitments.error.on_future"))
    if not report.strip():
        found.append(Problem("report", "commitments.error.report"))
    elif len(report) > REPORT_MAX:
        found.append(Problem("report", "commitments.error.report_long"))
    if evidence.strip() and not minutes_link_ok(evidence):
        found.append(Problem("evidence", "commitments.error.evidence"))
    return found


def comment_problems(text: str, kind: str) -> list[Problem]:
    if kind not in {k.value for k in CommentKind}:
        return [Problem("kind", "commitments.error.kind")]
    if not text.strip():
        return [Problem("text", "commitments.error.comment")]
    if len(text) > COMMENT_MAX:
        return [Problem("text", "commitments.error.comment_long")]
    return []


def answer_problems(verdict: str, reason: str) -> list[Problem]:
    found: list[Problem] = []
    if verdict not in {v.value for v in Verdict}:
        found.append(Problem("verdict", "commitments.error.verdict"))
    if not reason.strip():
        found.append(Problem("reason", "commitments.error.reason"))
    elif len(reason) > REASON_MAX:
        found.append(Problem("reason", "commitments.error.reason_long"))
    return found


def override_problems(level: str, reason: str) -> list[Problem]:
    """An override says why; « calculé » (empty) goes back to the derived level."""
    if level and level not in {v.value for v in Level}:
        return [Problem("level", "commitments.error.level")]
    if level and not reason.strip():
        return [Problem("reason", "commitments.error.override_reason")]
    return []


@dataclass(frozen=True)
class ProgressReport:
    """One report on a milestone, as kept (the weekly digest lists them)."""

    id: int
    milestone_id: int
    status: MilestoneStatus
    on: date
    report: str
    evidence_url: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    id: int
    commitment_id: int
    member_id: int
    kind: CommentKind
    text: str
    at: datetime


@dataclass(frozen=True)
class Answer:
    id: int
    comment_id: int
    verdict: Verdict
    reason: str
    by: str
    at: datetime
