"""Plans, their commitments and milestones, progress reports, comments and answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.commitments import tables
from bot.features.commitments.rules import (
    Answer,
    Comment,
    CommentKind,
    Commitment,
    Level,
    Milestone,
    MilestoneStatus,
    Plan,
    PlannedCommitment,
    ProgressReport,
    Verdict,
)
from bot.storage.database import from_db, to_db

_plans = tables.commitment_plans
_commitments = tables.commitments
_milestones = tables.commitment_milestones
_reports = tables.commitment_reports
_comments = tables.commitment_comments
_answers = tables.commitment_answers


def _milestone(row: RowMapping) -> Milestone:
    return Milestone(
        row["id"], row["commitment_id"], row["position"], row["what"], row["planned_on"],
        MilestoneStatus(row["status"]), row["status_on"], row["report"], row["evidence_url"],
        row["version"],
    )  # fmt: skip


@dataclass
class Merged:
    """What a file changed in a plan."""

    commitments_added: int = 0
    milestones_added: int = 0
    milestones_changed: int = 0


def _key(value: int | None) -> int:
    assert value is not None
    return int(value)


class PlanRepository:
    async def plan_id(self, conn: AsyncConnection, title: str) -> int | None:
        return await conn.scalar(select(_plans.c.id).where(_plans.c.title == title))

    async def add_plan(
        self, conn: AsyncConnection, title: str, commitments: Sequence[PlannedCommitment],
        by: str, at: datetime,
    ) -> int:  # fmt: skip
        result = await conn.execute(
            insert(_plans).values(title=title, imported_by=by, imported_at=to_db(at))
        )
        plan_id = _key((result.inserted_primary_key or [None])[0])
        await self.merge(conn, plan_id, commitments)
        return plan_id

    async def merge(
        self, conn: AsyncConnection, plan_id: int, commitments: Sequence[PlannedCommitment]
    ) -> Merged:
        """The file's commitments into the plan, by number, and their milestones by position:
        new ones added, existing ones' texts and dates updated (their progress, reports and
        comments kept). Nothing is removed: what the file no longer has stays as it was."""
        merged = Merged()
        existing = {
            c.number: c for c in await self._commitments(conn, None) if c.plan_id == plan_id
        }
        for planned in commitments:
            values = dict(title=planned.title, text=planned.text, organisation=planned.organisation,
                          contact_email=planned.contact_email.lower())  # fmt: skip
            current = existing.get(planned.number)
            if current is None:
                added = await conn.execute(
                    insert(_commitments).values(plan_id=plan_id, number=planned.number,
                                                override_reason="", version=1, **values)
                )  # fmt: skip
                commitment_id = _key((added.inserted_primary_key or [None])[0])
                milestones: dict[int, Milestone] = {}
                merged.commitments_added += 1
            else:
                commitment_id = current.id
                await conn.execute(update(_commitments).where(_commitments.c.id == current.id).values(**values))  # fmt: skip
                milestones = {m.position: m for m in current.milestones}
            for position, milestone in enumerate(planned.milestones, 1):
                assert milestone.planned_on is not None
                known = milestones.get(position)
                if known is None:
                    await conn.execute(
                        insert(_milestones).values(
                            commitment_id=commitment_id, position=position, what=milestone.what,
                            planned_on=milestone.planned_on, status=MilestoneStatus.NOT_STARTED.value,
                            report="", evidence_url="", version=1,
                        )
                    )  # fmt: skip
                    merged.milestones_added += 1
                elif (known.what, known.planned_on) != (milestone.what, milestone.planned_on):
                    # A form showing the milestone as it was is now out of date.
                    await conn.execute(
                        update(_milestones).where(_milestones.c.id == known.id)
                        .values(what=milestone.what, planned_on=milestone.planned_on,
                                version=_milestones.c.version + 1)
                    )  # fmt: skip
                    merged.milestones_changed += 1
        return merged

    async def plans(self, conn: AsyncConnection) -> list[Plan]:
        rows = (await conn.execute(select(_plans).order_by(_plans.c.id))).mappings().all()
        found = await self._commitments(conn, None)
        return [
            Plan(row["id"], row["title"], [c for c in found if c.plan_id == row["id"]])
            for row in rows
        ]

    async def plan_title(self, conn: AsyncConnection, plan_id: int) -> str:
        title = await conn.scalar(select(_plans.c.title).where(_plans.c.id == plan_id))
        return str(title or "")

    async def of_milestone(self, conn: AsyncConnection, milestone_id: int) -> Commitment | None:
        """The commitment a milestone belongs to."""
        found = await conn.scalar(
            select(_milestones.c.commitment_id).where(_milestones.c.id == milestone_id)
        )
        return await self.get(conn, int(found)) if found is not None else None

    async def get(self, conn: AsyncConnection, commitment_id: int) -> Commitment | None:
        found = await self._commitments(conn, commitment_id)
        return found[0] if found else None

    async def _commitments(self, conn: AsyncConnection, only: int | None) -> list[Commitment]:
        query = select(_commitments).order_by(_commitments.c.plan_id, _commitments.c.id)
        if only is not None:
            query = query.where(_commitments.c.id == only)
        rows = (await conn.execute(query)).mappings().all()
        if not rows:
            return []
        milestones: dict[int, list[Milestone]] = {}
        ids = [r["id"] for r in rows]
        query_m = select(_milestones).where(_milestones.c.commitment_id.in_(ids))
        for m in (await conn.execute(query_m.order_by(_milestones.c.position))).mappings():
            milestones.setdefault(m["commitment_id"], []).append(_milestone(m))
        return [
            Commitment(
                row["id"],
                row["plan_id"],
                row["number"],
                row["title"],
                row["text"],
                row["organisation"],
                row["contact_email"],
                milestones.get(row["id"], []),
                Level(row["override"]) if row["override"] else None,
                row["override_reason"],
                row["version"],
            )
            for row in rows
        ]

    async def report(
        self, conn: AsyncConnection, milestone_id: int, seen: int, status: MilestoneStatus,
        on: date, report: str, evidence: str, by: str, at: datetime,
    ) -> bool:  # fmt: skip
        """Only over the version the form showed: False when a newer report is in force."""
        result = await conn.execute(
            update(_milestones)
            .where(_milestones.c.id == milestone_id, _milestones.c.version == seen)
            .values(status=status.value, status_on=on, report=report, evidence_url=evidence,
                    version=_milestones.c.version + 1)
        )  # fmt: skip
        if result.rowcount != 1:
            return False
        await conn.execute(
            insert(_reports).values(
                milestone_id=milestone_id, status=status.value, status_on=on, report=report,
                evidence_url=evidence, by=by, at=to_db(at),
            )
        )  # fmt: skip
        return True

    async def reports_between(
        self, conn: AsyncConnection, start: datetime, end: datetime
    ) -> list[ProgressReport]:
        query = (
            select(_reports)
            .where(_reports.c.at >= to_db(start), _reports.c.at < to_db(end))
            .order_by(_reports.c.at, _reports.c.id)
        )
        return [
            ProgressReport(
                r["id"],
                r["milestone_id"],
                MilestoneStatus(r["status"]),
                r["status_on"],
                r["report"],
                r["evidence_url"],
                r["by"],
                from_db(r["at"]),
            )
            for r in (await conn.execute(query)).mappings()
        ]

    async def set_override(
        self, conn: AsyncConnection, commitment_id: int, seen: int, level: Level | None,
        reason: str,
    ) -> bool:  # fmt: skip
        result = await conn.execute(
            update(_commitments)
            .where(_commitments.c.id == commitment_id, _commitments.c.version == seen)
            .values(override=level.value if level else None, override_reason=reason,
                    version=_commitments.c.version + 1)
        )  # fmt: skip
        return result.rowcount == 1

    async def add_comment(
        self, conn: AsyncConnection, commitment_id: int, member_id: int, kind: CommentKind,
        text: str, at: datetime,
    ) -> Comment:  # fmt: skip
        result = await conn.execute(
            insert(_comments).values(commitment_id=commitment_id, member_id=member_id,
                                     kind=kind.value, text=text, at=to_db(at))
        )  # fmt: skip
        return Comment(_key((result.inserted_primary_key or [None])[0]), commitment_id,
                       member_id, kind, text, at)  # fmt: skip

    async def comments(self, conn: AsyncConnection, commitment_id: int | None = None) -> list[Comment]:  # fmt: skip
        query = select(_comments).order_by(_comments.c.id)
        if commitment_id is not None:
            query = query.where(_comments.c.commitment_id == commitment_id)
        return [
            Comment(
                r["id"],
                r["commitment_id"],
                r["member_id"],
                CommentKind(r["kind"]),
                r["text"],
                from_db(r["at"]),
            )
            for r in (await conn.execute(query)).mappings()
        ]

    async def get_comment(self, conn: AsyncConnection, comment_id: int) -> Comment | None:
        query = select(_comments).where(_comments.c.id == comment_id)
        r = (await conn.execute(query)).mappings().first()
        if r is None:
            return None
        return Comment(r["id"], r["commitment_id"], r["member_id"], CommentKind(r["kind"]),
                       r["text"], from_db(r["at"]))  # fmt: skip

    async def answer(
        self, conn: AsyncConnection, comment_id: int, verdict: Verdict, reason: str, by: str,
        at: datetime,
    ) -> Answer:  # fmt: skip
        result = await conn.execute(
            insert(_answers).values(comment_id=comment_id, verdict=verdict.value, reason=reason,
                                    by=by, at=to_db(at))
        )  # fmt: skip
        return Answer(_key((result.inserted_primary_key or [None])[0]), comment_id, verdict,
                      reason, by, at)  # fmt: skip

    async def answers(
        self, conn: AsyncConnection, commitment_id: int | None = None
    ) -> dict[int, Answer]:
        """The answer in force for each comment (the latest); of one commitment's comments,
        or of all."""
        query = select(_answers).order_by(_answers.c.id)
        if commitment_id is not None:
            of_it = select(_comments.c.id).where(_comments.c.commitment_id == commitment_id)
            query = query.where(_answers.c.comment_id.in_(of_it))
        rows = (await conn.execute(query)).mappings()
        return {
            r["comment_id"]: Answer(
                r["id"],
                r["comment_id"],
                Verdict(r["verdict"]),
                r["reason"],
                r["by"],
                from_db(r["at"]),
            )
            for r in rows
        }
