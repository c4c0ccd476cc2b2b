"""What the bot accepts as text from outside (card inputs, the command line, the files it
reads): the one rule, the same on SQLite and PostgreSQL.

PostgreSQL refuses a NUL byte in text that SQLite stores; other control characters are
invisible and make a record read differently from how it prints. Newline, carriage return and
tab are what people type, and are kept.
"""

from __future__ import annotations

import re
from datetime import date, time

# Ids in card data and on the command line: a database row's id fits PostgreSQL's INTEGER.
ID_MAX = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,10}")


def has_control_characters(text: str) -> bool:
    """True when `text` holds a control character other than newline, carriage return, tab."""
    return _CONTROL.search(text) is not None


def record_id(text: str) -> int | None:
    """The row id a card or a file consent names as text (a choice's value, a parameter that
    comes back from the client), or None when it cannot be one: not ASCII digits, or beyond
    what the database holds."""
    value = text.strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


def iso_day(text: str) -> date | None:
    """A day typed as AAAA-MM-JJ (a card's date input, a command's argument), or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def iso_time(text: str) -> time | None:
    """A time of day typed as HH:MM, or None."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        return None
