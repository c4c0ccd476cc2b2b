"""How a change to a meeting is said to members: from what to what, and the agenda items added
and removed, by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.features.meetings.rules import Meeting
from bot.locale import Translator, format_moment


def what_changed(
    tr: Translator,
    meeting: Meeting,
    zone: ZoneInfo,
    *,
    was: datetime | None = None,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> list[str]:
    """A change said from what to what: « Déplacée du 20 janvier 2027 à 13 h 30 au
    20 janvier 2027 à 14 h 00 », and the agenda items added and removed by name."""
    lines = []
    if was is not None:
        lines.append(
            tr.t(
                "meetings.moved_from_to",
                was=format_moment(tr, was, zone),
                now=format_moment(tr, meeting.starts_at, zone),
            )
        )
    if added:
        items = ", ".join(tr.t("meetings.item_quoted", title=t) for t in added)
        lines.append(tr.t("meetings.items_added", items=items))
    if removed:
        items = ", ".join(tr.t("meetings.item_quoted", title=t) for t in removed)
        lines.append(tr.t("meetings.items_removed", items=items))
    return lines
