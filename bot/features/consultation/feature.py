"""The action-plan consultation in Teams: `consultation` (members comment, the secretariat
opens, reads, answers, reopens, exports) and `proposer` (a new area, commitment or solution)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.text import iso_day, record_id
from bot.features.consultation import cards, proposal_cards
from bot.features.consultation.rules import Opinion, Phase, ProposalKind, Verdict, parse_items
from bot.features.consultation.service import (
    OPENED,
    PROPOSED,
    REMINDER,
    RESPONDED,
)
from bot.features.consultation.views import ConsultationWork
from bot.features.context import FeatureContext
from bot.features.meetings.rules import MeetingStatus
from bot.locale import Translator
from bot.services.outbox import ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, field_errors
from bot.teams.files import FileGone
from bot.teams.platform import (
    SECRETARIAT_PERSONAL,
    Access,
    Action,
    Command,
    FeatureSpec,
    FileOffer,
    GeneratedFile,
    NoData,
    Turn,
)

MEMBERS_PERSONAL = Access(personal_only=True)
CSV_FILE = "consultation.csv"
MARKDOWN_FILE = "consultation.markdown"
# A new round's deadline, proposed on the form: four weeks ahead.
PROPOSED_WEEKS = 4


_date = iso_day


class ConsultationFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.consultation
        self._meetings = kit.services.meetings
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._files = kit.files
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._clock = kit.clock

    def spec(self) -> FeatureSpec:
        member = MEMBERS_PERSONAL
        clerk = SECRETARIAT_PERSONAL
        return FeatureSpec(
            name="consultation",
            commands=[
                Command(
                    "consultation",
                    "consultation",
                    "consultation",
                    "command.consultation",
                    self.show_overview,
                    member,
                    button="button.consultation",
                ),
                Command(
                    "propose",
                    "proposer",
                    "propose",
                    "command.propose",
                    self.show_proposal_form,
                    member,
                    in_manifest=False,
                ),
            ],
            actions=[
                Action(cards.OVERVIEW, NoData, self.overview, member),
                Action(cards.ROUND, cards.RoundRef, self.round, member),
                Action(cards.COMMENT_FORM, cards.ItemRef, self.comment_form, member),
                Action(cards.COMMENT, cards.CommentPayload, self.comment, member),
                Action(cards.NAMING, cards.NamingPayload, self.naming, member),
                Action(cards.PROPOSE_FORM, NoData, self.proposal_form, member),
                Action(cards.PROPOSE, proposal_cards.ProposePayload, self.propose, member),
                Action(cards.OPEN_FORM, NoData, self.open_form, clerk),
                Action(cards.OPEN, cards.OpenPayload, self.open, clerk),
                Action(cards.REVIEW, cards.RoundRef, self.review, clerk),
                Action(cards.ITEM, cards.ItemRef, self.item, clerk),
                Action(cards.RESPOND, cards.RespondPayload, self.respond, clerk),
                Action(cards.REOPEN_FORM, cards.RoundRef, self.reopen_form, clerk),
                Action(cards.REOPEN, cards.ReopenPayload, self.reopen, clerk),
                Action(cards.EXPORT, cards.ExportPayload, self.export, clerk),
                Action(cards.PROPOSALS, NoData, self.proposals, clerk),
            ],
            files=[
                FileOffer(CSV_FILE, self.csv_file, clerk),
                FileOffer(MARKDOWN_FILE, self.markdown_file, clerk),
            ],
            deliveries={
                kind: self._outgoing.to_member(self._service.delivery, self._card)
                for kind in (OPENED, REMINDER, RESPONDED, PROPOSED)
            },
            to_dos={
                OPENED: self._to_do,
                REMINDER: self._to_do,
            },
        )

    def _tr(self, locale: str | None) -> Translator:
        return self._catalogues.for_locale(locale, self._default_locale)

    # --- everyone ----------------------------------------------------------------------------

    async def show_overview(self, turn: Turn) -> None:
        await turn.send_card(await self.overview(turn, NoData()))

    async def overview(self, turn: Turn, _data: NoData) -> Card:
        rounds = [(r, self._service.is_open(r)) for r in await self._service.rounds()]
        if not turn.member.is_secretariat:
            open_rounds = [(r, o) for r, o in rounds if o]
            if len(open_rounds) == 1:
                # The usual case, one round under way: straight to its items.
                view = await self._service.member_view(turn.member, open_rounds[0][0].id)
                assert view is not None
                return cards.round_card(turn.tr, view, self._zone)
        return cards.overview(turn.tr, rounds, turn.member.is_secretariat, self._zone)

    async def round(self, turn: Turn, data: cards.RoundRef) -> Card:
        view = await self._service.member_view(turn.member, data.round)
        if view is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        return cards.round_card(turn.tr, view, self._zone)

    async def comment_form(self, turn: Turn, data: cards.ItemRef) -> Card:
        view = await self._service.member_view(turn.member, data.round)
        item = view.round.item(data.item) if view else None
        if view is None or item is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        return cards.comment_form(
            turn.tr, view.round, item, view.mine.get(item.number), view.open, self._zone
        )

    async def comment(self, turn: Turn, data: cards.CommentPayload) -> Card:
        try:
            opinion = Opinion(data.opinion)
        except ValueError:
            return await self._comment_again(turn, data, "consultation.error.opinion")
        outcome = await self._service.comment(
            turn.member, data.round, data.item, opinion, data.text, data.interest == "true",
            data.seen,
        )  # fmt: skip
        if outcome.kind == "stale":
            view = await self._service.member_view(turn.member, data.round)
            item = view.round.item(data.item) if view else None
            if view is not None and item is not None:
                return cards.comment_form(
                    turn.tr, view.round, item, view.mine.get(item.number), view.open,
                    self._zone, stale=data,
                )  # fmt: skip
        if outcome.problems:
            return await self._comment_again(turn, data, outcome.problems[0].message)
        if outcome.refusal is not None or outcome.comment is None:
            return cards.refused(turn.tr, outcome.refusal or "consultation.refused.unknown")
        found = await self._service.get(data.round)
        assert found is not None
        return cards.comment_saved(
            turn.tr, found, outcome.comment, outcome.ask_naming, outcome.kind == "unchanged"
        )

    async def _comment_again(self, turn: Turn, data: cards.CommentPayload, error: str) -> Card:
        view = await self._service.member_view(turn.member, data.round)
        item = view.round.item(data.item) if view else None
        if view is None or item is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        return cards.comment_form(
            turn.tr, view.round, item, view.mine.get(item.number), view.open, self._zone,
            typed=data, errors=[turn.tr.t(error)],
        )  # fmt: skip

    async def naming(self, turn: Turn, data: cards.NamingPayload) -> Card:
        await self._service.set_naming(turn.member, data.named == "yes")
        return cards.naming_saved(turn.tr, data.named == "yes", data.round)

    async def show_proposal_form(self, turn: Turn) -> None:
        await turn.send_card(proposal_cards.proposal_form(turn.tr))

    async def proposal_form(self, turn: Turn, _data: NoData) -> Card:
        return proposal_cards.proposal_form(turn.tr)

    async def propose(self, turn: Turn, data: proposal_cards.ProposePayload) -> Card:
        try:
            kind = ProposalKind(data.kind)
        except ValueError:
            kind = ProposalKind.AREA
        proposal, problems = await self._service.propose(
            turn.member, kind, data.title, data.description, data.why
        )
        if proposal is None:
            return proposal_cards.proposal_form(
                turn.tr, typed=data, errors=field_errors(turn.tr, problems)
            )
        self._dispatcher.kick()
        return proposal_cards.proposal_saved(turn.tr, proposal)

    # --- the secretariat ---------------------------------------------------------------------

    async def _meeting_choices(self) -> list[tuple[int, str]]:
        now = self._clock()
        return [
            (m.id, f"{m.plan.title} — {m.plan.day.isoformat()}")
            for m in await self._meetings.all()
            if m.status is MeetingStatus.SCHEDULED and m.starts_at > now - timedelta(days=90)
        ][:10]

    def _proposed_deadline(self) -> date:
        return self._clock().astimezone(self._zone).date() + timedelta(weeks=PROPOSED_WEEKS)

    async def open_form(self, turn: Turn, _data: NoData) -> Card:
        return cards.open_form(turn.tr, await self._meeting_choices(), self._proposed_deadline())

    async def open(self, turn: Turn, data: cards.OpenPayload) -> Card:
        try:
            phase = Phase(data.phase or Phase.ELABORATION.value)
        except ValueError:
            phase = Phase.ELABORATION
        meeting_id = record_id(data.meeting)
        if meeting_id is not None and meeting_id not in dict(await self._meeting_choices()):
            meeting_id = None
        outcome = await self._service.open_round(
            data.title, phase, _date(data.deadline), parse_items(data.items), turn.member,
            meeting_id,
        )  # fmt: skip
        if outcome.round is None:
            return cards.open_form(
                turn.tr, await self._meeting_choices(), self._proposed_deadline(), typed=data,
                errors=field_errors(turn.tr, outcome.problems),
            )  # fmt: skip
        self._dispatcher.kick()
        reachable, unreachable = await self._service.reach()
        return cards.opened(turn.tr, outcome.round, reachable, unreachable, self._zone)

    async def review(self, turn: Turn, data: cards.RoundRef) -> Card:
        found = await self._service.get(data.round)
        if found is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        counts = await self._service.counts(found.id)
        return cards.review(turn.tr, found, counts, self._service.is_open(found), self._zone)

    async def item(self, turn: Turn, data: cards.ItemRef) -> Card:
        found = await self._service.item_view(data.round, data.item)
        if found is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        return cards.item_review(turn.tr, found[0], found[1], self._zone)

    async def respond(self, turn: Turn, data: cards.RespondPayload) -> Card:
        members = [m for m in map(record_id, data.members.split(",")) if m is not None]
        try:
            verdict: Verdict | None = Verdict(data.verdict)
        except ValueError:
            verdict = None
        response, problems = await self._service.respond(
            data.round, data.item, members, verdict, data.reason, turn.member
        )
        found = await self._service.item_view(data.round, data.item)
        if found is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        if response is None:
            return cards.item_review(
                turn.tr, found[0], found[1], self._zone, typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        self._dispatcher.kick()
        notice = turn.tr.n("consultation.responded", len(response.member_ids))
        return cards.item_review(turn.tr, found[0], found[1], self._zone, notice=notice)

    async def reopen_form(self, turn: Turn, data: cards.RoundRef) -> Card:
        found = await self._service.get(data.round)
        if found is None:
            return cards.refused(turn.tr, "consultation.refused.unknown")
        return cards.reopen_form(turn.tr, found, self._zone)

    async def reopen(self, turn: Turn, data: cards.ReopenPayload) -> Card:
        outcome = await self._service.reopen(data.round, _date(data.deadline), turn.member)
        if outcome.round is None:
            found = await self._service.get(data.round)
            if found is None:
                return cards.refused(turn.tr, "consultation.refused.unknown")
            errors = field_errors(turn.tr, outcome.problems)
            return cards.reopen_form(turn.tr, found, self._zone, errors)
        self._dispatcher.kick()
        counts = await self._service.counts(outcome.round.id)
        return cards.review(turn.tr, outcome.round, counts, True, self._zone)

    async def export(self, turn: Turn, data: cards.ExportPayload) -> Card:
        key = CSV_FILE if data.format == "csv" else MARKDOWN_FILE
        await self._files.offer(turn, key, {"round": str(data.round)})
        return await self.overview(turn, NoData())

    async def _round_of(self, params: dict[str, str]) -> int:
        round_id = record_id(params.get("round", ""))
        if round_id is None or await self._service.get(round_id) is None:
            raise FileGone(f"no consultation {round_id}")
        return round_id

    async def csv_file(self, turn: Turn, params: dict[str, str]) -> GeneratedFile:
        round_id = await self._round_of(params)
        content = await self._service.csv_export(round_id, turn.tr, turn.member.email)
        assert content is not None
        return GeneratedFile(
            turn.tr.t("consultation.csv_name", round=round_id),
            turn.tr.t("consultation.csv_description"),
            content,
        )

    async def markdown_file(self, turn: Turn, params: dict[str, str]) -> GeneratedFile:
        round_id = await self._round_of(params)
        content = await self._service.markdown_report(round_id, turn.tr, turn.member.email)
        assert content is not None
        return GeneratedFile(
            turn.tr.t("consultation.markdown_name", round=round_id),
            turn.tr.t("consultation.markdown_description"),
            content,
        )

    async def proposals(self, turn: Turn, _data: NoData) -> Card:
        return proposal_cards.proposals(turn.tr, await self._service.proposals())

    # --- on its own --------------------------------------------------------------------------

    async def _to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        work = await self._service.delivery(conn, message)
        if work is None or work.view is None:
            return None
        found = work.view.round
        return ToDo(
            6, f"round:{found.id}", "welcome.todo.consultation", {"title": found.title},
            "welcome.todo.consultation_button", cards.ROUND, {"round": found.id},
            day=found.deadline.isoformat(),
        )  # fmt: skip

    def _card(self, tr: Translator, work: ConsultationWork, message: OutboxMessage) -> Card | None:
        if message.kind == PROPOSED and work.proposal is not None:
            return proposal_cards.proposal_notice(tr, work.proposal, work.author)
        if message.kind == RESPONDED and work.round and work.response:
            item = work.round.item(work.response.item)
            if item is None:
                return None
            return cards.response_notice(tr, work.round, item, work.response, work.comment)
        if work.view is None:
            return None
        view = work.view
        if message.kind == REMINDER:
            left = (view.round.deadline - self._clock().astimezone(self._zone).date()).days
            return cards.round_card(
                tr, view, self._zone, heading=tr.t("consultation.reminder_title"),
                days=max(left, 0),
            )  # fmt: skip
        heading = (
            "consultation.reopened_title"
            if message.payload.get("reopened")
            else "consultation.opened_notice_title"
        )
        return cards.round_card(tr, view, self._zone, heading=tr.t(heading))
