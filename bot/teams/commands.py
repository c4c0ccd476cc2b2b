"""Reading what a person typed: the words of a command, whatever the accents, case or @mention.

The commands themselves are declared by each feature (`bot.teams.platform.Command`); the
manifest's command lists are checked against them by a test, so what Teams suggests and what
the bot understands cannot drift apart.
"""

from __future__ import annotations

import difflib
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


# What people say to a bot before anything else: answered with a greeting and the buttons.
GREETINGS = {
    "bonjour": "fr-CA",
    "allo": "fr-CA",
    "salut": "fr-CA",
    "bonsoir": "fr-CA",
    "coucou": "fr-CA",
    "hello": "en",
    "hi": "en",
    "hey": "en",
    "good morning": "en",
    "good afternoon": "en",
}


def greeting_language(text: str | None) -> str | None:
    """The language of a greeting ('Bonjour!' → fr-CA), or None when it is not one."""
    return GREETINGS.get(fold(clean_message(text)))


def closest(typed: str, phrases: dict[str, str], cutoff: float = 0.75) -> str | None:
    """The phrase a typo most likely meant ('confidentialty stauts' → 'confidentiality
    status'), compared without accents or case; None when nothing is near."""
    wanted = fold(clean_message(typed))
    if not wanted:
        return None
    found = difflib.get_close_matches(wanted, list(phrases), n=1, cutoff=cutoff)
    return phrases[found[0]] if found else None
