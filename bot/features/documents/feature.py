"""Documents in Teams: a file or link sent in personal chat, placed on one card, stored where
the committee works, announced in the channel, listed by `documents` with *Ouvrir* only for
those who may open it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import DeliveryFailed
from bot.features.context import FeatureContext
from bot.features.documents import cards
from bot.features.documents.ports import NoticeWork
from bot.features.documents.rules import Document, StoredIn
from bot.features.documents.service import (
    CHANNEL_CARD,
    EXPOSED_NOTICE,
    FAILED_NOTICE,
    STORED_NOTICE,
)
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.storage.committee import CommitteeTeam
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card
from bot.teams.platform import Access, Action, Command, FeatureSpec, Turn

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
# What a pasted link to a SharePoint or OneDrive file looks like, lookalikes included
# (`evil-sharepoint.com`): those are answered with why they cannot be shared.
_SHAREPOINT_LINK = re.compile(
    r"https://[^\s/]*(?:sharepoint\.com|onedrive\.live\.com|1drv\.ms)[^\s/]*/\S+",
    re.IGNORECASE,
)
# Personal chat only: a file shared there is the sharer's; a list holds personal links.
MEMBERS_PERSONAL = Access(personal_only=True)
ANYWHERE = Access()


class DocumentsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.documents
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds
        self._clock = kit.clock

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name="documents",
            commands=[
                Command(
                    "documents",
                    "documents",
                    "documents",
                    "command.documents",
                    self.show_list,
                    MEMBERS_PERSONAL,
                    button="button.documents",
                ),
            ],
            actions=[
                Action(cards.SHARE, cards.SharePayload, self.share, MEMBERS_PERSONAL),
                Action(cards.RETRY, cards.DocumentRef, self.retry, MEMBERS_PERSONAL),
                # From the channel's card too: Teams shows the card an invoke returns to the
                # person who clicked only, so a personal link stays theirs.
                Action(cards.OPEN, cards.DocumentRef, self.open, ANYWHERE),
            ],
            on_message=[self.take],
            deliveries={
                CHANNEL_CARD: self._outgoing.to_channel(
                    self._channel_work, self._channel_card, team=lambda found: found[0]
                ),
                **{
                    kind: self._outgoing.to_member(self._service.notice_work, self._notice)
                    for kind in (STORED_NOTICE, FAILED_NOTICE, EXPOSED_NOTICE)
                },
            },
            jobs=[
                RecurringJob("documents.access", self._poll_seconds, self._reconcile),
                RecurringJob("documents.resume", self._poll_seconds, self._service.resume_stalled),
            ],
        )

    async def _reconcile(self) -> None:
        await self._service.reconcile()

    # --- receiving -------------------------------------------------------------------------

    async def take(self, turn: Turn) -> bool:
        """A file attached, or a SharePoint/OneDrive link pasted: the sharer's card."""
        files = [
            a for a in (turn.activity.attachments or []) if a.content_type == FILE_DOWNLOAD_INFO
        ]
        link = _SHAREPOINT_LINK.search(turn.activity.text or "")
        if not files and link is None:
            return False
        if not turn.is_personal:
            await turn.send_text(turn.tr.t("documents.personal_only"))
            return True
        max_mb = self._service.max_bytes // (1024 * 1024)
        if files:
            for attachment in files:
                content: dict[str, Any] = attachment.content or {}
                received = await self._service.receive_file(
                    turn.member,
                    attachment.name or "",
                    str(content.get("downloadUrl", "")),
                    _size(content),
                )
                await self._answer(turn, received.draft_id, received.refusal, max_mb)
            return True
        assert link is not None
        try:
            received = await self._service.receive_link(turn.member, link.group(0))
        except DeliveryFailed:
            await turn.send_card(cards.refused(turn.tr, "documents.link_unreadable"))
            return True
        await self._answer(turn, received.draft_id, received.refusal, max_mb)
        return True

    async def _answer(
        self, turn: Turn, draft_id: int | None, refusal: str | None, max_mb: int
    ) -> None:
        if draft_id is None:
            await turn.send_card(cards.refused(turn.tr, refusal or "error.generic", max_mb))
            return
        draft = await self._service.draft(turn.member, draft_id)
        assert draft is not None
        places = await self._service.places()
        await turn.send_card(cards.share_form(turn.tr, draft, places, self._zone))

    async def share(self, turn: Turn, data: cards.SharePayload) -> Card:
        outcome = await self._service.share(
            turn.member, data.document, data.place, data.confidential == "true", data.description
        )
        draft = await self._service.draft(turn.member, data.document)
        typing_error = outcome.refusal in (
            "documents.refused.place",
            "documents.refused.description",
        )
        if typing_error and draft is not None and outcome.refusal is not None:
            places = await self._service.places()
            return cards.share_form(
                turn.tr, draft, places, self._zone, typed=data, errors=[turn.tr.t(outcome.refusal)]
            )
        if outcome.refusal is not None or draft is None:
            return cards.refused(turn.tr, outcome.refusal or "documents.refused.not_yours")
        return cards.uploading(turn.tr, draft)

    async def retry(self, turn: Turn, data: cards.DocumentRef) -> Card:
        outcome = await self._service.retry(turn.member, data.document)
        draft = await self._service.draft(turn.member, data.document)
        if outcome.refusal is not None or draft is None:
            return cards.refused(turn.tr, outcome.refusal or "documents.refused.not_yours")
        return cards.uploading(turn.tr, draft)

    # --- opening ---------------------------------------------------------------------------

    async def show_list(self, turn: Turn) -> None:
        listed = await self._service.listed_for(turn.member)
        await turn.send_card(cards.documents_list(turn.tr, listed, self._zone))

    async def open(self, turn: Turn, data: cards.DocumentRef) -> Card:
        document = await self._service.document(data.document)
        if document is None:
            return cards.refused(turn.tr, "documents.unknown")
        denial = await self._service.denial_for(turn.member, document)
        url = self._service.open_url(document, turn.member, self._clock())
        return cards.open_card(turn.tr, document, url, denial)

    # --- on its own ------------------------------------------------------------------------

    def _tr(self, locale: str | None) -> Translator:
        return self._catalogues.for_locale(locale, self._default_locale)

    def _public_url(self, document: Document) -> str | None:
        """The address the channel card may show to everyone: SharePoint lets in only those
        entitled; a local file or a confidential bare link is asked for person by person."""
        if document.stored_in is StoredIn.SHAREPOINT:
            return document.web_url
        if document.stored_in is StoredIn.LINK and not document.confidential:
            return document.web_url
        return None

    async def _channel_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> tuple[CommitteeTeam, NoticeWork] | None:
        team = await self._service.channel_team(conn, message)
        work = await self._service.notice_work(conn, message)
        return (team, work) if team is not None and work is not None else None

    def _channel_card(
        self, tr: Translator, found: tuple[CommitteeTeam, NoticeWork], _: OutboxMessage
    ) -> Card:
        work = found[1]
        url = self._public_url(work.document)
        return cards.channel_card(tr, work.document, work.meeting, work.shared_by, self._zone, url)

    def _notice(self, tr: Translator, work: NoticeWork, message: OutboxMessage) -> Card:
        if message.kind == STORED_NOTICE:
            url = self._service.open_url(work.document, work.member, self._clock())
            return cards.stored(
                tr, work.document, work.meeting, self._zone, url, announced=work.announced
            )
        if message.kind == EXPOSED_NOTICE:
            return cards.exposed(tr, work.document)
        reason = str(message.payload.get("reason", "documents.failed.unavailable"))
        return cards.failed(tr, work.document, reason, self._service.max_bytes // (1024 * 1024))


def _size(content: dict[str, Any]) -> int | None:
    value = content.get("size") or content.get("fileSize")
    return value if isinstance(value, int) else None
