"""The bot's turn logic: who is writing, in which language, whether they may, which feature answers.

Everything a feature would otherwise repeat happens here once, in this order: identify the
person from the activity (a stranger gets the refusal card), pick their language, check the
command's, button's or file's `Access`, parse the button's typed payload, then call the
feature's handler. A failure anywhere in the turn goes to `_turn_failed`, the only place that
carries out `bot.errors.for_turn`'s decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
)

from bot import errors, logs
from bot.domain.members import Member
from bot.locale import ENGLISH, FRENCH, Catalogues, Translator
from bot.services.members import MemberDirectory
from bot.settings import Settings
from bot.storage.committee import CommitteeTeam
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams import cards
from bot.teams import commands as words
from bot.teams.cards import CARD_CONTENT_TYPE, Card, as_message
from bot.teams.delivery import as_delivery_error
from bot.teams.files import FileConsents
from bot.teams.platform import (
    Action,
    Command,
    FeatureSpec,
    NoData,
    Registry,
    TeamInstall,
    Turn,
    parse_payload,
)

log = logging.getLogger(__name__)

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
# Conversations whose stored reference this process knows to be current (then forgotten all
# at once: the next message of each simply reads it again).
REFERENCES_REMEMBERED = 10_000
FILE_CONSENT_INVOKE = "fileConsent/invoke"


def card_invoke_response(content: Card) -> InvokeResponse:
    # Returned as an object, not serialised: the aiohttp CloudAdapter serialises once itself.
    return InvokeResponse(
        status=200,
        body=AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=content),
    )


class TurnFailed(Exception):
    """A turn that failed. The endpoint never records it as the activity's answer: a retry of
    the same activity gets a real second attempt."""

    def __init__(
        self, decision: errors.Decision, told: bool, invoke_response: InvokeResponse | None
    ) -> None:
        super().__init__(decision.summary)
        self.decision = decision
        # Whether the person was told (then the HTTP answer is 200, else 503: Teams retries).
        self.told = told
        self.invoke_response = invoke_response


class CommitteeBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        settings: Settings,
        catalogues: Catalogues,
        directory: MemberDirectory,
        database: Database,
        references: ConversationReferences,
        once: ProcessedActivities,
        registry: Registry,
        files: FileConsents,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._catalogues = catalogues
        self._directory = directory
        self._db = database
        self._references = references
        self._once = once
        self._registry = registry
        self._files = files
        self._references_seen: dict[str, tuple[object, ...]] = {}

    def core_spec(self) -> FeatureSpec:
        """What the bot does before any feature: help, and the person's language."""
        return FeatureSpec(
            name="core",
            commands=[
                Command("help", "aide", "help", "command.help", self._help),
                Command(
                    "language",
                    "langue",
                    "language",
                    "command.language",
                    self._language,
                    button="button.language",
                ),
            ],
            actions=[
                Action(cards.HELP, NoData, self._help_action),
                Action(cards.SHOW_HELP, NoData, self._show_help),
                Action(cards.RUN_COMMAND, cards.RunCommand, self._run_command),
                Action(cards.SET_LANGUAGE, cards.LanguageChoice, self._set_language),
            ],
        )

    # --- the one error path ----------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
        except Exception as error:
            raise await self._turn_failed(turn_context, error) from error

    async def _turn_failed(self, context: TurnContext, error: Exception) -> TurnFailed:
        error = as_delivery_error(error) or error
        decision = errors.for_turn(error)
        activity = context.activity
        errors.report(decision, f"activity {activity.type} {activity.id}", error)
        if decision.tell is None:
            return TurnFailed(decision, False, None)
        tr = self._catalogues.for_locale(activity.locale, self._settings.default_locale)
        if activity.type == ActivityTypes.invoke:
            notice = cards.notice(tr, "error.title", tr.t(decision.tell))
            return TurnFailed(decision, True, card_invoke_response(notice))
        try:
            await context.send_activity(MessageFactory.text(tr.t(decision.tell)))
        except Exception as unsent:
            log.warning("Could not tell the person about the failure: %s", unsent)
            return TurnFailed(decision, False, None)
        return TurnFailed(decision, True, None)

    # --- who is writing ------------------------------------------------------------------

    def translator(self, context: TurnContext, member: Member | None = None) -> Translator:
        """A member's own language once known; before that, their Teams client's."""
        requested = (member.preferred_locale if member else None) or context.activity.locale
        return self._catalogues.for_locale(requested, self._settings.default_locale)

    def _both(self, french: Callable[[Translator], Card]) -> Card:
        """A card for whom the bot does not know: French, then English below."""
        return cards.bilingual(
            french(self._catalogues.all[FRENCH]), french(self._catalogues.all[ENGLISH])
        )

    async def identify(self, context: TurnContext) -> Member | None:
        sender = context.activity.from_property
        if sender is None:
            return None

        async def lookup_email() -> str | None:
            try:
                account = await TeamsInfo.get_member(context, sender.id)
            except Exception as error:
                log.info("Teams could not tell who %s is: %s", sender.id, error)
                return None
            return getattr(account, "email", None) or getattr(account, "user_principal_name", None)

        member = await self._directory.identify(sender.aad_object_id, sender.id, lookup_email)
        if member is not None:
            client = self._catalogues.for_locale(
                context.activity.locale, self._settings.default_locale
            )
            member = await self._directory.remember_contact(member, sender.id, client.locale)
            await self._remember_conversation(context, member)
        return member

    async def _turn(self, context: TurnContext) -> Turn | Card:
        """The member and their language, or the refusal card for anyone else."""
        member = await self.identify(context)
        tr = self.translator(context, member)
        if member is None:
            contacts = await self._directory.secretariat()
            extra = self._settings.committee_contact
            return self._both(lambda tr: cards.not_a_member(tr, contacts, extra))
        return Turn(context, tr, member)

    async def _remember_conversation(self, context: TurnContext, member: Member) -> None:
        activity = context.activity
        scope = activity.conversation.conversation_type or "personal"
        owner = member.id if scope == "personal" else None
        # What a reference is made of; unchanged since this process last saw it, nothing to do
        # (the common case: no read, no serialisation on the way of every message).
        seen = (
            activity.service_url,
            activity.channel_id,
            activity.from_property.id,
            activity.recipient.id,
            activity.conversation.tenant_id,
            scope,
            owner,
        )
        if self._references_seen.get(activity.conversation.id) == seen:
            return
        found = TurnContext.get_conversation_reference(activity)
        # Where to write, not what was said: a proactive message is no reply to an old one.
        found.activity_id = None
        reference = found.serialize()
        async with self._db.read() as conn:
            known = await self._references.get(conn, activity.conversation.id)
        if known != (reference, owner):
            async with self._db.transaction() as conn:
                is_new = await self._references.save(
                    conn, activity.conversation.id, scope, reference, owner
                )
        else:
            is_new = False
        if len(self._references_seen) >= REFERENCES_REMEMBERED:
            self._references_seen.clear()
        self._references_seen[activity.conversation.id] = seen
        if is_new and scope == "personal":
            for hook in self._registry.on_reachable:
                await hook(member)

    # --- messages ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn = await self._turn(turn_context)
        if not isinstance(turn, Turn):
            await turn_context.send_activity(as_message(turn))
            return
        text = turn_context.activity.text
        found = self._registry.match(text)
        if found is None:
            for take in self._registry.on_message:
                if await take(turn):
                    return
            await self._not_a_command(turn, text)
            return
        logs.tag(feature=self._registry.owner("command", found.command.key))
        # Words typed in the other language switch the person's language, then it stays.
        turn = await self._in_language(turn, found.language)
        refusal = found.command.access.refusal(turn.member, turn.is_personal)
        if refusal is not None:
            await turn.send_text(turn.tr.t(refusal))
            return
        await found.command.handler(turn)

    async def _not_a_command(self, turn: Turn, text: str | None) -> None:
        hello = words.greeting_language(text)
        if hello is not None:
            turn = await self._in_language(turn, hello)
            available = self._registry.available_to(turn.member)
            await turn.send_card(cards.greeting(turn.tr, turn.member, available))
            return
        near = self._registry.suggest(text, turn.member)
        if near is not None:
            await turn.send_card(cards.suggestion(turn.tr, near))
            return
        if (text or "").strip():
            await turn.send_text(turn.tr.t("unknown.command"))
        await self._help(turn)

    async def _in_language(self, turn: Turn, language: str | None) -> Turn:
        if language is None or language == turn.tr.locale:
            return turn
        member = await self._directory.set_language(turn.member, language)
        return Turn(turn.context, self._catalogues.all[language], member)

    async def _help(self, turn: Turn) -> None:
        await turn.send_card(self._help_card(turn))

    async def _help_action(self, turn: Turn, _data: NoData) -> Card:
        return self._help_card(turn)

    async def _show_help(self, turn: Turn, _data: NoData) -> Card:
        """The welcome's button: help comes below, the welcome keeps its text."""
        await self._help(turn)
        if turn.is_personal:
            return cards.welcome(turn.tr, turn.member.display_name)
        return self._both(lambda tr: cards.welcome(tr, None))

    async def _run_command(self, turn: Turn, data: cards.RunCommand) -> Card:
        """A help button: the command answers below, the help card stays."""
        command = self._registry.commands.get(data.command)
        if command is None:
            return cards.notice(turn.tr, "error.title", turn.tr.t("unknown.action"))
        refusal = command.access.refusal(turn.member, turn.is_personal)
        if refusal is not None:
            return cards.not_allowed(turn.tr, refusal)
        await command.handler(turn)
        return self._help_card(turn)

    async def _language(self, turn: Turn) -> None:
        await turn.send_card(cards.language_choice(turn.tr))

    async def _set_language(self, turn: Turn, data: cards.LanguageChoice) -> Card:
        turn = await self._in_language(turn, data.language)
        return cards.notice(turn.tr, "language.title", turn.tr.t("language.set"))

    def _help_card(self, turn: Turn) -> Card:
        return cards.help_card(turn.tr, turn.member, self._registry.available_to(turn.member))

    # --- installation --------------------------------------------------------------------

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if not any(m.id == bot_id for m in members_added):
            return
        await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)
        if (turn_context.activity.conversation.conversation_type or "personal") == "personal":
            # Installed again after removing the app: the same chat, so no new reference, but
            # the person can be reached again and what waited should go now.
            member = await self.identify(turn_context)
            if member is not None:
                for reachable in self._registry.on_reachable:
                    await reachable(member)
            return
        # Every install in a team, not just the first greeted: the secretariat may add the bot
        # again where a member had added it. One activity of the two Teams sends, so a hook
        # runs once per install.
        installer = await self.identify(turn_context)
        team = team_of(turn_context, installer.email if installer else "")
        if team is None:
            return
        install = TeamInstall(team, installer, turn_context.send_activity)
        for hook in self._registry.on_team_install:
            await hook(install)

    async def _welcome(self, turn_context: TurnContext) -> None:
        # Teams sends conversationUpdate and installationUpdate together on install: greet
        # once, decided by an insert that only one of the two concurrent turns can win.
        async with self._db.transaction() as conn:
            first = await self._once.first_time(
                conn, f"welcome|{turn_context.activity.conversation.id}"
            )
        if not first:
            return
        personal = (
            turn_context.activity.conversation.conversation_type or "personal"
        ) == "personal"
        if not personal:
            # A whole team reads it: French first, English below.
            await turn_context.send_activity(
                as_message(self._both(lambda tr: cards.welcome(tr, None)))
            )
            return
        turn = await self._turn(turn_context)
        if not isinstance(turn, Turn):
            await turn_context.send_activity(as_message(turn))
            return
        await turn.send_card(cards.welcome(turn.tr, turn.member.display_name))

    # --- card actions and other invokes ----------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Not on_adaptive_card_invoke: with the aiohttp CloudAdapter it serialises the body
        # twice and Teams gets a 500.
        name = turn_context.activity.name
        if name == ADAPTIVE_CARD_ACTION:
            return card_invoke_response(await self._card_action(turn_context))
        if name != FILE_CONSENT_INVOKE and name not in self._registry.invokes:
            return await super().on_invoke_activity(turn_context)
        turn = await self._turn(turn_context)
        if not isinstance(turn, Turn):
            await turn_context.send_activity(as_message(turn))
            return InvokeResponse(status=200)
        if name == FILE_CONSENT_INVOKE:
            return await self._files.answer(turn)
        invoke = self._registry.invokes[name]
        refusal = invoke.access.refusal(turn.member, turn.is_personal)
        if refusal is not None:
            await turn.send_text(turn.tr.t(refusal))
            return InvokeResponse(status=200)
        return await invoke.handler(turn)

    async def _card_action(self, turn_context: TurnContext) -> Card:
        verb, data = _action_of(turn_context.activity.value)
        turn = await self._turn(turn_context)
        if not isinstance(turn, Turn):
            return turn
        action = self._registry.actions.get(verb)
        logs.tag(feature=self._registry.owner("verb", verb))
        if action is None:
            return cards.notice(turn.tr, "error.title", turn.tr.t("unknown.action"))
        refusal = action.access.refusal(turn.member, turn.is_personal)
        if refusal is not None:
            return cards.not_allowed(turn.tr, refusal)
        payload = parse_payload(action.payload, data)
        if isinstance(payload, str):
            log.info("Refused the data of a %s button from member %s", verb, turn.member.id)
            return cards.notice(turn.tr, "error.title", turn.tr.t(payload))
        result: Card = await action.handler(turn, payload)
        return result


def _action_of(value: object) -> tuple[str, Mapping[str, Any]]:
    """The verb and data of an Action.Execute invoke, tolerating any malformed shape."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict):
        return "", {}
    data = action.get("data")
    return str(action.get("verb") or ""), data if isinstance(data, dict) else {}


def team_of(context: TurnContext, installed_by: str) -> CommitteeTeam | None:
    """The team and channel an install in a team names (`channelData.team`), or None."""
    activity = context.activity
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else None
    if team is None or not team.get("id"):
        return None
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    return CommitteeTeam(
        team_id=str(team["id"]),
        group_id=str(team["aadGroupId"]) if team.get("aadGroupId") else None,
        team_name=str(team["name"]) if team.get("name") else None,
        channel_id=activity.conversation.id,
        reference=reference.serialize(),
        installed_by=installed_by,
    )
