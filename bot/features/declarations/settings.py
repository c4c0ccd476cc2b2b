"""The declarations' settings: renewal, reminders, escalation, retention (Law 25, s. 73)."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section, positive_days


class DeclarationsSettings(Section):
    # Conflict-of-interest declarations: made again at least this often, reminded after
    # these days, the secretariat told after that many; per meeting, reminded these days
    # before; kept this many years after the member's last mandate (Law 25, s. 73).
    declarations_renewal_days: int = Field(365, alias="DECLARATIONS_RENEWAL_DAYS", ge=1)
    declarations_reminder_days: list[int] = Field(
        default_factory=lambda: [3, 7], alias="DECLARATIONS_REMINDER_DAYS"
    )
    declarations_escalation_days: int = Field(14, alias="DECLARATIONS_ESCALATION_DAYS", ge=1)
    declarations_meeting_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 2], alias="DECLARATIONS_MEETING_REMINDER_DAYS"
    )
    declarations_keep_years: int = Field(7, alias="DECLARATIONS_KEEP_YEARS", ge=1)

    @field_validator("declarations_reminder_days", "declarations_meeting_reminder_days")
    @classmethod
    def _declaration_days(cls, value: list[int]) -> list[int]:
        return positive_days(value)
