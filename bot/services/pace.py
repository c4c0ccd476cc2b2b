"""The pace of what the bot sends on its own: Teams allows 50 requests a second per app and
tenant (and 7 a second per conversation). One bucket per process; a 429 halves its rate, and
each message Teams takes brings it back up by a tenth, to the configured rate at most.

The bucket runs on real time (Teams counts real seconds): it says how long until the next
request fits, a fraction of a second, and the dispatcher waits that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, per_second: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        # Teams counts requests in any one second: a burst (a twenty-fifth of the limit) plus
        # a second of refill must stay within it, with half a request to spare, since
        # requests reach Teams a little unevenly (the fiftieth must not become the 51st).
        self._burst = max(1.0, per_second / 25)
        self._ceiling = max(per_second - self._burst - 0.5, 1.0)
        self._rate = self._ceiling
        self._tokens = self._burst
        self._monotonic = monotonic
        self._last = monotonic()

    @property
    def rate(self) -> float:
        return self._rate

    def take(self) -> float:
        """0 when one more request fits now (and counts it); otherwise the seconds to wait."""
        now = self._monotonic()
        elapsed = max(now - self._last, 0.0)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self._rate

    def slow_down(self) -> None:
        self._rate = max(self._ceiling / 10, self._rate / 2)

    def recover(self) -> None:
        self._rate = min(self._ceiling, self._rate * 1.1)
