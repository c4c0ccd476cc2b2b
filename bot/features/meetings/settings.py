"""The meetings' settings: whose calendar holds them, reminders, quorum."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.configuration import Section, positive_days


class MeetingsSettings(Section):
    # The mailbox (UPN or id) whose calendar holds the committee's meetings.
    committee_organizer: str = Field("", alias="COMMITTEE_ORGANIZER")
    # Days before a meeting when members are reminded of it, in personal chat.
    meeting_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 1], alias="MEETING_REMINDER_DAYS"
    )
    # Members present for a meeting to hold: 0 means a majority of the serving members.
    meeting_quorum: int = Field(0, alias="MEETING_QUORUM", ge=0)

    @field_validator("meeting_reminder_days")
    @classmethod
    def _meeting_days(cls, value: list[int]) -> list[int]:
        return positive_days(value)
