"""Cards of the documents: the sharer's questions, the channel's announcement, the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from bot.features.confidentiality import cards as confidentiality_cards
from bot.features.documents.ports import Listed, Place
from bot.features.documents.rules import DESCRIPTION_MAX, Denial, Document, DocumentStatus
from bot.features.meetings.rules import Meeting
from bot.locale import Translator, format_day
from bot.teams.cards import (
    Card,
    Element,
    Payload,
    card,
    choice_set,
    error_line,
    execute,
    paragraph,
    text_input,
    title,
)

SHARE = "documents.share"
RETRY = "documents.retry"
OPEN = "documents.open"
LIST = "documents.list"


class DocumentRef(Payload):
    document: int


class SharePayload(Payload):
    document: int
    place: str = Field(default="", max_length=40)
    confidential: Literal["true", "false"] = "false"
    description: str = Field(default="", max_length=4 * DESCRIPTION_MAX)


def open_button(tr: Translator, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": tr.t("documents.open"), "url": url}


def _meeting_label(tr: Translator, meeting: Meeting | None, zone: ZoneInfo) -> str:
    if meeting is None:
        return tr.t("documents.general")
    return tr.t(
        "documents.meeting_label",
        title=meeting.plan.title,
        day=format_day(tr, meeting.starts_at, zone),
    )


def _place_label(tr: Translator, place: Place, zone: ZoneInfo) -> str:
    meeting = _meeting_label(tr, place.meeting, zone)
    if place.item is None:
        return meeting
    return tr.t("documents.item_label", meeting=meeting, item=place.item)


def share_form(
    tr: Translator,
    document: Document,
    places: Sequence[Place],
    zone: ZoneInfo,
    *,
    typed: SharePayload | None = None,
    errors: Sequence[str] = (),
) -> Card:
    """The sharer's one card: where the document belongs, whether it is confidential, a
    short description. The file itself waits on the bot's side (never in the card)."""
    choices = [(p.key, _place_label(tr, p, zone)) for p in places]
    body: list[Element] = [
        title(tr.t("documents.share_title", name=document.name)),
        paragraph(tr.t("documents.share_intro")),
        *[error_line(text) for text in errors],
        choice_set(
            "place",
            tr.t("documents.place_label"),
            choices,
            value=typed.place if typed else "general",
            # A drop-down once the list is long: every agenda item of every coming meeting.
            expanded=len(choices) <= 5,
            required=True,
            error=tr.t("documents.place_required"),
        ),
        {
            "type": "Input.Toggle",
            "id": "confidential",
            "label": tr.t("documents.confidential_label"),
            "title": tr.t("documents.confidential_title"),
            "value": typed.confidential if typed else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
        paragraph(tr.t("documents.confidential_help"), isSubtle=True, size="Small"),
        text_input(
            "description",
            tr.t("documents.description_label"),
            value=typed.description if typed else "",
            multiline=True,
            max_length=DESCRIPTION_MAX,
        ),
    ]
    return card(
        body,
        [execute(tr.t("documents.share_button"), SHARE, DocumentRef(document=document.id))],
    )


def uploading(tr: Translator, document: Document) -> Card:
    return card(
        [
            title(tr.t("documents.uploading_title", name=document.name)),
            paragraph(tr.t("documents.uploading")),
        ]
    )


def refused(tr: Translator, reason_key: str, max_mb: int = 0) -> Card:
    return card(
        [title(tr.t("documents.refused_title")), paragraph(tr.t(reason_key, max_mb=max_mb))]
    )


def stored(
    tr: Translator,
    document: Document,
    meeting: Meeting | None,
    zone: ZoneInfo,
    url: str | None,
    *,
    announced: bool = True,
) -> Card:
    """To the sharer: it is in place, and whether the channel is told (it is not when no
    channel of the committee is known yet)."""
    body: list[Element] = [
        title(tr.t("documents.stored_title", name=document.name)),
        paragraph(tr.t("documents.stored", place=_meeting_label(tr, meeting, zone))),
        paragraph(
            tr.t("documents.stored_announced" if announced else "documents.stored_not_announced")
        ),
    ]
    if document.confidential:
        body.append(paragraph(tr.t("documents.stored_confidential")))
    return card(body, [open_button(tr, url)] if url else None)


def failed(tr: Translator, document: Document, reason_key: str, max_mb: int) -> Card:
    actions = []
    # A retry cannot help a file too large, nor one from an address the bot never fetches.
    if reason_key not in ("documents.refused.size", "documents.refused.source"):
        actions.append(execute(tr.t("documents.retry"), RETRY, DocumentRef(document=document.id)))
    return card(
        [
            title(tr.t("documents.failed_title", name=document.name)),
            paragraph(tr.t(reason_key, max_mb=max_mb)),
            paragraph(tr.t("documents.failed_nothing_listed"), isSubtle=True),
        ],
        actions,
    )


def exposed(tr: Translator, document: Document) -> Card:
    """To the secretariat: the confidential folder is open to the whole team."""
    return card(
        [
            title(tr.t("documents.exposed_title")),
            paragraph(tr.t("documents.exposed", name=document.name)),
            paragraph(tr.t("documents.exposed_fix"), weight="Bolder"),
        ]
    )


def _about(
    tr: Translator, document: Document, meeting: Meeting | None, sharer: str, zone: ZoneInfo
) -> list[Element]:
    lines = [
        paragraph(document.name, weight="Bolder"),
        paragraph(
            tr.t(
                "documents.about",
                place=_meeting_label(tr, meeting, zone),
                who=sharer,
                day=format_day(tr, document.shared_at, zone),
            ),
            isSubtle=True,
            spacing="None",
        ),
    ]
    if document.item:
        lines.append(paragraph(tr.t("documents.item", item=document.item), spacing="None"))
    if document.description:
        lines.append(paragraph(document.description, spacing="None"))
    if document.confidential:
        lines.append(paragraph(tr.t("documents.confidential_note"), spacing="None"))
    return lines


def channel_card(
    tr: Translator,
    document: Document,
    meeting: Meeting | None,
    sharer: str,
    zone: ZoneInfo,
    url: str | None,
) -> Card:
    """The channel's announcement. `url` opens the document in SharePoint (which lets in only
    those invited, for a confidential one); None in local mode, where each person's link is
    personal and signed: the button then asks the bot for it."""
    button = (
        open_button(tr, url)
        if url
        else execute(tr.t("documents.open"), OPEN, DocumentRef(document=document.id))
    )
    return card(
        [title(tr.t("documents.channel_title")), *_about(tr, document, meeting, sharer, zone)],
        [button],
    )


def open_card(tr: Translator, document: Document, url: str | None, denial: Denial | None) -> Card:
    """What one person gets on asking to open a document (local mode's personal link)."""
    body: list[Element] = [title(document.name)]
    actions: list[dict[str, Any]] = []
    if denial is not None:
        body.append(paragraph(tr.t(denial.value)))
        if denial is Denial.COMMITMENT:
            actions.append(execute(tr.t("documents.read_commitment"), confidentiality_cards.VIEW))
    elif url:
        body.append(paragraph(tr.t("documents.link_personal")))
        actions.append(open_button(tr, url))
    else:
        body.append(paragraph(tr.t("documents.missing")))
    return card(body, actions)


def documents_list(tr: Translator, listed: Sequence[Listed], zone: ZoneInfo) -> Card:
    """Per meeting, most recent first; *Ouvrir* only where this person may open, otherwise
    why not (and, for the commitment, the way to accept it)."""
    if not listed:
        return card([title(tr.t("documents.list_title")), paragraph(tr.t("documents.list_empty"))])
    body: list[Element] = [title(tr.t("documents.list_title"))]
    groups: dict[int | None, list[Listed]] = {}
    for entry in listed:
        groups.setdefault(entry.document.meeting_id, []).append(entry)
    for entries in groups.values():
        body.append(
            {
                "type": "TextBlock",
                "text": _meeting_label(tr, entries[0].meeting, zone),
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
                "separator": True,
            }
        )
        for entry in entries:
            body.extend(_about(tr, entry.document, entry.meeting, entry.shared_by, zone))
            body.extend(_door(tr, entry))
    body.append(paragraph(tr.t("documents.list_footer"), isSubtle=True, size="Small"))
    return card(body)


def _door(tr: Translator, entry: Listed) -> list[Element]:
    if entry.document.status is DocumentStatus.MISSING:
        return [paragraph(tr.t("documents.missing"), weight="Bolder")]
    if entry.denial is not None:
        found: list[Element] = [paragraph(tr.t(entry.denial.value), weight="Bolder")]
        if entry.denial is Denial.COMMITMENT:
            found.append(
                {
                    "type": "ActionSet",
                    "actions": [
                        execute(tr.t("documents.read_commitment"), confidentiality_cards.VIEW)
                    ],
                }
            )
        return found
    if entry.open_url:
        return [{"type": "ActionSet", "actions": [open_button(tr, entry.open_url)]}]
    return []
