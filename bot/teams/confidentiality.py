"""The confidentiality commitment in Teams: commands, card actions, follow-ups, CSV export."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.confidentiality import CommitmentTextError, Refusal, Stage
from bot.locale import Catalogues
from bot.scheduling.jobs import RecurringJob
from bot.services.confidentiality import (
    ESCALATION_NOTICE,
    KIND_PREFIX,
    ConfidentialityService,
    PublishConflict,
    explain_text_error,
)
from bot.services.outbox import FANNED_OUT, SENT, SKIPPED
from bot.storage.outbox import OutboxMessage
from bot.teams import confidentiality_cards as cards
from bot.teams.cards import Card, as_message
from bot.teams.delivery import ProactiveMessenger
from bot.teams.files import FileConsents
from bot.teams.platform import (
    MEMBERS,
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    FileOffer,
    GeneratedFile,
    NoData,
    Turn,
)

REPORT = "confidentiality.report"


class ConfidentialityFeature:
    def __init__(
        self,
        service: ConfidentialityService,
        messenger: ProactiveMessenger,
        files: FileConsents,
        catalogues: Catalogues,
        default_locale: str,
        zone: ZoneInfo,
        poll_seconds: int,
    ) -> None:
        self._service = service
        self._messenger = messenger
        self._files = files
        self._catalogues = catalogues
        self._default_locale = default_locale
        self._zone = zone
        self._poll_seconds = poll_seconds

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name="confidentiality",
            commands=[
                Command(
                    "confidentiality",
                    "confidentialité",
                    "confidentiality",
                    "command.confidentiality",
                    self.show,
                    button="button.my_commitment",
                ),
                Command(
                    "confidentiality_status",
                    "confidentialité statut",
                    "confidentiality status",
                    "command.confidentiality_status",
                    self.show_status,
                    SECRETARIAT_PERSONAL,
                    button="button.status",
                ),
                Command(
                    "confidentiality_publish",
                    "confidentialité publier",
                    "confidentiality publish",
                    "command.confidentiality_publish",
                    self.show_publish_form,
                    SECRETARIAT_PERSONAL,
                    button="button.publish",
                ),
            ],
            actions=[
                Action(cards.ACCEPT, cards.AcceptPayload, self.accept, MEMBERS),
                Action(cards.VIEW, NoData, self.view, MEMBERS),
                Action(cards.PUBLISH, cards.PublishPayload, self.publish, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, NoData, self.export, SECRETARIAT_PERSONAL),
                Action(cards.TABLE, NoData, self.table, SECRETARIAT_PERSONAL),
            ],
            files=[FileOffer(REPORT, self.report, SECRETARIAT_PERSONAL)],
            deliveries={
                **{KIND_PREFIX + stage.value: self.deliver_follow_up for stage in Stage},
                ESCALATION_NOTICE: self.deliver_escalation_notice,
            },
            # New members and renewed mandates are found here; the outbox then sends.
            jobs=[
                RecurringJob(
                    "confidentiality.plan-follow-ups",
                    self._poll_seconds,
                    self._service.plan_follow_ups,
                )
            ],
        )

    # --- what a member does ------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        """The current text and the member's own status."""
        if turn.is_personal:
            await turn.send_card(await self._my_card(turn))
            return
        current = await self._service.current()
        if current is None:
            await turn.send_card(cards.nothing_published(turn.tr))
            return
        # A channel card is seen by everyone: each viewer's Teams asks for their own version.
        members = await self._viewer_ids()
        await turn.send_card(cards.in_channel(turn.tr, current, members))

    async def view(self, turn: Turn, _data: NoData) -> Card:
        return await self._my_card(turn)

    async def _my_card(self, turn: Turn) -> Card:
        status = await self._service.status_of(turn.member)
        if status.current is None:
            return cards.nothing_published(turn.tr)
        return cards.commitment(turn.tr, status.current, status.accepted, self._zone)

    async def accept(self, turn: Turn, data: cards.AcceptPayload) -> Card:
        # Answer in the language the card was read in; who is accepting comes from the activity.
        if data.language in self._catalogues.all:
            turn = replace(turn, tr=self._catalogues.all[str(data.language)])
        outcome = await self._service.accept(
            turn.member, data.version, turn.tr.locale, turn.activity.id or ""
        )
        if outcome.kind in ("accepted", "already") and outcome.current and outcome.acceptance:
            return cards.accepted(turn.tr, outcome.current, outcome.acceptance, self._zone)
        if outcome.refusal is Refusal.STALE_VERSION and outcome.current:
            # Nothing recorded for the old version: show the current one to read and accept.
            status = await self._service.status_of(turn.member)
            notice = turn.tr.t("confidentiality.refused.stale", number=outcome.current.number)
            return cards.commitment(
                turn.tr, outcome.current, status.accepted, self._zone, notice=notice
            )
        return cards.refused(turn.tr, outcome.refusal.value if outcome.refusal else "error.generic")

    # --- what the secretariat does -------------------------------------------------------

    async def show_status(self, turn: Turn) -> None:
        await turn.send_card(await self.table(turn, NoData()))

    async def table(self, turn: Turn, _data: NoData) -> Card:
        current, rows = await self._service.status_rows()
        return cards.status_table(turn.tr, current, rows, self._zone)

    async def show_publish_form(self, turn: Turn) -> None:
        await turn.send_card(cards.publish_form(turn.tr))

    async def publish(self, turn: Turn, data: cards.PublishPayload) -> Card:
        try:
            version = await self._service.publish(data.text_fr, data.text_en, turn.member.email)
        except CommitmentTextError as error:
            message = explain_text_error(turn.tr, error)
            return cards.publish_form(
                turn.tr, error=message, text_fr=data.text_fr, text_en=data.text_en
            )
        except PublishConflict:
            message = turn.tr.t("confidentiality.error.conflict")
            return cards.publish_form(
                turn.tr, error=message, text_fr=data.text_fr, text_en=data.text_en
            )
        _, rows = await self._service.status_rows()
        return cards.published(turn.tr, version, sum(1 for r in rows if r.pending))

    async def export(self, turn: Turn, _data: NoData) -> Card:
        """Offers the CSV as a file: Teams asks the person where to put it (file consent)."""
        await self._files.offer(turn, REPORT)
        return await self.table(turn, NoData())

    async def report(self, turn: Turn) -> GeneratedFile:
        return GeneratedFile(
            turn.tr.t("confidentiality.csv_name"),
            turn.tr.t("confidentiality.csv_description"),
            await self._service.csv_report(turn.tr),
        )

    # --- what the bot does on its own ----------------------------------------------------

    async def deliver_follow_up(self, conn: AsyncConnection, message: OutboxMessage) -> str:
        follow_up = await self._service.follow_up_for(conn, message)
        if follow_up is None:
            return SKIPPED
        if follow_up.stage is Stage.ESCALATION:
            # One card per secretariat member listing everyone overdue, each its own outbox
            # row: a member of the secretariat Teams cannot reach does not hold up the others,
            # and one who got it is never sent it again when another's send is retried.
            overdue, covered = await self._service.escalations_due_with(conn, message)
            if not await self._service.plan_escalation_notices(conn, message, overdue):
                return SKIPPED
            await self._service.mark_covered(conn, covered, FANNED_OUT)
            return FANNED_OUT
        member = follow_up.member
        tr = self._catalogues.for_locale(member.preferred_locale, self._default_locale)
        if follow_up.stage is Stage.REMINDER:
            card = cards.reminder(tr, follow_up.version, follow_up.days, self._zone)
        else:
            card = cards.commitment(tr, follow_up.version, None, self._zone)
        await self._messenger.send(conn, member, as_message(card))
        return SENT

    async def deliver_escalation_notice(self, conn: AsyncConnection, message: OutboxMessage) -> str:
        notice = await self._service.escalation_notice_for(conn, message)
        if notice is None:
            return SKIPPED
        tr = self._catalogues.for_locale(notice.recipient.preferred_locale, self._default_locale)
        card = cards.escalation(tr, notice.version, notice.overdue, notice.days)
        await self._messenger.send(conn, notice.recipient, as_message(card))
        return SENT

    async def _viewer_ids(self) -> list[str]:
        _, rows = await self._service.status_rows()
        return [row.member.teams_user_id for row in rows if row.member.teams_user_id]
