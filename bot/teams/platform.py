"""How a capability plugs into the bot: the feature protocol and the registries it installs into.

A feature (each capability in `bot.features`, and the outbox's own) is one object, built from a
`bot.features.context.FeatureContext`, whose `spec()` declares everything it adds:

- the commands a person types, with who may use them and where;
- the card verbs (`Action.Execute`) it answers, each with the typed payload its data must fit;
- the files it offers through Teams' file consent (CSV exports, invitations);
- other invoke names it answers;
- the outbox kinds it delivers and the recurring jobs it needs;
- what it does when a member becomes reachable.

`Registry.install` refuses a second registration of any name, so two features can never
silently answer the same verb. Who may do what is checked in one place (`CommitteeBot`),
before any handler runs: a handler never repeats "is this the secretariat?".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity
from pydantic import ValidationError

from bot.domain.members import Member
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.services.outbox import Delivery, OutboxDispatcher, ToDoReader
from bot.storage.committee import CommitteeTeam
from bot.teams import commands as words
from bot.teams.cards import CONTROL_CHARACTERS, Card, as_message
from bot.teams.cards import NoData as NoData  # re-exported: features import it from here
from bot.teams.cards import Payload as Payload


@dataclass(frozen=True)
class Access:
    """Who may use a command, a button or a file, and where."""

    secretariat: bool = False
    # Personal chat only: what is private (tables of members, publishing) never lands in a
    # channel or a group chat, even when the secretariat asks from there.
    personal_only: bool = False

    def refusal(self, member: Member, personal: bool) -> str | None:
        """The catalogue key that says why not, or None when allowed."""
        if self.secretariat and not member.is_secretariat:
            return "secretariat.only"
        if self.personal_only and not personal:
            return "personal.only"
        return None


MEMBERS = Access()
SECRETARIAT = Access(secretariat=True)
SECRETARIAT_PERSONAL = Access(secretariat=True, personal_only=True)


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

    @property
    def is_personal(self) -> bool:
        return (self.activity.conversation.conversation_type or "personal") == "personal"


P = TypeVar("P", bound=Payload)


def parse_payload(payload: type[P], data: Mapping[str, Any]) -> P | str:
    """The typed payload, or the catalogue key saying why the card data was refused."""
    try:
        return payload.model_validate(dict(data))
    except ValidationError as error:
        if any(CONTROL_CHARACTERS in str(e.get("msg", "")) for e in error.errors()):
            return "error.control_characters"
        return "error.bad_payload"


CommandHandler = Callable[[Turn], Awaitable[None]]
# Answers another invoke (task/fetch…) with its own InvokeResponse.
InvokeHandler = Callable[[Turn], Awaitable[InvokeResponse]]
# Called when a member's personal chat becomes known: what waited for them can go out.
ReachableHook = Callable[[Member], Awaitable[None]]
# A message that is no command: a feature may take it (a file or a link to share) and
# answers True when it did; the next one is asked otherwise, then the bot's own help.
MessageHook = Callable[[Turn], Awaitable[bool]]
TeamInstallHook = Callable[["TeamInstall"], Awaitable[None]]


@dataclass(frozen=True)
class TeamInstall:
    """The bot was added to a team: which team and channel, who added it (when they are in
    the registry), and a way to say something in that channel now."""

    team: CommitteeTeam
    installer: Member | None
    say: Callable[[str], Awaitable[object]]


@dataclass(frozen=True)
class Command:
    """What a person can type, in French and English. `description` is a catalogue key: the
    line shown in help and in the manifest's command list."""

    key: str
    french: str
    english: str
    description: str
    handler: CommandHandler
    access: Access = MEMBERS
    in_manifest: bool = True
    # The catalogue key of its button in the help card (short: « Statut »); None: no button.
    button: str | None = None

    def words(self, french: bool) -> str:
        return self.french if french else self.english


@dataclass(frozen=True)
class CommandMatch:
    command: Command
    # The language the words were typed in, when only one language has them.
    language: str | None


@dataclass(frozen=True)
class Action(Generic[P]):
    """A card button: the handler returns the card that replaces the one clicked."""

    verb: str
    payload: type[P]
    handler: Callable[[Turn, P], Awaitable[Card]]
    access: Access = MEMBERS


@dataclass(frozen=True)
class GeneratedFile:
    name: str
    description: str
    content: bytes


@dataclass(frozen=True)
class FileOffer:
    """A file the bot offers through Teams' file consent: produced when offered (for its size)
    and again when accepted, so what lands in OneDrive is current."""

    key: str
    # Given the turn and the offer's parameters (as the person's Teams sent them back).
    produce: Callable[[Turn, dict[str, str]], Awaitable[GeneratedFile]]
    access: Access = SECRETARIAT_PERSONAL


@dataclass(frozen=True)
class Invoke:
    name: str
    handler: InvokeHandler
    access: Access = MEMBERS


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    commands: Sequence[Command] = ()
    actions: Sequence[Action[Any]] = ()
    files: Sequence[FileOffer] = ()
    invokes: Sequence[Invoke] = ()
    deliveries: Mapping[str, Delivery] = field(default_factory=dict)
    jobs: Sequence[RecurringJob] = ()
    on_reachable: Sequence[ReachableHook] = ()
    on_team_install: Sequence[TeamInstallHook] = ()
    on_message: Sequence[MessageHook] = ()
    # Outbox kinds whose delivery gathers the other due messages of its kind on one card.
    gathering: Sequence[str] = ()
    # What a waiting message of each kind asks of someone who could not be reached: when they
    # first open the chat, one welcome lists these instead of each card on its own.
    to_dos: Mapping[str, ToDoReader] = field(default_factory=dict)


class Feature(Protocol):
    def spec(self) -> FeatureSpec: ...


# Invoke names the platform answers itself, so no feature may claim them.
RESERVED_INVOKES = ("adaptiveCard/action", "fileConsent/invoke")


class DuplicateRegistration(ValueError):
    pass


class Registry:
    """Every command, verb, file, invoke, outbox kind and job of every feature, once each."""

    def __init__(self, dispatcher: OutboxDispatcher) -> None:
        self._dispatcher = dispatcher
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, Action[Any]] = {}
        self.files: dict[str, FileOffer] = {}
        self.invokes: dict[str, Invoke] = {}
        self.jobs: list[RecurringJob] = []
        self.on_reachable: list[ReachableHook] = []
        self.on_team_install: list[TeamInstallHook] = []
        self.on_message: list[MessageHook] = []
        self._owners: dict[str, str] = {}

    def install(self, spec: FeatureSpec) -> None:
        for command in spec.commands:
            self._claim(spec.name, "command", command.key)
            # « déclarations » and "declarations" are one phrase once accents are folded.
            for phrase in {words.fold(command.french), words.fold(command.english)}:
                self._claim(spec.name, "words", phrase)
            self.commands[command.key] = command
        for action in spec.actions:
            self._claim(spec.name, "verb", action.verb)
            self.actions[action.verb] = action
        for offer in spec.files:
            self._claim(spec.name, "file", offer.key)
            self.files[offer.key] = offer
        for invoke in spec.invokes:
            if invoke.name in RESERVED_INVOKES:
                raise DuplicateRegistration(f"{spec.name}: {invoke.name} is the platform's")
            self._claim(spec.name, "invoke", invoke.name)
            self.invokes[invoke.name] = invoke
        for kind, delivery in spec.deliveries.items():
            self._claim(spec.name, "outbox kind", kind)
            self._dispatcher.register(
                kind, delivery, gathering=kind in spec.gathering, to_do=spec.to_dos.get(kind)
            )
        if set(spec.to_dos) - set(spec.deliveries):
            raise DuplicateRegistration(f"{spec.name}: a to-do for a kind it does not deliver")
        for job in spec.jobs:
            self._claim(spec.name, "job", job.name)
            self.jobs.append(job)
        self.on_reachable.extend(spec.on_reachable)
        self.on_team_install.extend(spec.on_team_install)
        self.on_message.extend(spec.on_message)

    def _claim(self, feature: str, what: str, name: str) -> None:
        key = f"{what}:{name}"
        if key in self._owners:
            raise DuplicateRegistration(
                f"{what} {name!r} of {feature} is already {self._owners[key]}'s"
            )
        self._owners[key] = feature

    def owner(self, what: str, name: str) -> str | None:
        """The feature that registered this command or verb (`what`: "command", "verb")."""
        return self._owners.get(f"{what}:{name}")

    def match(self, text: str | None) -> CommandMatch | None:
        """The command whose words the message is (French or English, any accents or case),
        and the language of those words when they belong to one language only."""
        typed = words.fold(words.clean_message(text))
        if not typed:
            return None
        for command in self.commands.values():
            french, english = words.fold(command.french), words.fold(command.english)
            if typed in (french, english):
                language = None if french == english else ("fr-CA" if typed == french else "en")
                return CommandMatch(command, language)
        return None

    def suggest(self, text: str | None, member: Member) -> Command | None:
        """The command this person may use that a typo most likely meant, in either language."""
        phrases: dict[str, str] = {}
        for command in self.available_to(member):
            phrases[words.fold(command.french)] = command.key
            phrases[words.fold(command.english)] = command.key
        found = words.closest(text or "", phrases)
        return self.commands[found] if found else None

    def available_to(self, member: Member) -> list[Command]:
        return [
            c for c in self.commands.values() if not c.access.secretariat or member.is_secretariat
        ]
