"""The confidentiality commitment's settings: when members are reminded, when the secretariat
is told."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section, positive_days


class ConfidentialitySettings(Section):
    confidentiality_reminder_days: list[int] = Field(
        default_factory=lambda: [3, 7], alias="CONFIDENTIALITY_REMINDER_DAYS"
    )
    confidentiality_escalation_days: int = Field(14, alias="CONFIDENTIALITY_ESCALATION_DAYS", ge=1)

    @field_validator("confidentiality_reminder_days")
    @classmethod
    def _confidentiality_days(cls, value: list[int]) -> list[int]:
        return positive_days(value)
