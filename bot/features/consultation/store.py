"""Consultation rounds, their items, comments (every version), responses, proposals, naming."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.consultation import tables
from bot.features.consultation.rules import (
    Comment,
    Item,
    Opinion,
    Phase,
    Proposal,
    ProposalKind,
    Response,
    Round,
    Verdict,
)
from bot.storage.database import from_db, insert_if_absent, to_db

_r = tables.consultation_rounds.c
_i = tables.consultation_items.c
_c = tables.consultation_comments.c
_s = tables.consultation_responses.c
_m = tables.consultation_response_members.c


def _comment(row: RowMapping) -> Comment:
    return Comment(
        row["id"],
        row["round_id"],
        row["item"],
        row["member_id"],
        row["version"],
        Opinion(row["opinion"]),
        row["text"],
        bool(row["conflicted"]),
        from_db(row["at"]),
    )


class ConsultationRepository:
    async def add_round(
        self,
        conn: AsyncConnection,
        *,
        title: str,
        phase: Phase,
        deadline: date,
        items: Sequence[Item],
        meeting_id: int | None,
        by: str,
        at: datetime,
    ) -> int:
        result = await conn.execute(
            insert(tables.consultation_rounds).values(
                title=title,
                phase=phase.value,
                deadline=deadline,
                meeting_id=meeting_id,
                opened_by=by,
                opened_at=to_db(at),
                reopened=0,
            )
        )
        found = result.inserted_primary_key
        assert found is not None
        round_id = int(found[0])
        await conn.execute(
            insert(tables.consultation_items),
            [
                {
                    "round_id": round_id,
                    "number": item.number,
                    "position": position,
                    "title": item.title,
                    "text": item.text,
                    "link": item.link,
                }
                for position, item in enumerate(items)
            ],
        )
        return round_id

    async def get(self, conn: AsyncConnection, round_id: int) -> Round | None:
        row = (
            (await conn.execute(select(tables.consultation_rounds).where(_r.id == round_id)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return await self._round(conn, row)

    async def _round(self, conn: AsyncConnection, row: RowMapping) -> Round:
        items = (
            await conn.execute(
                select(tables.consultation_items)
                .where(_i.round_id == row["id"])
                .order_by(_i.position)
            )
        ).mappings()
        return Round(
            row["id"],
            row["title"],
            Phase(row["phase"]),
            row["deadline"],
            [Item(i["number"], i["title"], i["text"], i["link"]) for i in items],
            row["opened_by"],
            from_db(row["opened_at"]),
            row["meeting_id"],
            row["reopened"],
        )

    async def all(self, conn: AsyncConnection) -> list[Round]:
        rows = (
            await conn.execute(select(tables.consultation_rounds).order_by(_r.id.desc()))
        ).mappings()
        return [await self._round(conn, row) for row in list(rows)]

    async def reopen(self, conn: AsyncConnection, round_id: int, deadline: date) -> None:
        await conn.execute(
            update(tables.consultation_rounds)
            .where(_r.id == round_id)
            .values(deadline=deadline, reopened=_r.reopened + 1)
        )

    # --- comments --------------------------------------------------------------------------

    async def comments(
        self,
        conn: AsyncConnection,
        round_id: int,
        *,
        member_id: int | None = None,
        item: str | None = None,
    ) -> list[Comment]:
        query = (
            select(tables.consultation_comments)
            .where(_c.round_id == round_id)
            .order_by(_c.item, _c.member_id, _c.version)
        )
        if member_id is not None:
            query = query.where(_c.member_id == member_id)
        if item is not None:
            query = query.where(_c.item == item)
        return [_comment(row) for row in (await conn.execute(query)).mappings()]

    async def add_comment(
        self,
        conn: AsyncConnection,
        *,
        round_id: int,
        item: str,
        member_id: int,
        version: int,
        opinion: Opinion,
        text: str,
        conflicted: bool,
        at: datetime,
    ) -> bool:
        """False when this version exists already (two clicks at once: one version)."""
        return await insert_if_absent(
            conn,
            tables.consultation_comments,
            {
                "round_id": round_id,
                "item": item,
                "member_id": member_id,
                "version": version,
                "opinion": opinion.value,
                "text": text,
                "conflicted": conflicted,
                "at": to_db(at),
            },
        )

    async def commenters(self, conn: AsyncConnection, round_id: int) -> set[int]:
        query = select(_c.member_id).where(_c.round_id == round_id).distinct()
        return {row[0] for row in await conn.execute(query)}

    async def commented_ever(self, conn: AsyncConnection, member_id: int) -> bool:
        query = select(_c.id).where(_c.member_id == member_id).limit(1)
        return (await conn.execute(query)).first() is not None

    # --- responses -------------------------------------------------------------------------

    async def add_response(
        self,
        conn: AsyncConnection,
        *,
        round_id: int,
        item: str,
        member_ids: Sequence[int],
        verdict: Verdict,
        reason: str,
        by: str,
        at: datetime,
    ) -> int:
        result = await conn.execute(
            insert(tables.consultation_responses).values(
                round_id=round_id,
                item=item,
                verdict=verdict.value,
                reason=reason,
                by=by,
                at=to_db(at),
            )
        )
        found = result.inserted_primary_key
        assert found is not None
        response_id = int(found[0])
        await conn.execute(
            insert(tables.consultation_response_members),
            [{"response_id": response_id, "member_id": m} for m in member_ids],
        )
        return response_id

    async def responses(self, conn: AsyncConnection, round_id: int) -> list[Response]:
        rows = list(
            (
                await conn.execute(
                    select(tables.consultation_responses)
                    .where(_s.round_id == round_id)
                    .order_by(_s.id)
                )
            ).mappings()
        )
        targets: dict[int, set[int]] = {}
        if rows:
            query = select(_m.response_id, _m.member_id).where(
                _m.response_id.in_([r["id"] for r in rows])
            )
            for response_id, member_id in await conn.execute(query):
                targets.setdefault(response_id, set()).add(member_id)
        return [
            Response(
                r["id"],
                r["round_id"],
                r["item"],
                frozenset(targets.get(r["id"], set())),
                Verdict(r["verdict"]),
                r["reason"],
                r["by"],
                from_db(r["at"]),
            )
            for r in rows
        ]

    async def response(self, conn: AsyncConnection, response_id: int) -> Response | None:
        row = (await conn.execute(select(_s.round_id).where(_s.id == response_id))).first()
        if row is None:
            return None
        return next((r for r in await self.responses(conn, row[0]) if r.id == response_id), None)

    # --- proposals and naming -----------------------------------------------------------------

    async def add_proposal(
        self,
        conn: AsyncConnection,
        *,
        member_id: int,
        kind: ProposalKind,
        title: str,
        description: str,
        why: str,
        at: datetime,
    ) -> int:
        result = await conn.execute(
            insert(tables.consultation_proposals).values(
                member_id=member_id,
                kind=kind.value,
                title=title,
                description=description,
                why=why,
                at=to_db(at),
            )
        )
        found = result.inserted_primary_key
        assert found is not None
        return int(found[0])

    async def proposal(self, conn: AsyncConnection, proposal_id: int) -> Proposal | None:
        found = [p for p in await self.proposals(conn) if p.id == proposal_id]
        return found[0] if found else None

    async def proposals(self, conn: AsyncConnection) -> list[Proposal]:
        rows = (
            await conn.execute(
                select(tables.consultation_proposals).order_by(
                    tables.consultation_proposals.c.id.desc()
                )
            )
        ).mappings()
        return [
            Proposal(
                r["id"], r["member_id"], ProposalKind(r["kind"]), r["title"],
                r["description"], r["why"], from_db(r["at"]),
            )
            for r in rows
        ]  # fmt: skip

    async def naming(self, conn: AsyncConnection) -> dict[int, bool]:
        query = select(tables.consultation_naming.c.member_id, tables.consultation_naming.c.named)
        return {row[0]: bool(row[1]) for row in await conn.execute(query)}

    async def set_naming(
        self, conn: AsyncConnection, member_id: int, named: bool, at: datetime
    ) -> None:
        if not await insert_if_absent(
            conn,
            tables.consultation_naming,
            {"member_id": member_id, "named": named, "at": to_db(at)},
        ):
            await conn.execute(
                update(tables.consultation_naming)
                .where(tables.consultation_naming.c.member_id == member_id)
                .values(named=named, at=to_db(at))
            )
