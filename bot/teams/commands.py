"""What a person can type to the bot, in French or English.

The manifest's command lists are checked against this table by a test, so what Teams
suggests and what the bot understands cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    key: str
    french: str
    english: str
    # Message ids: the one-line description shown in help and in the manifest.
    description: str
    secretariat_only: bool = False
    in_manifest: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("help", "aide", "help", "command.help"),
    Command("confidentiality", "confidentialité", "confidentiality", "command.confidentiality"),
    Command(
        "confidentiality_status",
        "confidentialité statut",
        "confidentiality status",
        "command.confidentiality_status",
        secretariat_only=True,
    ),
    Command(
        "confidentiality_publish",
        "confidentialité publier",
        "confidentiality publish",
        "command.confidentiality_publish",
        secretariat_only=True,
    ),
)

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Confidentialité  Statut' → 'confidentialite statut'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^\w\s]", " ", plain.lower())
    return " ".join(plain.split())


def clean_message(text: str | None) -> str:
    """The words a person typed, without the @mention Teams adds in a channel."""
    without_mentions = _MENTION.sub(" ", text or "")
    return " ".join(_TAGS.sub(" ", without_mentions).split())


def match(text: str | None) -> Command | None:
    """The command whose words the message is, longest phrase first."""
    words = fold(clean_message(text))
    if not words:
        return None
    candidates = sorted(COMMANDS, key=lambda c: -len(fold(c.french)))
    for command in candidates:
        if words in (fold(command.french), fold(command.english)):
            return command
    return None


def available_to(is_secretariat: bool) -> list[Command]:
    return [c for c in COMMANDS if is_secretariat or not c.secretariat_only]
