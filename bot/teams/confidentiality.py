"""The confidentiality commitment in Teams: commands, card actions, follow-ups, CSV export."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory
from botbuilder.schema import Attachment
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.confidentiality import CommitmentTextError, Refusal, Stage
from bot.locale import Catalogues
from bot.services.confidentiality import (
    KIND_PREFIX,
    ConfidentialityService,
    PublishConflict,
    explain_text_error,
)
from bot.services.outbox import SENT, SKIPPED, OutboxDispatcher, Undeliverable
from bot.storage.outbox import OutboxMessage
from bot.teams import confidentiality_cards as cards
from bot.teams.bot import CommitteeBot, Turn, as_message
from bot.teams.cards import Card
from bot.teams.proactive import ProactiveMessenger

log = logging.getLogger(__name__)

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def _may_upload_to(upload_url: str, service_url: str) -> bool:
    """Teams hands out an HTTPS upload session; plain HTTP only on the very host of the
    authenticated channel that sent the invoke (a loopback connector, in tests)."""
    target, channel = urlsplit(upload_url), urlsplit(service_url)
    if target.scheme == "https":
        return True
    return target.scheme == "http" and (target.hostname, target.port) == (
        channel.hostname,
        channel.port,
    )


def _is_personal(turn: Turn) -> bool:
    return (turn.activity.conversation.conversation_type or "personal") == "personal"


class ConfidentialityDialogs:
    def __init__(
        self,
        service: ConfidentialityService,
        messenger: ProactiveMessenger,
        catalogues: Catalogues,
        default_locale: str,
        zone: ZoneInfo,
        session: aiohttp.ClientSession,
    ) -> None:
        self._service = service
        self._messenger = messenger
        self._catalogues = catalogues
        self._default_locale = default_locale
        self._zone = zone
        self._session = session

    def install(self, bot: CommitteeBot, dispatcher: OutboxDispatcher) -> None:
        bot.add_command("confidentiality", self.show)
        bot.add_command("confidentiality_status", self.show_status)
        bot.add_command("confidentiality_publish", self.show_publish_form)
        bot.add_action(cards.ACCEPT, self.accept)
        bot.add_action(cards.VIEW, self.view)
        bot.add_action(cards.PUBLISH, self.publish)
        bot.add_action(cards.EXPORT, self.export)
        bot.add_action(cards.TABLE, self.table)
        bot.add_invoke("fileConsent/invoke", self.upload_report)
        for stage in Stage:
            dispatcher.register(KIND_PREFIX + stage.value, self.deliver_follow_up)

    # --- what a member does ------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        """The current text and the member's own status."""
        if _is_personal(turn):
            await turn.send_card(await self._my_card(turn))
            return
        current = await self._service.current()
        if current is None:
            await turn.send_card(cards.nothing_published(turn.tr))
            return
        # A channel card is seen by everyone: each viewer's Teams asks for their own version.
        members = await self._viewer_ids()
        await turn.send_card(cards.in_channel(turn.tr, current, members))

    async def view(self, turn: Turn, _data: Mapping[str, Any]) -> Card:
        return await self._my_card(turn)

    async def _my_card(self, turn: Turn) -> Card:
        status = await self._service.status_of(turn.member)
        if status.current is None:
            return cards.nothing_published(turn.tr)
        return cards.commitment(turn.tr, status.current, status.accepted, self._zone)

    async def accept(self, turn: Turn, data: Mapping[str, Any]) -> Card:
        shown = data.get("version")
        version_shown = shown if isinstance(shown, int) else None
        # Answer in the language the card was read in; who is accepting comes from the activity.
        language = data.get("language")
        if language in self._catalogues.all:
            turn = replace(turn, tr=self._catalogues.all[str(language)])
        outcome = await self._service.accept(
            turn.member, version_shown, turn.tr.locale, turn.activity.id or ""
        )
        if outcome.kind in ("accepted", "already") and outcome.current and outcome.acceptance:
            return cards.accepted(turn.tr, outcome.current, outcome.acceptance, self._zone)
        if (
            outcome.refusal is not None
            and outcome.refusal is Refusal.STALE_VERSION
            and outcome.current
        ):
            # Nothing recorded for the old version: show the current one to read and accept.
            status = await self._service.status_of(turn.member)
            notice = turn.tr.t("confidentiality.refused.stale", number=outcome.current.number)
            return cards.commitment(
                turn.tr, outcome.current, status.accepted, self._zone, notice=notice
            )
        return cards.refused(turn.tr, outcome.refusal.value if outcome.refusal else "error.generic")

    # --- what the secretariat does -------------------------------------------------------

    async def show_status(self, turn: Turn) -> None:
        if not _is_personal(turn):
            await turn.send_text(turn.tr.t("personal.only"))
            return
        current, rows = await self._service.status_rows()
        await turn.send_card(cards.status_table(turn.tr, current, rows, self._zone))

    async def table(self, turn: Turn, _data: Mapping[str, Any]) -> Card:
        if not turn.member.is_secretariat:
            return cards.refused(turn.tr, "secretariat.only")
        current, rows = await self._service.status_rows()
        return cards.status_table(turn.tr, current, rows, self._zone)

    async def show_publish_form(self, turn: Turn) -> None:
        if not _is_personal(turn):
            await turn.send_text(turn.tr.t("personal.only"))
            return
        await turn.send_card(cards.publish_form(turn.tr))

    async def publish(self, turn: Turn, data: Mapping[str, Any]) -> Card:
        if not turn.member.is_secretariat:
            return cards.refused(turn.tr, "secretariat.only")
        text_fr = str(data.get("text_fr") or "")
        text_en = str(data.get("text_en") or "")
        try:
            version = await self._service.publish(text_fr, text_en, turn.member.email)
        except CommitmentTextError as error:
            message = explain_text_error(turn.tr, error)
            return cards.publish_form(turn.tr, error=message, text_fr=text_fr, text_en=text_en)
        except PublishConflict:
            message = turn.tr.t("confidentiality.error.conflict")
            return cards.publish_form(turn.tr, error=message, text_fr=text_fr, text_en=text_en)
        _, rows = await self._service.status_rows()
        return cards.published(turn.tr, version, sum(1 for r in rows if r.pending))

    async def export(self, turn: Turn, _data: Mapping[str, Any]) -> Card:
        """Offers the CSV as a file: Teams asks the person where to put it (file consent)."""
        if not turn.member.is_secretariat:
            return cards.refused(turn.tr, "secretariat.only")
        if not _is_personal(turn):
            return cards.refused(turn.tr, "personal.only")
        current, rows = await self._service.status_rows()
        table = cards.status_table(turn.tr, current, rows, self._zone)
        report = await self._service.csv_report(turn.tr)
        consent = Attachment(
            content_type=FILE_CONSENT,
            name=turn.tr.t("confidentiality.csv_name"),
            content={
                "description": turn.tr.t("confidentiality.csv_description"),
                "sizeInBytes": len(report),
                "acceptContext": {"report": "confidentiality", "locale": turn.tr.locale},
                "declineContext": {"report": "confidentiality", "locale": turn.tr.locale},
            },
        )
        await turn.context.send_activity(MessageFactory.attachment(consent))
        return table

    async def upload_report(self, turn: Turn) -> InvokeResponse:
        raw = turn.activity.value
        value: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if not turn.member.is_secretariat:
            await turn.send_text(turn.tr.t("secretariat.only"))
            return InvokeResponse(status=200)
        if value.get("action") != "accept":
            await turn.send_text(turn.tr.t("confidentiality.csv_declined"))
            return InvokeResponse(status=200)
        upload_info = value.get("uploadInfo")
        upload: dict[str, Any] = upload_info if isinstance(upload_info, dict) else {}
        upload_url = str(upload.get("uploadUrl") or "")
        if not _may_upload_to(upload_url, turn.activity.service_url or ""):
            return InvokeResponse(status=400)
        report = await self._service.csv_report(turn.tr)
        headers = {
            "Content-Length": str(len(report)),
            "Content-Range": f"bytes 0-{len(report) - 1}/{len(report)}",
        }
        async with self._session.put(upload_url, data=report, headers=headers) as response:
            if response.status >= 300:
                log.warning("Teams refused the CSV upload: %s", response.status)
                await turn.send_text(turn.tr.t("error.generic"))
                return InvokeResponse(status=200)
        info = Attachment(
            content_type=FILE_INFO,
            name=str(upload.get("name") or turn.tr.t("confidentiality.csv_name")),
            content_url=str(upload.get("contentUrl") or ""),
            content={
                "uniqueId": upload.get("uniqueId"),
                "fileType": upload.get("fileType") or "csv",
            },
        )
        await turn.context.send_activity(MessageFactory.attachment(info))
        return InvokeResponse(status=200)

    # --- what the bot does on its own ----------------------------------------------------

    async def deliver_follow_up(self, conn: AsyncConnection, message: OutboxMessage) -> str:
        follow_up = await self._service.follow_up_for(conn, message)
        if follow_up is None:
            return SKIPPED
        if follow_up.stage is Stage.ESCALATION:
            return await self._escalate(conn, message)
        member = follow_up.member
        tr = self._catalogues.for_locale(member.preferred_locale, self._default_locale)
        if follow_up.stage is Stage.REMINDER:
            card = cards.reminder(tr, follow_up.version, follow_up.days, self._zone)
        else:
            card = cards.commitment(tr, follow_up.version, None, self._zone)
        await self._messenger.send(conn, member, as_message(card))
        return SENT

    async def _escalate(self, conn: AsyncConnection, first: OutboxMessage) -> str:
        """One card to each secretariat member listing everyone overdue, not one per person."""
        overdue, covered = await self._service.escalations_due_with(conn, first)
        if not overdue:
            return SKIPPED
        delivered = 0
        for person in await self._service.secretariat(conn):
            tr = self._catalogues.for_locale(person.preferred_locale, self._default_locale)
            card = cards.escalation(
                tr, overdue[0].version, [f.member for f in overdue], overdue[0].days
            )
            try:
                await self._messenger.send(conn, person, as_message(card))
                delivered += 1
            except Undeliverable:
                continue
        if not delivered:
            raise Undeliverable("no secretariat member can be reached yet")
        await self._service.mark_covered(conn, covered, SENT)
        return SENT

    async def _viewer_ids(self) -> list[str]:
        _, rows = await self._service.status_rows()
        return [row.member.teams_user_id for row in rows if row.member.teams_user_id]
