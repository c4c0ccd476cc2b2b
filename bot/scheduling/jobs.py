"""Recurring jobs on an AsyncIOScheduler with an in-memory job store.

What must survive a restart (a reminder due next Tuesday) lives in the database's outbox,
not in APScheduler: its one-off jobs are dropped when missed during downtime, and two
processes sharing a job store would run them twice. APScheduler only ticks; each tick
claims due rows from the outbox in a transaction, so a second process finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import errors


@dataclass(frozen=True)
class RecurringJob:
    name: str
    every_seconds: int
    run: Callable[[], Awaitable[object]]


def build_scheduler(jobs: list[RecurringJob], timezone: str) -> AsyncIOScheduler:
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise ValueError(f"a recurring job is declared twice: {sorted(names)}")
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
        except Exception as error:
            # The next tick is the retry; what is logged is the error policy's to decide.
            errors.report(errors.for_job(error, job.name), f"scheduled job {job.name}", error)

    run.__name__ = job.name
    return run
