"""Files the bot hands to a person through Teams' file consent (CSV exports, invitations).

The feature declares a `FileOffer`; `FileConsents.offer` sends the consent card whose context
names that offer, and Teams' `fileConsent/invoke` comes back here, routed by that context to
the offer that asked, checked against the offer's access rule, then uploaded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory
from botbuilder.schema import Attachment
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import DeliveryFailed
from bot.teams.platform import FileOffer, Registry, Turn

log = logging.getLogger(__name__)

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


class FileGone(LookupError):
    """An offer's file cannot be produced: what its parameters name does not exist."""


class _UploadInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    uploadUrl: str = ""
    contentUrl: str = ""
    uniqueId: str | None = None
    fileType: str | None = None


class _Consent(BaseModel):
    """What Teams sends back when the person accepts or declines the file."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["accept", "decline"]
    context: dict[str, Any] = {}
    uploadInfo: _UploadInfo = _UploadInfo()


def may_upload_to(upload_url: str, service_url: str) -> bool:
    """Teams hands out an HTTPS upload session; plain HTTP only on the very host of the
    authenticated channel that sent the invoke (a loopback connector, in tests)."""
    target, channel = urlsplit(upload_url), urlsplit(service_url)
    if target.scheme == "https":
        return True
    return target.scheme == "http" and (target.hostname, target.port) == (
        channel.hostname,
        channel.port,
    )


class FileConsents:
    def __init__(self, registry: Registry, session: aiohttp.ClientSession) -> None:
        self._registry = registry
        self._session = session

    async def offer(self, turn: Turn, key: str, params: Mapping[str, str] | None = None) -> None:
        """Asks the person where to put the file (Teams shows its consent card). `params`
        come back with the answer: the offer checks them again, they are the person's."""
        try:
            produced = await self._registry.files[key].produce(turn, dict(params or {}))
        except FileGone:
            # What the button named (a round, a meeting) is not there: said, not a failure.
            await turn.send_text(turn.tr.t("file.unknown"))
            return
        context = {"offer": key, "locale": turn.tr.locale, "params": dict(params or {})}
        consent = Attachment(
            content_type=FILE_CONSENT,
            name=produced.name,
            content={
                "description": produced.description,
                "sizeInBytes": len(produced.content),
                "acceptContext": context,
                "declineContext": context,
            },
        )
        await turn.context.send_activity(MessageFactory.attachment(consent))

    async def answer(self, turn: Turn) -> InvokeResponse:
        try:
            consent = _Consent.model_validate(turn.activity.value)
        except ValidationError:
            return InvokeResponse(status=400)
        if consent.action == "accept" and not may_upload_to(
            consent.uploadInfo.uploadUrl, turn.activity.service_url or ""
        ):
            # Never send a member list in clear text, nor to a host Teams did not name.
            return InvokeResponse(status=400)
        offer = self._registry.files.get(str(consent.context.get("offer", "")))
        if offer is None:
            await turn.send_text(turn.tr.t("file.unknown"))
            return InvokeResponse(status=200)
        refusal = offer.access.refusal(turn.member, turn.is_personal)
        if refusal is not None:
            await turn.send_text(turn.tr.t(refusal))
            return InvokeResponse(status=200)
        if consent.action == "decline":
            await turn.send_text(turn.tr.t("file.declined"))
            return InvokeResponse(status=200)
        try:
            await self._upload(turn, offer, consent)
        except DeliveryFailed as error:
            # Expected, not a bug: the person can press the export button again.
            log.warning("File %s not uploaded: %s", offer.key, error)
            await turn.send_text(turn.tr.t("file.upload_failed"))
        except FileGone:
            # What the consent named (its parameters come back from the client) is not there.
            await turn.send_text(turn.tr.t("file.unknown"))
        return InvokeResponse(status=200)

    async def _upload(self, turn: Turn, offer: FileOffer, consent: _Consent) -> None:
        upload = consent.uploadInfo
        raw = consent.context.get("params")
        params = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        produced = await offer.produce(turn, params)
        size = len(produced.content)
        headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
        try:
            async with self._session.put(
                upload.uploadUrl, data=produced.content, headers=headers
            ) as response:
                if response.status >= 300:
                    raise DeliveryFailed("OneDrive refused the upload", status=response.status)
        except aiohttp.ClientError as error:
            raise DeliveryFailed(f"OneDrive unreachable: {error}") from error
        info = Attachment(
            content_type=FILE_INFO,
            name=upload.name or produced.name,
            content_url=upload.contentUrl,
            content={
                "uniqueId": upload.uniqueId,
                "fileType": upload.fileType or produced.name.rsplit(".", 1)[-1],
            },
        )
        await turn.context.send_activity(MessageFactory.attachment(info))
