"""The pace of what the bot sends on its own: Teams allows 50 requests a second per app and
tenant (and 7 a second per conversation). One bucket per process; a 429 halves its rate, and
each message Teams takes brings it back up by a tenth, to the configured rate at most.

The bucket never sleeps: it says how long until the next request fits, and the dispatcher
ends its round and comes back then (so the tests' frozen clock needs no sleeping either).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class TokenBucket:
    def __init__(self, per_second: float, clock: Callable[[], datetime]) -> None:
        self._ceiling = per_second
        self._rate = per_second
        self._tokens = per_second
        self._clock = clock
        self._last = clock()

    @property
    def rate(self) -> float:
        return self._rate

    def take(self) -> float:
        """0 when one more request fits now (and counts it); otherwise the seconds to wait."""
        now = self._clock()
        elapsed = max((now - self._last).total_seconds(), 0.0)
        self._tokens = min(self._rate, self._tokens + elapsed * self._rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self._rate

    def slow_down(self) -> None:
        self._rate = max(self._ceiling / 10, self._rate / 2)
        self._tokens = min(self._tokens, self._rate)

    def recover(self) -> None:
        self._rate = min(self._ceiling, self._rate * 1.1)
