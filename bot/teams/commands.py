"""Reading what a person typed: the words of a command, whatever the accents, case or @mention.

The commands themselves are declared by each feature (`bot.teams.platform.Command`); the
manifest's command lists are checked against them by a test, so what Teams suggests and what
the bot understands cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata

# A command is a few words: a longer message is not one, and is not cleaned past this.
MAX_COMMAND_CHARACTERS = 500

# Linear on any input: no quantifier here can overlap another or backtrack past a '<'.
_MENTION = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)
_TAGS = re.compile(r"<[^<>]*>")
_PUNCTUATION = re.compile(r"[^\w\s]")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Confidentialité  Statut' → 'confidentialite statut'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", plain.lower()).split())


def clean_message(text: str | None) -> str:
    """The words a person typed, without the @mention Teams adds in a channel."""
    bounded = (text or "")[:MAX_COMMAND_CHARACTERS]
    return " ".join(_TAGS.sub(" ", _MENTION.sub(" ", bounded)).split())
