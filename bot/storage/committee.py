"""Where the committee lives in Teams: its team and the channel the bot posts to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables
from bot.storage.database import to_db, utcnow

_ONLY = "committee"


@dataclass(frozen=True)
class CommitteeTeam:
    team_id: str
    group_id: str | None
    team_name: str | None
    channel_id: str
    reference: dict[str, Any]
    installed_by: str


class CommitteeTeamRepository:
    async def get(self, conn: AsyncConnection) -> CommitteeTeam | None:
        row = (
            (
                await conn.execute(
                    select(tables.committee_team).where(tables.committee_team.c.key == _ONLY)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return CommitteeTeam(
            row["team_id"],
            row["group_id"],
            row["team_name"],
            row["channel_id"],
            json.loads(row["reference"]),
            row["installed_by"],
        )

    async def learn(self, conn: AsyncConnection, team: CommitteeTeam) -> None:
        """The latest install wins: the committee may move to a new team."""
        await conn.execute(
            delete(tables.committee_team).where(tables.committee_team.c.key == _ONLY)
        )
        await conn.execute(
            insert(tables.committee_team).values(
                key=_ONLY,
                team_id=team.team_id,
                group_id=team.group_id,
                team_name=team.team_name,
                channel_id=team.channel_id,
                reference=json.dumps(team.reference, sort_keys=True),
                installed_by=team.installed_by,
                learned_at=to_db(utcnow()),
            )
        )
