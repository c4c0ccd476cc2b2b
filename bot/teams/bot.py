"""The bot's turn logic: who is writing, in which language, and which feature answers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import (
    ActivityHandler,
    BotAdapter,
    InvokeResponse,
    MessageFactory,
    TurnContext,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
)

from bot.domain.members import Member
from bot.locale import Catalogues, Translator
from bot.services.members import MemberDirectory
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams import cards, commands
from bot.teams.cards import CARD_CONTENT_TYPE, Card

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """What every handler needs to know about the person in front of it."""

    context: TurnContext
    tr: Translator
    member: Member

    async def send_card(self, content: Card) -> str | None:
        reply = await self.context.send_activity(as_message(content))
        return reply.id if reply else None

    async def send_text(self, text: str) -> None:
        await self.context.send_activity(MessageFactory.text(text))

    @property
    def activity(self) -> Activity:
        return self.context.activity


CommandHandler = Callable[[Turn], Awaitable[None]]
# Another invoke (file consent…): answers with its own InvokeResponse.
InvokeHandler = Callable[[Turn], Awaitable[InvokeResponse]]
# Called when a member's personal chat becomes known: what waited for them can go out.
ReachableHook = Callable[[Member], Awaitable[None]]
# An Action.Execute handler returns the card that replaces the one the person clicked.
ActionHandler = Callable[[Turn, Mapping[str, Any]], Awaitable[Card]]


def as_message(content: Card) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=content))


def card_invoke_response(content: Card) -> InvokeResponse:
    # Returned as an object, not serialised: the aiohttp CloudAdapter serialises once itself.
    return InvokeResponse(
        status=200,
        body=AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=content),
    )


class CommitteeBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        settings: Settings,
        catalogues: Catalogues,
        directory: MemberDirectory,
        database: Database,
        references: ConversationReferences,
        once: ProcessedActivities,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._catalogues = catalogues
        self._directory = directory
        self._db = database
        self._references = references
        self._once = once
        self._commands: dict[str, CommandHandler] = {"help": self._help}
        self._actions: dict[str, ActionHandler] = {"help": self._help_action}
        self._invokes: dict[str, InvokeHandler] = {}
        self._reachable_hooks: list[ReachableHook] = []

    def add_command(self, key: str, handler: CommandHandler) -> None:
        if not any(c.key == key for c in commands.COMMANDS):
            raise ValueError(f"{key} is not in the command table")
        self._commands[key] = handler

    def add_action(self, verb: str, handler: ActionHandler) -> None:
        self._actions[verb] = handler

    def add_invoke(self, name: str, handler: InvokeHandler) -> None:
        self._invokes[name] = handler

    def on_reachable(self, hook: ReachableHook) -> None:
        self._reachable_hooks.append(hook)

    # --- turn plumbing -------------------------------------------------------------------

    def translator(self, context: TurnContext, member: Member | None = None) -> Translator:
        requested = context.activity.locale or (member.preferred_locale if member else None)
        return self._catalogues.for_locale(requested, self._settings.default_locale)

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
            locale = self.translator(context).locale
            await self._directory.remember_contact(member, sender.id, locale)
            await self._remember_conversation(context, member)
        return member

    async def _remember_conversation(self, context: TurnContext, member: Member) -> None:
        activity = context.activity
        scope = activity.conversation.conversation_type or "personal"
        reference = TurnContext.get_conversation_reference(activity).serialize()
        owner = member.id if scope == "personal" else None
        async with self._db.read() as conn:
            known = await self._references.get(conn, activity.conversation.id)
        if known == (reference, owner):
            return
        async with self._db.transaction() as conn:
            is_new = await self._references.save(
                conn, activity.conversation.id, scope, reference, owner
            )
        if is_new and scope == "personal":
            for hook in self._reachable_hooks:
                await hook(member)

    async def refuse(self, context: TurnContext, tr: Translator) -> Card:
        contacts = await self._directory.secretariat()
        return cards.not_a_member(tr, contacts, self._settings.committee_contact)

    # --- messages ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        member = await self.identify(turn_context)
        tr = self.translator(turn_context, member)
        if member is None:
            await turn_context.send_activity(as_message(await self.refuse(turn_context, tr)))
            return
        turn = Turn(turn_context, tr, member)
        command = commands.match(turn_context.activity.text)
        if command is None:
            if (turn_context.activity.text or "").strip():
                await turn.send_text(tr.t("unknown.command"))
            await self._help(turn)
            return
        if command.secretariat_only and not member.is_secretariat:
            await turn.send_text(tr.t("secretariat.only"))
            return
        handler = self._commands.get(command.key, self._help)
        await handler(turn)

    async def _help(self, turn: Turn) -> None:
        await turn.send_card(self._help_card(turn))

    async def _help_action(self, turn: Turn, _data: Mapping[str, Any]) -> Card:
        return self._help_card(turn)

    def _help_card(self, turn: Turn) -> Card:
        available = [
            c for c in commands.available_to(turn.member.is_secretariat) if c.key in self._commands
        ]
        return cards.help_card(turn.tr, turn.member, available)

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
            tr = self.translator(turn_context)
            await turn_context.send_activity(as_message(cards.welcome(tr, None)))
            return
        member = await self.identify(turn_context)
        tr = self.translator(turn_context, member)
        if member is None:
            await turn_context.send_activity(as_message(await self.refuse(turn_context, tr)))
            return
        await turn_context.send_activity(as_message(cards.welcome(tr, member.display_name)))

    # --- card actions --------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Not on_adaptive_card_invoke: with the aiohttp CloudAdapter it serialises the body
        # twice and Teams gets a 500.
        name = turn_context.activity.name
        if name in self._invokes:
            member = await self.identify(turn_context)
            tr = self.translator(turn_context, member)
            if member is None:
                await turn_context.send_activity(as_message(await self.refuse(turn_context, tr)))
                return InvokeResponse(status=200)
            return await self._invokes[name](Turn(turn_context, tr, member))
        if name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        verb, data = _action_of(turn_context.activity.value)
        member = await self.identify(turn_context)
        tr = self.translator(turn_context, member)
        if member is None:
            return card_invoke_response(await self.refuse(turn_context, tr))
        handler = self._actions.get(verb)
        turn = Turn(turn_context, tr, member)
        if handler is None:
            return card_invoke_response(cards.notice(tr, "error.title", tr.t("unknown.action")))
        return card_invoke_response(await handler(turn, data))


def _action_of(value: object) -> tuple[str, Mapping[str, Any]]:
    """The verb and data of an Action.Execute invoke, tolerating any malformed shape."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict):
        return "", {}
    data = action.get("data")
    return str(action.get("verb") or ""), data if isinstance(data, dict) else {}


def turn_error_handler(
    catalogues: Catalogues, default_locale: str
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Log the failure for us; tell the person, in their language, without a stack trace."""

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("Turn failed", exc_info=error)
        tr = catalogues.for_locale(context.activity.locale, default_locale)
        if context.activity.type == ActivityTypes.invoke:
            # Where the adapter looks for an invoke's answer (BotAdapter._INVOKE_RESPONSE_KEY).
            context.turn_state[BotAdapter._INVOKE_RESPONSE_KEY] = Activity(
                type="invokeResponse",
                value=card_invoke_response(cards.notice(tr, "error.title", tr.t("error.generic"))),
            )
            return
        try:
            await context.send_activity(MessageFactory.text(tr.t("error.generic")))
        except Exception:
            log.exception("Could not tell the person about the failure")

    return on_error
