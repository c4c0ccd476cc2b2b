"""The consultation's settings: reminders before a round's deadline."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section, positive_days


class ConsultationSettings(Section):
    consultation_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 2], alias="CONSULTATION_REMINDER_DAYS"
    )

    @field_validator("consultation_reminder_days")
    @classmethod
    def _consultation_days(cls, value: list[int]) -> list[int]:
        return positive_days(value)
