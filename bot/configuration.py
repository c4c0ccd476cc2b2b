"""What every settings section shares: pydantic-settings' behaviour (each variable read from the
environment or `.env` under its own name) and the rule of a list of days.

Each capability declares its section in `bot/features/NAME/settings.py`; `bot.settings.Settings`
is all the sections together, with the platform's own variables.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Section(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)


def positive_days(value: list[int]) -> list[int]:
    """Days before or after something: each 1 or more, each once, in order."""
    if any(day < 1 for day in value):
        raise ValueError("each day must be 1 or more")
    return sorted(set(value))
