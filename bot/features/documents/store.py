"""Documents and the invitations to the confidential ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.documents import tables
from bot.features.documents.rules import Document, DocumentStatus, StoredIn
from bot.storage.database import from_db, insert_if_absent, to_db, utcnow

_d = tables.documents.c


def _document(row: RowMapping) -> Document:
    return Document(
        id=row["id"],
        name=row["name"],
        meeting_id=row["meeting_id"],
        item=row["item"],
        confidential=bool(row["confidential"]),
        description=row["description"],
        shared_by=row["shared_by"],
        shared_at=from_db(row["shared_at"]),
        status=DocumentStatus(row["status"]),
        stored_in=StoredIn(row["stored_in"]),
        size=row["size"],
        drive_id=row["drive_id"],
        item_id=row["item_id"],
        web_url=row["web_url"],
        attempt=row["attempt"],
    )


class DocumentRepository:
    async def add_draft(
        self,
        conn: AsyncConnection,
        *,
        name: str,
        shared_by: int,
        stored_in: StoredIn,
        source_url: str,
        size: int | None,
        drive_id: str | None = None,
        item_id: str | None = None,
        web_url: str | None = None,
    ) -> int:
        result = await conn.execute(
            insert(tables.documents).values(
                name=name,
                confidential=False,
                description="",
                shared_by=shared_by,
                shared_at=to_db(utcnow()),
                status=DocumentStatus.DRAFT.value,
                stored_in=stored_in.value,
                size=size,
                source_url=source_url,
                drive_id=drive_id,
                item_id=item_id,
                web_url=web_url,
                attempt=0,
            )
        )
        found = result.inserted_primary_key
        assert found is not None
        return int(found[0])

    async def get(self, conn: AsyncConnection, document_id: int) -> Document | None:
        row = (
            (await conn.execute(select(tables.documents).where(_d.id == document_id)))
            .mappings()
            .first()
        )
        return _document(row) if row else None

    async def source_of(self, conn: AsyncConnection, document_id: int) -> tuple[str, str | None]:
        """Where to fetch the file from, and the upload session already open, if any."""
        row = (
            await conn.execute(select(_d.source_url, _d.upload_url).where(_d.id == document_id))
        ).first()
        return (row[0] or "", row[1]) if row else ("", None)

    async def listed(self, conn: AsyncConnection) -> list[Document]:
        """What the committee sees in its lists: stored, or gone from SharePoint since."""
        query = (
            select(tables.documents)
            .where(_d.status.in_([DocumentStatus.READY.value, DocumentStatus.MISSING.value]))
            .order_by(_d.shared_at.desc(), _d.id.desc())
        )
        return [_document(row) for row in (await conn.execute(query)).mappings()]

    async def confidential_in_sharepoint(self, conn: AsyncConnection) -> list[Document]:
        query = select(tables.documents).where(
            _d.status == DocumentStatus.READY.value,
            _d.stored_in == StoredIn.SHAREPOINT.value,
            _d.confidential.is_(True),
        )
        return [_document(row) for row in (await conn.execute(query)).mappings()]

    async def start_upload(
        self,
        conn: AsyncConnection,
        document_id: int,
        member_id: int,
        *,
        meeting_id: int | None,
        item: str | None,
        confidential: bool,
        description: str,
        now: datetime,
    ) -> bool:
        """The sharer's answer: the draft (or a failed upload) becomes an upload. True only
        for the one click that did it: a double click uploads once."""
        result = await conn.execute(
            update(tables.documents)
            .where(
                _d.id == document_id,
                _d.shared_by == member_id,
                _d.status.in_([DocumentStatus.DRAFT.value, DocumentStatus.FAILED.value]),
            )
            .values(
                meeting_id=meeting_id,
                item=item,
                confidential=confidential,
                description=description,
                status=DocumentStatus.UPLOADING.value,
                attempt=_d.attempt + 1,
                started_at=to_db(now),
            )
        )
        return bool(result.rowcount == 1)

    async def take_stalled(
        self, conn: AsyncConnection, document_id: int, started_before: datetime, now: datetime
    ) -> bool:
        """Takes over an upload whose process stopped (its lease ran out): True for one taker."""
        result = await conn.execute(
            update(tables.documents)
            .where(
                _d.id == document_id,
                _d.status == DocumentStatus.UPLOADING.value,
                _d.started_at < to_db(started_before),
            )
            .values(started_at=to_db(now))
        )
        return bool(result.rowcount == 1)

    async def stalled(self, conn: AsyncConnection, started_before: datetime) -> list[int]:
        query = select(_d.id).where(
            _d.status == DocumentStatus.UPLOADING.value,
            or_(_d.started_at.is_(None), _d.started_at < to_db(started_before)),
        )
        return [row[0] for row in await conn.execute(query)]

    async def remember_session(self, conn: AsyncConnection, document_id: int, url: str) -> None:
        await conn.execute(
            update(tables.documents).where(_d.id == document_id).values(upload_url=url)
        )

    async def stored(
        self,
        conn: AsyncConnection,
        document_id: int,
        *,
        name: str,
        size: int | None,
        drive_id: str | None,
        item_id: str | None,
        web_url: str | None,
    ) -> bool:
        result = await conn.execute(
            update(tables.documents)
            .where(_d.id == document_id, _d.status == DocumentStatus.UPLOADING.value)
            .values(
                name=name,
                size=size,
                drive_id=drive_id,
                item_id=item_id,
                web_url=web_url,
                status=DocumentStatus.READY.value,
                source_url=None,
                upload_url=None,
                started_at=None,
            )
        )
        return bool(result.rowcount == 1)

    async def failed(self, conn: AsyncConnection, document_id: int, keep_session: bool) -> bool:
        values: dict[str, Any] = {"status": DocumentStatus.FAILED.value, "started_at": None}
        if not keep_session:
            values["upload_url"] = None
        result = await conn.execute(
            update(tables.documents)
            .where(_d.id == document_id, _d.status == DocumentStatus.UPLOADING.value)
            .values(**values)
        )
        return bool(result.rowcount == 1)

    async def seen_in_library(
        self,
        conn: AsyncConnection,
        document_id: int,
        *,
        name: str | None,
        web_url: str | None,
        missing: bool,
    ) -> None:
        """What SharePoint says now: renamed or moved (a new address), or gone."""
        values: dict[str, Any] = (
            {"status": DocumentStatus.MISSING.value}
            if missing
            else {"status": DocumentStatus.READY.value}
        )
        if name:
            values["name"] = name
        if web_url and not missing:
            values["web_url"] = web_url
        await conn.execute(update(tables.documents).where(_d.id == document_id).values(**values))

    # --- invitations ------------------------------------------------------------------

    async def grants(
        self, conn: AsyncConnection, document_id: int
    ) -> dict[int, tuple[str | None, datetime]]:
        """Member → (the permission Graph gave, or None while being sent; since when)."""
        g = tables.document_grants.c
        query = select(g.member_id, g.permission_id, g.granted_at).where(
            g.document_id == document_id
        )
        return {row[0]: (row[1], from_db(row[2])) for row in await conn.execute(query)}

    async def claim_grant(
        self, conn: AsyncConnection, document_id: int, member_id: int, at: datetime
    ) -> bool:
        return await insert_if_absent(
            conn,
            tables.document_grants,
            {"document_id": document_id, "member_id": member_id, "granted_at": to_db(at)},
        )

    async def granted(
        self, conn: AsyncConnection, document_id: int, member_id: int, permission_id: str
    ) -> None:
        g = tables.document_grants.c
        await conn.execute(
            update(tables.document_grants)
            .where(g.document_id == document_id, g.member_id == member_id)
            .values(permission_id=permission_id)
        )

    async def drop_grant(self, conn: AsyncConnection, document_id: int, member_id: int) -> bool:
        g = tables.document_grants.c
        result = await conn.execute(
            delete(tables.document_grants).where(
                g.document_id == document_id, g.member_id == member_id
            )
        )
        return bool(result.rowcount == 1)
