"""Action items, each with the version its cards carry."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.actions import tables
from bot.features.actions.rules import ActionItem, ActionStatus
from bot.storage.database import from_db, to_db

_items = tables.action_items


def _item(row: RowMapping) -> ActionItem:
    return ActionItem(
        row["id"],
        row["what"],
        row["owner_id"],
        row["organisation"],
        row["due_on"],
        row["meeting_id"],
        ActionStatus(row["status"]),
        row["note"],
        row["version"],
        row["created_by"],
        from_db(row["created_at"]),
        from_db(row["updated_at"]) if row["updated_at"] else None,
        row["decision"],
        row["contact"],
    )


class ActionRepository:
    async def add(
        self,
        conn: AsyncConnection,
        what: str,
        owner_id: int | None,
        organisation: str,
        due_on: date,
        meeting_id: int | None,
        decision: int | None,
        by: str,
        at: datetime,
        contact: str = "",
    ) -> ActionItem:
        result = await conn.execute(
            insert(_items).values(
                what=what, owner_id=owner_id, organisation=organisation, due_on=due_on,
                meeting_id=meeting_id, decision=decision, contact=contact, status=ActionStatus.TODO.value, note="", version=1,
                created_by=by, created_at=to_db(at),
            )
        )  # fmt: skip
        key = result.inserted_primary_key
        assert key is not None
        found = await self.get(conn, int(key[0]))
        assert found is not None
        return found

    async def get(self, conn: AsyncConnection, item_id: int) -> ActionItem | None:
        row = (await conn.execute(select(_items).where(_items.c.id == item_id))).mappings().first()
        return _item(row) if row else None

    async def all(self, conn: AsyncConnection) -> list[ActionItem]:
        query = select(_items).order_by(_items.c.due_on, _items.c.id)
        return [_item(row) for row in (await conn.execute(query)).mappings()]

    async def of_owner(self, conn: AsyncConnection, owner_id: int) -> list[ActionItem]:
        query = select(_items).where(_items.c.owner_id == owner_id).order_by(_items.c.due_on)
        return [_item(row) for row in (await conn.execute(query)).mappings()]

    async def open_items(self, conn: AsyncConnection) -> list[ActionItem]:
        query = (
            select(_items)
            .where(_items.c.status != ActionStatus.DONE.value)
            .order_by(_items.c.due_on, _items.c.id)
        )
        return [_item(row) for row in (await conn.execute(query)).mappings()]

    async def set_status(
        self,
        conn: AsyncConnection,
        item_id: int,
        seen: int,
        status: ActionStatus,
        note: str,
        by: str,
        at: datetime,
    ) -> bool:
        """Only over the version the card showed: False when a newer answer is in force."""
        result = await conn.execute(
            update(_items)
            .where(_items.c.id == item_id, _items.c.version == seen)
            .values(
                status=status.value, note=note, version=_items.c.version + 1, updated_by=by,
                updated_at=to_db(at),
            )
        )  # fmt: skip
        return result.rowcount == 1
