"""botbuilder `Storage` on the bot's own database, so state survives a restart."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from botbuilder.core import Storage
from sqlalchemy import delete, insert, select, update

from bot.storage import tables
from bot.storage.database import Database, to_db, utcnow


class SqlStorage(Storage):  # type: ignore[misc]
    """JSON documents with an e-tag; a stale write raises KeyError as MemoryStorage does."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._db = database

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(
                    tables.bot_state.c.key, tables.bot_state.c.document, tables.bot_state.c.etag
                ).where(tables.bot_state.c.key.in_(keys))
            )
            found: dict[str, Any] = {}
            for row in rows:
                document = json.loads(row.document)
                document["e_tag"] = row.etag
                found[row.key] = document
        return found

    async def write(self, changes: Mapping[str, Any]) -> None:
        if changes is None:
            raise ValueError("Changes are required when writing")
        async with self._db.transaction() as conn:
            for key, change in changes.items():
                document = dict(change) if isinstance(change, Mapping) else dict(vars(change))
                expected = document.pop("e_tag", None)
                current = (
                    await conn.execute(
                        select(tables.bot_state.c.etag).where(tables.bot_state.c.key == key)
                    )
                ).scalar_one_or_none()
                if current is not None and expected not in (None, "*") and expected != current:
                    raise KeyError(f"E-tag conflict on {key}")
                values = {
                    "document": json.dumps(document, default=str),
                    "etag": uuid.uuid4().hex,
                    "updated_at": to_db(utcnow()),
                }
                if current is None:
                    await conn.execute(insert(tables.bot_state).values(key=key, **values))
                else:
                    await conn.execute(
                        update(tables.bot_state)
                        .where(tables.bot_state.c.key == key)
                        .values(**values)
                    )

    async def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        async with self._db.transaction() as conn:
            await conn.execute(delete(tables.bot_state).where(tables.bot_state.c.key.in_(keys)))
