"""What every loopback service of the tests shares: serving its routes on 127.0.0.1, and
vanishing (connection refused) then coming back on the same port."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def _application(self) -> web.Application:
        raise NotImplementedError

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self._application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def vanish(self) -> None:
        """Unreachable: nothing listens on the port any more (connection refused)."""
        await self.stop()

    async def come_back(self) -> None:
        await self.start(int(self.base_url.rsplit(":", 1)[1]))
