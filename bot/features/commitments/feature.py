"""Commitments in Teams: `engagements` (the plan, each commitment's level and next
milestone), a commitment's card with its milestones and the committee's comments, the
progress, answer and level forms, and the weekly digest and notices."""

from __future__ import annotations

from bot.domain.text import iso_day, record_id
from bot.features.commitments import cards
from bot.features.commitments.report import as_csv, as_markdown
from bot.features.commitments.service import ANSWERED, COMMENTED, DIGEST, CommentWork, DigestWork
from bot.features.context import FeatureContext
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, field_errors, notice
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

CSV_FILE = "commitments.csv"
MARKDOWN_FILE = "commitments.markdown"


class CommitmentsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.commitments
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds
        self._files = kit.files

    def spec(self) -> FeatureSpec:
        out = self._outgoing
        return FeatureSpec(
            name="commitments",
            commands=[
                Command(
                    "commitments",
                    "engagements",
                    "commitments",
                    "command.commitments",
                    self.show,
                    MEMBERS,
                    # Teams lists ten commands at most: help reaches this one.
                    in_manifest=False,
                )
            ],
            actions=[
                Action(cards.PLAN, NoData, self.plan, MEMBERS),
                Action(cards.OPEN, cards.ChoicePayload, self.open, MEMBERS),
                Action(cards.SHOW, cards.CommitmentRef, self.show_one, MEMBERS),
                Action(cards.COMMENT, cards.CommentPayload, self.comment, MEMBERS),
                # Reporting is checked in the service: the secretariat, or the contact.
                Action(cards.REPORT_FORM, cards.MilestoneRef, self.report_form, MEMBERS),
                Action(cards.REPORT, cards.ReportPayload, self.report, MEMBERS),
                Action(cards.ANSWER_FORM, cards.CommentRef, self.answer_form, SECRETARIAT_PERSONAL),
                Action(cards.ANSWER, cards.AnswerPayload, self.answer, SECRETARIAT_PERSONAL),
                Action(
                    cards.LEVEL_FORM, cards.CommitmentRef, self.level_form, SECRETARIAT_PERSONAL
                ),
                Action(cards.LEVEL, cards.LevelPayload, self.level, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, cards.ExportPayload, self.export, SECRETARIAT_PERSONAL),
            ],
            files=[
                FileOffer(CSV_FILE, self.csv_file, SECRETARIAT_PERSONAL),
                FileOffer(MARKDOWN_FILE, self.markdown_file, SECRETARIAT_PERSONAL),
            ],
            deliveries={
                DIGEST: out.to_member(self._service.digest_work, self._digest_card),
                COMMENTED: out.to_member(self._service.comment_work, self._commented_card),
                ANSWERED: out.to_member(self._service.comment_work, self._answered_card),
            },
            jobs=[
                RecurringJob("commitments.digest", self._poll_seconds, self._service.plan_digests)
            ],
        )

    # --- everyone ---------------------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        await turn.send_card(await self.plan(turn, NoData()))

    async def plan(self, turn: Turn, _data: NoData) -> Card:
        plans = await self._service.plans()
        secretariat = turn.member.is_secretariat and turn.is_personal
        return cards.plan_card(turn.tr, plans, self._zone, secretariat=secretariat)

    async def open(self, turn: Turn, data: cards.ChoicePayload) -> Card:
        chosen = record_id(data.commitment)
        if chosen is None:
            return await self.plan(turn, NoData())
        return await self.show_one(turn, cards.CommitmentRef(commitment=chosen))

    async def show_one(self, turn: Turn, data: cards.CommitmentRef) -> Card:
        view = await self._service.view(turn.member, data.commitment)
        if view is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        return cards.commitment_card(
            turn.tr, view, self._zone, secretariat=turn.member.is_secretariat
        )

    async def comment(self, turn: Turn, data: cards.CommentPayload) -> Card:
        view, problems = await self._service.comment(
            turn.member, data.commitment, data.kind, data.text
        )
        if view is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        secretariat = turn.member.is_secretariat
        if problems:
            return cards.commitment_card(
                turn.tr, view, self._zone, secretariat=secretariat, typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        self._dispatcher.kick()
        said = turn.tr.t("commitments.commented")
        return cards.commitment_card(
            turn.tr, view, self._zone, secretariat=secretariat, notice=said
        )

    # --- progress ---------------------------------------------------------------------------

    async def report_form(self, turn: Turn, data: cards.MilestoneRef) -> Card:
        view = await self._service.view_of_milestone(turn.member, data.milestone)
        if view is None or not view.may_report:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.not_reporter"))
        [milestone] = [m for m in view.commitment.milestones if m.id == data.milestone]
        return cards.report_form(turn.tr, view, milestone, self._zone, self._service.today())

    async def report(self, turn: Turn, data: cards.ReportPayload) -> Card:
        view, problems, stale = await self._service.report(
            turn.member, data.milestone, data.seen, data.status, iso_day(data.on), data.report,
            data.evidence,
        )  # fmt: skip
        if view is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.not_reporter"))
        [milestone] = [m for m in view.commitment.milestones if m.id == data.milestone]
        today = self._service.today()
        if stale or problems:
            return cards.report_form(
                turn.tr, view, milestone, self._zone, today, typed=None if stale else data,
                errors=field_errors(turn.tr, problems), stale=stale,
            )  # fmt: skip
        said = turn.tr.t("commitments.reported")
        return cards.commitment_card(
            turn.tr, view, self._zone, secretariat=turn.member.is_secretariat, notice=said
        )

    # --- the secretariat --------------------------------------------------------------------

    async def answer_form(self, turn: Turn, data: cards.CommentRef) -> Card:
        found = await self._service.comment_view(turn.member, data.comment)
        if found is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        view, row = found
        return cards.answer_form(turn.tr, view, row, self._zone)

    async def answer(self, turn: Turn, data: cards.AnswerPayload) -> Card:
        view, problems = await self._service.answer(
            turn.member, data.comment, data.verdict, data.reason
        )
        found = await self._service.comment_view(turn.member, data.comment)
        if view is None or found is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        if problems:
            return cards.answer_form(
                turn.tr, found[0], found[1], self._zone, typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        self._dispatcher.kick()
        said = turn.tr.t("commitments.answered")
        return cards.commitment_card(turn.tr, view, self._zone, secretariat=True, notice=said)

    async def level_form(self, turn: Turn, data: cards.CommitmentRef) -> Card:
        view = await self._service.view(turn.member, data.commitment)
        if view is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        return cards.level_form(turn.tr, view)

    async def level(self, turn: Turn, data: cards.LevelPayload) -> Card:
        view, problems, stale = await self._service.override(
            turn.member, data.commitment, data.seen, data.level, data.reason
        )
        if view is None:
            return notice(turn.tr, "commitments.title", turn.tr.t("commitments.gone"))
        if stale or problems:
            return cards.level_form(
                turn.tr, view, typed=None if stale else data,
                errors=field_errors(turn.tr, problems), stale=stale,
            )  # fmt: skip
        said = turn.tr.t("commitments.level_saved")
        return cards.commitment_card(turn.tr, view, self._zone, secretariat=True, notice=said)

    async def export(self, turn: Turn, data: cards.ExportPayload) -> Card:
        await self._files.offer(turn, CSV_FILE if data.format == "csv" else MARKDOWN_FILE, {})
        return await self.plan(turn, NoData())

    async def csv_file(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        plans, _, _ = await self._service.public_rows()
        content = as_csv(turn.tr, plans)
        await self._service.exported("csv", content, turn.member.email)
        return GeneratedFile(
            turn.tr.t("commitments.csv_name"), turn.tr.t("commitments.csv_description"), content
        )

    async def markdown_file(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        content = as_markdown(turn.tr, *await self._service.public_rows())
        await self._service.exported("markdown", content, turn.member.email)
        return GeneratedFile(
            turn.tr.t("commitments.markdown_name"),
            turn.tr.t("commitments.markdown_description"),
            content,
        )

    # --- what the bot sends on its own -----------------------------------------------------

    def _digest_card(self, tr: Translator, work: DigestWork, message: OutboxMessage) -> Card:
        return cards.digest_card(tr, work, self._zone)

    def _commented_card(self, tr: Translator, work: CommentWork, message: OutboxMessage) -> Card:
        return cards.commented_card(tr, work, self._zone)

    def _answered_card(self, tr: Translator, work: CommentWork, message: OutboxMessage) -> Card:
        return cards.answered_card(tr, work, self._zone)
