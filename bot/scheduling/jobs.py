"""Recurring jobs on an AsyncIOScheduler with an in-memory job store.

What must survive a restart (a reminder due next Tuesday) lives in the database's outbox,
not in APScheduler: its one-off jobs are dropped when missed during downtime, and two
processes sharing a job store would run them twice. APScheduler only ticks; each tick
claims due rows from the outbox in a transaction, so a second process finds nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecurringJob:
    name: str
    every_seconds: int
    run: Callable[[], Awaitable[object]]


def build_scheduler(jobs: list[RecurringJob], timezone: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in jobs:
        scheduler.add_job(
            _logged(job),
            "interval",
            seconds=job.every_seconds,
            id=job.name,
            # A tick that overlaps the previous one is skipped, never run twice in parallel.
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def _logged(job: RecurringJob) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job.run()
        except Exception:
            log.exception("Scheduled job %s failed; it runs again at the next tick", job.name)

    run.__name__ = job.name
    return run
