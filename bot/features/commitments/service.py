"""The action plan's commitments followed through. The secretariat imports the plan (a
Markdown or CSV file; `commitments draft --round` writes one from a consultation's retained
items); the secretariat, or a commitment's registered contact, reports each milestone's
progress; members read the plan (`engagements`), comment and propose solutions, which the
secretariat answers with reasons; each week, members get one digest of the reports; the public
report names members only with their consent (the consultation's)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent, fingerprint
from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.commitments import rules
from bot.features.commitments.rules import (
    Answer,
    Comment,
    CommentKind,
    Commitment,
    Level,
    Milestone,
    MilestoneStatus,
    Plan,
    ProgressReport,
    Verdict,
)
from bot.features.commitments.store import Merged, PlanRepository
from bot.features.consultation.rules import Verdict as ConsultationVerdict
from bot.features.consultation.rules import items_as_text
from bot.features.consultation.store import ConsultationRepository
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage, Planned, plan_missing
from bot.storage.repositories import AuditLog, MemberRepository

# To each serving member outside the secretariat, on Monday: last week's progress reports.
DIGEST = "commitments.digest"
# To each serving member of the secretariat: a member's comment or solution, to answer.
COMMENTED = "commitments.commented"
# To a comment's author: the secretariat's answer.
ANSWERED = "commitments.answered"
SEND_AT = time(9, 0)


@dataclass(frozen=True)
class CommentRow:
    comment: Comment
    author: Member | None
    answer: Answer | None


@dataclass(frozen=True)
class CommitmentView:
    plan: str
    commitment: Commitment
    comments: list[CommentRow]
    # Whether the one reading may report progress (the secretariat, or the registered contact).
    may_report: bool


@dataclass(frozen=True)
class Imported:
    plan_id: int | None
    problems: list[Problem] = field(default_factory=list)
    # Added by this file (all of them, for a new plan), and changed in place (an update).
    commitments: int = 0
    milestones: int = 0
    milestones_changed: int = 0


@dataclass(frozen=True)
class DigestWork:
    member: Member
    # The Monday of the week the reports were made (the digest goes the Monday after).
    week: date
    rows: list[tuple[Commitment, Milestone, ProgressReport]]


@dataclass(frozen=True)
class CommentWork:
    member: Member
    commitment: Commitment
    row: CommentRow


class CommitmentsService:
    def __init__(
        self,
        database: Database,
        commitments: PlanRepository,
        consultation: ConsultationRepository,
        members: MemberRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._commitments = commitments
        self._consultation = consultation
        self._members = members
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- the plan ---------------------------------------------------------------------------

    async def import_plan(
        self, text: str, title: str, by: Member, *, update: bool = False
    ) -> Imported:
        """One plan from its file; nothing is written when anything in it is wrong. `update`:
        the file goes into the plan of that title already imported (new commitments and
        milestones added, texts and dates updated, progress and comments kept, nothing
        removed)."""
        heading, planned = rules.parse_plan(text)
        title = (title or heading).strip()
        found = rules.plan_problems(title, planned)
        async with self._db.transaction() as conn:
            existing = await self._commitments.plan_id(conn, title) if title else None
            if existing is not None and not update:
                found.append(Problem("plan", "commitments.error.plan_exists"))
            if existing is None and update and title:
                found.append(Problem("plan", "commitments.error.no_plan"))
            if not by.is_secretariat:
                found.append(Problem("by", "commitments.error.not_secretariat"))
            if found:
                return Imported(None, found)
            if existing is None:
                plan_id = await self._commitments.add_plan(
                    conn, title, planned, by.email, self._clock()
                )
                merged = Merged(len(planned), sum(len(c.milestones) for c in planned))
            else:
                plan_id, merged = existing, await self._commitments.merge(conn, existing, planned)
            await self._audit.append(
                conn,
                AuditEvent(by.email, "commitments.updated" if update else "commitments.imported",
                           "plan", str(plan_id),
                           {"title": title, "commitments_added": merged.commitments_added,
                            "milestones_added": merged.milestones_added,
                            "milestones_changed": merged.milestones_changed,
                            "sha256": fingerprint(text)}),
            )  # fmt: skip
        return Imported(plan_id, [], merged.commitments_added, merged.milestones_added,
                        merged.milestones_changed)  # fmt: skip

    async def draft_from_round(self, round_id: int) -> str | None:
        """A plan file to complete from a consultation round: its items the secretariat
        retained (in whole or in part), each with a `Responsable :` line and a milestone line
        to fill. None: no such round."""
        async with self._db.read() as conn:
            found = await self._consultation.get(conn, round_id)
            if found is None:
                return None
            responses = await self._consultation.responses(conn, round_id)
        kept = {ConsultationVerdict.RETAINED, ConsultationVerdict.PARTLY}
        retained = {r.item for r in responses if r.verdict in kept}
        items = [i for i in found.items if i.number in retained]
        blocks = [f"# {found.title}", ""]
        for block in items_as_text(items).split("\n\n") if items else []:
            head, *rest = block.split("\n")
            blocks += [f"## {head}", *rest, "Responsable : ", "Contact : ", "- AAAA-MM-JJ : ", ""]
        return "\n".join(blocks)

    async def plans(self) -> list[Plan]:
        async with self._db.read() as conn:
            return await self._commitments.plans(conn)

    async def view(self, member: Member, commitment_id: int) -> CommitmentView | None:
        async with self._db.read() as conn:
            return await self._view(conn, member, commitment_id)

    async def _view(
        self, conn: AsyncConnection, member: Member, commitment_id: int
    ) -> CommitmentView | None:
        commitment = await self._commitments.get(conn, commitment_id)
        if commitment is None:
            return None
        plan = await self._commitments.plan_title(conn, commitment.plan_id)
        answers = await self._commitments.answers(conn, commitment_id)
        rows = [
            CommentRow(c, await self._members.get(conn, c.member_id), answers.get(c.id))
            for c in await self._commitments.comments(conn, commitment_id)
        ]
        return CommitmentView(plan, commitment, rows, self._may_report(member, commitment))

    async def view_of_milestone(self, member: Member, milestone_id: int) -> CommitmentView | None:
        async with self._db.read() as conn:
            commitment = await self._commitments.of_milestone(conn, milestone_id)
            return await self._view(conn, member, commitment.id) if commitment else None

    async def comment_view(
        self, member: Member, comment_id: int
    ) -> tuple[CommitmentView, CommentRow] | None:
        async with self._db.read() as conn:
            comment = await self._commitments.get_comment(conn, comment_id)
            view = await self._view(conn, member, comment.commitment_id) if comment else None
        if view is None:
            return None
        return view, next(r for r in view.comments if r.comment.id == comment_id)

    def _may_report(self, member: Member, commitment: Commitment) -> bool:
        """The secretariat, or the commitment's contact while serving on the committee."""
        return member.is_secretariat or (
            bool(commitment.contact_email)
            and member.email.lower() == commitment.contact_email
            and member.is_serving(self.today())
        )

    # --- progress ---------------------------------------------------------------------------

    async def report(
        self, member: Member, milestone_id: int, seen: int, status: str, on: date | None,
        report: str, evidence: str,
    ) -> tuple[CommitmentView | None, list[Problem], bool]:  # fmt: skip
        """A milestone's progress, over the version the form showed. Returns the commitment as
        it stands, what is wrong, and whether the form was older than the milestone (then
        nothing changed). None: no such milestone, or not someone who may report it."""
        async with self._db.transaction() as conn:
            commitment = await self._commitments.of_milestone(conn, milestone_id)
            if commitment is None or not self._may_report(member, commitment):
                return None, [], False
            milestone = next(m for m in commitment.milestones if m.id == milestone_id)
            if seen != milestone.version:
                return await self._view(conn, member, commitment.id), [], True
            found = rules.report_problems(status, on, report, evidence, self.today())
            if found or on is None:
                return await self._view(conn, member, commitment.id), found, False
            if not await self._commitments.report(
                conn, milestone_id, seen, MilestoneStatus(status), on, report.strip(),
                evidence.strip(), member.email, self._clock(),
            ):  # fmt: skip
                return await self._view(conn, member, commitment.id), [], True
            await self._audit.append(
                conn,
                AuditEvent(member.email, "commitments.progress", "milestone", str(milestone_id),
                           {"status": status, "on": on.isoformat(), "sha256": fingerprint(report)}),
            )  # fmt: skip
            return await self._view(conn, member, commitment.id), [], False

    async def override(
        self, by: Member, commitment_id: int, seen: int, level: str, reason: str
    ) -> tuple[CommitmentView | None, list[Problem], bool]:
        """The secretariat's level, with its reason; empty: back to the derived level."""
        async with self._db.transaction() as conn:
            commitment = await self._commitments.get(conn, commitment_id)
            if commitment is None or not by.is_secretariat:
                return None, [], False
            if seen != commitment.version:
                return await self._view(conn, by, commitment_id), [], True
            found = rules.override_problems(level, reason)
            if found:
                return await self._view(conn, by, commitment_id), found, False
            chosen = Level(level) if level else None
            if not await self._commitments.set_override(
                conn, commitment_id, seen, chosen, reason.strip() if chosen else ""
            ):
                return await self._view(conn, by, commitment_id), [], True
            await self._audit.append(
                conn,
                AuditEvent(by.email, "commitments.level", "commitment", str(commitment_id),
                           {"level": level or "derived", "sha256": fingerprint(reason)}),
            )  # fmt: skip
            return await self._view(conn, by, commitment_id), [], False

    # --- the committee's word ---------------------------------------------------------------

    async def comment(
        self, member: Member, commitment_id: int, kind: str, text: str
    ) -> tuple[CommitmentView | None, list[Problem]]:
        """A member's comment or proposed solution, kept with its author and date; each
        serving member of the secretariat is told, to answer it."""
        async with self._db.transaction() as conn:
            view = await self._view(conn, member, commitment_id)
            if view is None or member.id is None:
                return None, []
            if not member.is_serving(self.today()):
                return view, [Problem("text", "commitments.error.not_serving")]
            found = rules.comment_problems(text, kind)
            if found:
                return view, found
            comment = await self._commitments.add_comment(
                conn, commitment_id, member.id, CommentKind(kind), text.strip(), self._clock()
            )
            await self._audit.append(
                conn,
                AuditEvent(member.email, "commitments.comment", "commitment", str(commitment_id),
                           {"comment": comment.id, "kind": kind, "sha256": fingerprint(comment.text)}),
            )  # fmt: skip
            for clerk in await self._members.secretariat(conn, self.today()):
                if clerk.id != member.id:
                    await self._outbox.plan(
                        conn, f"commitments:comment:{comment.id}:{clerk.id}", COMMENTED,
                        clerk.id, {"comment": comment.id}, self._clock(),
                    )  # fmt: skip
            return await self._view(conn, member, commitment_id), []

    async def answer(
        self, by: Member, comment_id: int, verdict: str, reason: str
    ) -> tuple[CommitmentView | None, list[Problem]]:
        """The secretariat's answer, with its reason; its author is told. A new answer
        replaces the one in force (both are kept)."""
        async with self._db.transaction() as conn:
            comment = await self._commitments.get_comment(conn, comment_id)
            if comment is None or not by.is_secretariat:
                return None, []
            found = rules.answer_problems(verdict, reason)
            if found:
                return await self._view(conn, by, comment.commitment_id), found
            answer = await self._commitments.answer(
                conn, comment_id, Verdict(verdict), reason.strip(), by.email, self._clock()
            )
            await self._audit.append(
                conn,
                AuditEvent(by.email, "commitments.answer", "comment", str(comment_id),
                           {"verdict": verdict, "sha256": fingerprint(answer.reason)}),
            )  # fmt: skip
            await self._outbox.plan(
                conn, f"commitments:answer:{answer.id}", ANSWERED, comment.member_id,
                {"comment": comment_id}, self._clock(),
            )  # fmt: skip
            return await self._view(conn, by, comment.commitment_id), []

    async def comment_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> CommentWork | None:
        member = await self._members.get(conn, message.member_id or 0)
        comment = await self._commitments.get_comment(conn, int(message.payload.get("comment", 0)))
        if member is None or comment is None or not member.is_serving(self.today()):
            return None
        view = await self._view(conn, member, comment.commitment_id)
        if view is None:
            return None
        [row] = [r for r in view.comments if r.comment.id == comment.id]
        return CommentWork(member, view.commitment, row)

    # --- the weekly digest ------------------------------------------------------------------

    def _week_start(self) -> date:
        today = self.today()
        return today - timedelta(days=today.weekday())

    async def plan_digests(self) -> int:
        """On Monday from 9:00, last week's reports (Monday to Sunday) to each serving member
        outside the secretariat, in one card; nothing when there was none."""
        monday = self._week_start()
        start = datetime.combine(monday, SEND_AT, tzinfo=self._zone)
        if self._clock() < start:
            return 0
        async with self._db.read() as conn:
            reports = await self._commitments.reports_between(conn, *self._window(monday))
            members = [
                m for m in await self._members.all(conn)
                if m.id is not None and not m.is_secretariat and m.is_serving(self.today())
            ]  # fmt: skip
        if not reports:
            return 0
        wanted = [
            Planned(f"commitments:digest:{monday.isoformat()}:{m.id}", DIGEST, m.id,
                    {"week": monday.isoformat()}, self._clock())
            for m in members
        ]  # fmt: skip
        return await plan_missing(self._db, self._outbox, "commitments:digest:", wanted)

    def _window(self, monday: date) -> tuple[datetime, datetime]:
        end = datetime.combine(monday, time(0), tzinfo=self._zone)
        return end - timedelta(days=7), end

    async def digest_work(self, conn: AsyncConnection, message: OutboxMessage) -> DigestWork | None:
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self.today()):
            return None
        monday = date.fromisoformat(str(message.payload.get("week")))
        if monday < self._week_start():
            # An older week's digest, for someone reached only now: this week's says what is.
            return None
        reports = await self._commitments.reports_between(conn, *self._window(monday))
        by_milestone: dict[int, tuple[Commitment, Milestone]] = {}
        for plan in await self._commitments.plans(conn):
            for commitment in plan.commitments:
                for milestone in commitment.milestones:
                    by_milestone[milestone.id] = (commitment, milestone)
        rows = [
            (*by_milestone[r.milestone_id], r) for r in reports if r.milestone_id in by_milestone
        ]
        return DigestWork(member, monday - timedelta(days=7), rows) if rows else None

    # --- the public report ------------------------------------------------------------------

    async def public_rows(self) -> tuple[list[Plan], dict[int, list[CommentRow]], dict[int, bool]]:
        """Every plan, each commitment's comments with answers, and who consented to be
        named (the consultation's choice, the same in every public report)."""
        async with self._db.read() as conn:
            plans = await self._commitments.plans(conn)
            answers = await self._commitments.answers(conn)
            by_commitment: dict[int, list[CommentRow]] = {}
            for c in await self._commitments.comments(conn):
                row = CommentRow(c, await self._members.get(conn, c.member_id), answers.get(c.id))
                by_commitment.setdefault(c.commitment_id, []).append(row)
            naming = await self._consultation.naming(conn)
        return plans, by_commitment, naming

    async def exported(self, kind: str, content: bytes, by: str) -> None:
        async with self._db.transaction() as conn:
            await self._audit.append(
                conn,
                AuditEvent(by, "commitments.exported", "commitments", kind,
                           {"sha256": hashlib.sha256(content).hexdigest()}),
            )  # fmt: skip
