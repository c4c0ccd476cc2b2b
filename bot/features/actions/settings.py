"""The action items' settings: when owners are reminded, when the channel hears the summary."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section


class ActionsSettings(Section):
    # Days before an item's due date its owner is reminded (0: on the day itself).
    action_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 0], alias="ACTION_REMINDER_DAYS"
    )
    # How long before a meeting the channel gets the summary of the action items.
    action_digest_days: int = Field(2, alias="ACTION_DIGEST_DAYS", ge=1, le=30)

    @field_validator("action_reminder_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(day < 0 for day in value):
            raise ValueError("each day must be 0 (the due date) or more")
        return sorted(set(value), reverse=True)
