"""What a form's rules say is wrong: one field and why, for every feature's forms."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: the field's name (the form input's id, so the card can
    say it beside that input) and the catalogue key that says why."""

    field: str
    message: str
