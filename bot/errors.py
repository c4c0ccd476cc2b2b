"""What a failure means: the one place that decides, for a turn, a delivery or a job, what the
person sees, what is logged, and whether it is tried again.

Transports and storage translate their own exceptions into the few kinds below (the Teams
package turns a Bot Connector 429 into `DeliveryFailed`, storage turns a dropped database
connection into `StorageUnavailable`); everything else is a bug, logged with its traceback.
The callers (the messages endpoint, the outbox dispatcher, the scheduler) only carry out the
`Decision`: none of them decides on its own.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

log = logging.getLogger("bot.errors")

# Between two attempts at a proactive message: 1, 2, 4 … minutes, at most an hour.
MAX_BACKOFF = timedelta(hours=1)


class Undeliverable(Exception):
    """There is no way to reach that person yet (they never opened a chat with the bot):
    wait until they do, then what waited goes out at once."""


class DeliveryFailed(Exception):
    """Teams (or another service) did not take a message: refused, throttled, failed or gone."""

    def __init__(
        self, detail: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.retry_after = retry_after

    @property
    def throttled(self) -> bool:
        return self.status == 429

    @property
    def refused(self) -> bool:
        """The person removed the app or blocked the bot, or the bot lacks a permission:
        trying again soon will not help."""
        return self.status in (401, 403, 404)


class StorageUnavailable(Exception):
    """The database does not answer (down, restarting, out of connections)."""


@dataclass(frozen=True)
class Decision:
    """What to do about one failure."""

    # One line for the log and for the outbox's `last_error`.
    summary: str
    # The catalogue key of what the person is told, if anything.
    tell: str | None = None
    # None: do not try again. Otherwise how long to wait before the next attempt.
    retry_in: timedelta | None = None
    # A bug (an unexpected exception) is logged with its traceback; an expected failure in
    # one line, so a Teams outage does not bury the log under identical tracebacks.
    is_bug: bool = False
    # Nothing is wrong, only not possible yet (a member who never opened a chat): informative.
    routine: bool = False


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third failure; at most an hour."""
    return min(MAX_BACKOFF, timedelta(minutes=2 ** min(attempts, 6)))


def _jittered(delay: timedelta) -> timedelta:
    # Up to 10 % more, so that a thousand postponed messages do not all come back at once.
    return delay * (1 + random.random() / 10)


# How a message held back for someone the bot cannot reach yet is recorded (`last_error`).
NOT_REACHED = "unreachable"


def held_for_reach(last_error: str | None) -> bool:
    """A message waiting because its person never opened a chat with the bot: not a failure
    to retry, it goes by itself once they do."""
    return (last_error or "").startswith(f"{NOT_REACHED}:")


def for_delivery(error: BaseException, attempts: int) -> Decision:
    """A proactive message (reminder, card, escalation) that did not go out. It is always
    tried again later: nothing is lost, and it is marked sent only once Teams took it."""
    if isinstance(error, Undeliverable):
        return Decision(f"{NOT_REACHED}: {error}", retry_in=backoff(attempts), routine=True)
    if isinstance(error, DeliveryFailed):
        wait = backoff(attempts)
        if error.retry_after is not None:
            # Teams said when: not sooner (and at least a second, whatever it said).
            wait = max(timedelta(seconds=error.retry_after), timedelta(seconds=1))
        elif error.refused:
            wait = MAX_BACKOFF
        return Decision(f"{_status(error)}: {error}", retry_in=_jittered(wait))
    if isinstance(error, StorageUnavailable):
        return Decision(f"database unavailable: {error}", retry_in=backoff(attempts))
    return Decision(_bug(error), retry_in=backoff(attempts), is_bug=True)


def unreachable_reason(error: BaseException) -> str | None:
    """Why a person cannot be reached, when the failure says so (a catalogue suffix): they
    never opened a chat with the bot, or Teams refuses messages to them (the app removed, the
    bot blocked). None for a failure that says nothing about the person."""
    if isinstance(error, Undeliverable):
        return "never_installed"
    if isinstance(error, DeliveryFailed) and error.status in (403, 404):
        return "removed_or_blocked"
    return None


def for_turn(error: BaseException) -> Decision:
    """A message or a card action that failed half-way. The person is told in their language
    (when Teams can still carry the answer) and the activity is never remembered as done, so
    Teams' own retry gets a real second attempt."""
    if isinstance(error, StorageUnavailable):
        return Decision(f"database unavailable: {error}", tell="error.unavailable")
    if isinstance(error, DeliveryFailed):
        # The answer itself could not be sent: nothing can reach the person, Teams retries.
        return Decision(f"reply not delivered, {_status(error)}: {error}")
    return Decision(_bug(error), tell="error.generic", is_bug=True)


def for_job(error: BaseException, job: str) -> Decision:
    """A scheduler tick that failed: it runs again at the next tick, which is the retry."""
    if isinstance(error, StorageUnavailable | DeliveryFailed):
        return Decision(f"{job}: {error}")
    return Decision(f"{job}: {_bug(error)}", is_bug=True)


def report(decision: Decision, where: str, error: BaseException) -> None:
    """Logs a decision once, with what identifies the work (activity key, outbox key, job)."""
    if decision.is_bug:
        log.error("%s failed: %s", where, decision.summary, exc_info=error)
    elif decision.routine:
        log.info("%s waits: %s", where, decision.summary)
    else:
        log.warning("%s failed: %s", where, decision.summary)


def _status(error: DeliveryFailed) -> str:
    return f"HTTP {error.status}" if error.status is not None else "no answer"


def _bug(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header in seconds (Teams and Graph send seconds); an HTTP date, rare
    enough, falls back to the caller's own back-off (None)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
