"""The confidentiality commitment in Teams: commands, card actions, follow-ups, CSV export."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.confidentiality import cards
from bot.features.confidentiality.rules import CommitmentTextError, Refusal, Stage
from bot.features.confidentiality.service import (
    ESCALATION_NOTICE,
    KIND_PREFIX,
    SUPERSEDE,
    FollowUp,
    explain_text_error,
)
from bot.features.context import FeatureContext
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.services.outbox import FANNED_OUT, SKIPPED, Done, Sent, ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card
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
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.confidentiality
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._files = kit.files
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds

    def spec(self) -> FeatureSpec:
        out, service = self._outgoing, self._service
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
                Action(cards.PREVIEW, cards.PublishPayload, self.preview, SECRETARIAT_PERSONAL),
                Action(cards.PUBLISH, cards.DraftPayload, self.publish, SECRETARIAT_PERSONAL),
                Action(cards.EDIT, cards.DraftPayload, self.edit, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, NoData, self.export, SECRETARIAT_PERSONAL),
                Action(cards.TABLE, NoData, self.table, SECRETARIAT_PERSONAL),
            ],
            files=[FileOffer(REPORT, self.report, SECRETARIAT_PERSONAL)],
            deliveries={
                **{
                    KIND_PREFIX + stage.value: out.to_member(
                        service.follow_up_for, self._follow_up_card
                    )
                    for stage in Stage
                    if stage is not Stage.ESCALATION
                },
                KIND_PREFIX + Stage.ESCALATION.value: self.deliver_escalation,
                ESCALATION_NOTICE: out.to_member(
                    service.escalation_notice_for,
                    lambda tr, notice, _: cards.escalation(
                        tr, notice.version, notice.overdue, notice.days
                    ),
                    member=lambda notice: notice.recipient,
                ),
                SUPERSEDE: out.replace_for_member(
                    service.superseded_for,
                    lambda tr, found, _: cards.superseded(tr, found.old, found.current.number),
                    activity_id=lambda found: found.activity_id,
                ),
            },
            to_dos={
                KIND_PREFIX + Stage.CARD.value: self._to_do,
                KIND_PREFIX + Stage.REMINDER.value: self._to_do,
            },
            gathering=[KIND_PREFIX + Stage.ESCALATION.value],
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
            if data.version is None:
                # Not a commitment card at all: show the one in force to read and accept.
                return cards.commitment(turn.tr, outcome.current, None, self._zone)
            # Nothing recorded for the old version. The current one comes as its own card (the
            # outbox sends it once, now): one live card of it, never a second one here.
            self._dispatcher.kick()
            return cards.superseded(turn.tr, data.version, outcome.current.number)
        return cards.refused(turn.tr, outcome.refusal.value if outcome.refusal else "error.generic")

    # --- what the secretariat does -------------------------------------------------------

    async def show_status(self, turn: Turn) -> None:
        await turn.send_card(await self.table(turn, NoData()))

    async def table(self, turn: Turn, _data: NoData) -> Card:
        current, rows = await self._service.status_rows()
        return cards.status_table(turn.tr, current, rows, self._zone)

    async def show_publish_form(self, turn: Turn) -> None:
        current = await self._service.current()
        await turn.send_card(cards.publish_form(turn.tr, asks_summary=current is not None))

    async def preview(self, turn: Turn, data: cards.PublishPayload) -> Card:
        """Nothing irreversible yet: the cards members would receive, then Publish / Edit."""
        current = await self._service.current()
        try:
            draft, shown = await self._service.preview(
                data.text_fr, data.text_en, data.summary_fr, data.summary_en, turn.member
            )
        except CommitmentTextError as error:
            return self._form(turn, data, explain_text_error(turn.tr, error), current is not None)
        for language in ("fr-CA", "en"):
            tr = self._catalogues.all[language]
            await turn.send_card(cards.commitment(tr, shown, None, self._zone, sample=True))
        return cards.preview(turn.tr, shown.number, draft.id)

    async def edit(self, turn: Turn, data: cards.DraftPayload) -> Card:
        draft = await self._service.draft(data.draft, turn.member)
        if draft is None:
            return cards.refused(turn.tr, "confidentiality.draft_gone")
        return cards.publish_form(
            turn.tr,
            text_fr=draft.text_fr,
            text_en=draft.text_en,
            summary_fr=draft.change_summary_fr or "",
            summary_en=draft.change_summary_en or "",
            asks_summary=draft.based_on is not None,
        )

    async def publish(self, turn: Turn, data: cards.DraftPayload) -> Card:
        outcome = await self._service.publish_draft(data.draft, turn.member)
        if outcome.kind == "not_found" or outcome.version is None:
            return cards.refused(turn.tr, "confidentiality.draft_gone")
        if outcome.kind == "conflict" and outcome.draft is not None:
            draft = outcome.draft
            return cards.publish_form(
                turn.tr,
                error=turn.tr.t("confidentiality.error.conflict"),
                text_fr=draft.text_fr,
                text_en=draft.text_en,
                summary_fr=draft.change_summary_fr or "",
                summary_en=draft.change_summary_en or "",
                asks_summary=True,
            )
        reachable, unreachable = await self._service.reach()
        # Below the samples, where the secretariat is looking; then the cards go out now,
        # not at the next tick.
        await turn.send_card(cards.published(turn.tr, outcome.version, reachable, unreachable))
        self._dispatcher.kick()
        return cards.preview_done(turn.tr, outcome.version.number)

    def _form(self, turn: Turn, data: cards.PublishPayload, error: str, asks_summary: bool) -> Card:
        return cards.publish_form(
            turn.tr,
            error=error,
            text_fr=data.text_fr,
            text_en=data.text_en,
            summary_fr=data.summary_fr,
            summary_en=data.summary_en,
            asks_summary=asks_summary,
        )

    async def export(self, turn: Turn, _data: NoData) -> Card:
        """Offers the CSV as a file: Teams asks the person where to put it (file consent)."""
        await self._files.offer(turn, REPORT)
        return await self.table(turn, NoData())

    async def report(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        return GeneratedFile(
            turn.tr.t("confidentiality.csv_name"),
            turn.tr.t("confidentiality.csv_description"),
            await self._service.csv_report(turn.tr),
        )

    # --- what the bot does on its own ----------------------------------------------------

    async def deliver_escalation(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent | Done:
        """Nothing sent here: one notice per secretariat member listing everyone overdue,
        each its own outbox row, so a member of the secretariat Teams cannot reach does not
        hold up the others, and one who got it is never sent it again when another's send is
        retried."""
        if await self._service.follow_up_for(conn, message) is None:
            return SKIPPED
        overdue, covered = await self._service.escalations_due_with(conn, message)
        if not overdue:
            return SKIPPED

        async def fan_out(writing: AsyncConnection) -> None:
            await self._service.plan_escalation_notices(writing, message, overdue)
            await self._dispatcher.mark_covered(writing, covered, FANNED_OUT)

        return Done(FANNED_OUT, fan_out)

    async def _to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        """For a newcomer: the commitment in force, to read and accept, first of all."""
        follow_up = await self._service.follow_up_for(conn, message)
        if follow_up is None:
            return None
        return ToDo(
            1, "confidentiality", "welcome.todo.commitment",
            {"number": str(follow_up.version.number)}, "welcome.todo.commitment_button",
            cards.VIEW, {},
        )  # fmt: skip

    def _follow_up_card(self, tr: Translator, follow_up: FollowUp, _: OutboxMessage) -> Card:
        if follow_up.stage is Stage.REMINDER:
            return cards.reminder(tr, follow_up.version, follow_up.days, self._zone)
        return cards.commitment(tr, follow_up.version, None, self._zone)

    async def _viewer_ids(self) -> list[str]:
        _, rows = await self._service.status_rows()
        return [row.member.teams_user_id for row in rows if row.member.teams_user_id]
