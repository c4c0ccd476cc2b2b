"""The mandates' settings: reminders, length, renewals, and the composition's bounds."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section, positive_days
from bot.domain.members import SeatCategory
from bot.features.mandates.rules import parse_bounds


class MandatesSettings(Section):
    # Mandates: reminders before each end (days), the default length, at most this many
    # consecutive renewals (0: no maximum), and each seat category's bounds.
    mandate_reminder_days: list[int] = Field(
        default_factory=lambda: [90, 30, 7], alias="MANDATE_REMINDER_DAYS"
    )
    mandate_years: int = Field(2, alias="MANDATE_YEARS", ge=1, le=10)
    mandate_max_renewals: int = Field(0, alias="MANDATE_MAX_RENEWALS", ge=0)
    composition_bounds: str = Field(
        "societe_civile=6-8,secretariat_conseil_tresor=2-2,ministere_organisme_public=2-2",
        alias="COMPOSITION_BOUNDS",
    )

    @field_validator("mandate_reminder_days")
    @classmethod
    def _mandate_days(cls, value: list[int]) -> list[int]:
        return positive_days(value)

    @field_validator("composition_bounds")
    @classmethod
    def _readable_bounds(cls, value: str) -> str:
        parse_bounds(value)  # raises ValueError naming what it cannot read
        return value

    @property
    def seat_bounds(self) -> dict[SeatCategory, tuple[int, int]]:
        return parse_bounds(self.composition_bounds)
