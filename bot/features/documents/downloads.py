"""Local mode's document downloads: `/documents/{id}?m=MEMBER&e=EXPIRES&s=SIGNATURE`.

A link is personal (it names the member it was made for), signed (HMAC-SHA-256 with
`DOCUMENTS_LINK_SECRET`), and expires (`DOCUMENTS_LINK_MINUTES`). Each download checks the
same gate as the list, now: a link made before a conflict was declared or a mandate ended no
longer opens. A refusal is a 403 with a short page in French and English, never a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from urllib.parse import quote

from aiohttp import web

from bot.features.documents.rules import Denial, link_is_genuine
from bot.features.documents.service import DocumentsService
from bot.locale import ENGLISH, FRENCH, Catalogues

# Types a browser may show in place under the sandbox below (a PDF viewer refuses to run
# sandboxed, so a PDF is downloaded like everything else).
_INLINE = {"png", "jpg", "jpeg", "gif", "webp", "txt"}


class DocumentDownloads:
    def __init__(
        self,
        service: DocumentsService,
        catalogues: Catalogues,
        clock: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._catalogues = catalogues
        self._clock = clock

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            document_id = int(request.match_info["document"])
            member_id = int(request.query.get("m", ""))
            expires = int(request.query.get("e", ""))
        except ValueError:
            return self._refused("documents.link.invalid")
        signature = request.query.get("s", "")
        links = self._service.links
        if not link_is_genuine(links.secret, document_id, member_id, expires, signature):
            return self._refused("documents.link.invalid")
        if self._clock().timestamp() > expires:
            return self._refused("documents.link.expired")
        found = await self._service.download(document_id, member_id)
        if isinstance(found, Denial):
            return self._refused(found.value)
        document, path = found
        if not path.exists():
            return self._refused("documents.missing", status=404)
        extension = document.name.rsplit(".", 1)[-1].lower()
        disposition = "inline" if extension in _INLINE else "attachment"
        return web.FileResponse(
            path,
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.name)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
                # A document never runs script in the bot's origin (an HTML or SVG renamed).
                "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
            },
        )

    def _refused(self, key: str, status: int = 403) -> web.Response:
        french, english = self._catalogues.all[FRENCH], self._catalogues.all[ENGLISH]
        page = (
            '<!doctype html><html lang="fr-CA"><head><meta charset="utf-8">'
            f"<title>{escape(french.t('documents.link.title'))}</title></head><body>"
            f"<h1>{escape(french.t('documents.link.title'))}</h1>"
            f"<p>{escape(french.t(key))}</p>"
            f'<h1 lang="en">{escape(english.t("documents.link.title"))}</h1>'
            f'<p lang="en">{escape(english.t(key))}</p></body></html>'
        )
        return web.Response(
            status=status,
            text=page,
            content_type="text/html",
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )
