"""Serving the app: aiohttp's runner, with a deadline for a connection to say what it wants.

aiohttp waits for request headers as long as a client cares to send them: thousands of
connections trickling a byte at a time stay open for ever. Here a connection that has not
sent complete request headers within `HEADERS_WITHIN` seconds of opening is closed, and an
idle kept-alive connection is closed after `KEEPALIVE_SECONDS`. Teams sends a whole request
at once; nothing it does comes near either limit.
"""

from __future__ import annotations

import asyncio
import ctypes
from typing import Any, cast

from aiohttp import web

HEADERS_WITHIN = 10.0
KEEPALIVE_SECONDS = 75.0
READ_BUFFER_BYTES = 16 * 1024


def return_freed_memory() -> None:
    """Hands memory freed after a burst (thousands of refused connections) back to the system.

    CPython frees the objects, but glibc keeps the pages for reuse, so the process would stay
    at its peak for ever; `malloc_trim` gives them back. A no-op where glibc is not."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


class _HeadersDeadline(asyncio.Protocol):
    """Stands in front of aiohttp's protocol for one connection: closes it unless its first
    request's headers (up to the blank line) arrive in time. Everything else is aiohttp's."""

    def __init__(self, inner: Any, within: float) -> None:
        self._inner = inner
        self._within = within
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.BaseTransport | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._timer = asyncio.get_running_loop().call_later(self._within, self._too_slow)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            # Only the last three bytes of the previous chunk are kept to find the blank line.
            if b"\r\n\r\n" in self._tail + data:
                self._stop_timer()
            else:
                self._tail = (self._tail + data)[-3:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self._inner.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def _too_slow(self) -> None:
        self._timer = None
        if self._transport is not None:
            self._transport.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _ServerWithDeadline:
    """aiohttp's Server, each connection's protocol wrapped in `_HeadersDeadline`."""

    def __init__(self, server: web.Server, within: float) -> None:
        self._server = server
        self._within = within

    def __call__(self) -> _HeadersDeadline:
        return _HeadersDeadline(self._server(), self._within)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class GuardedAppRunner(web.AppRunner):
    def __init__(
        self, app: web.Application, *, headers_within: float = HEADERS_WITHIN, **kwargs: Any
    ) -> None:
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_SECONDS)
        # No access log: a line per request is Teams' traffic twice over, and under a flood
        # of refused connections its formatting is a good part of each one's cost.
        kwargs.setdefault("access_log", None)
        # What aiohttp buffers per connection before pausing it (twice this): a body we refuse
        # on its headers costs this much at most, and a Teams activity still reads in a few.
        kwargs.setdefault("read_bufsize", READ_BUFFER_BYTES)
        super().__init__(app, **kwargs)
        self._headers_within = headers_within

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return cast(web.Server, _ServerWithDeadline(server, self._headers_within))
