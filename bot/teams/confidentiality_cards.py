"""Cards of the confidentiality commitment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.confidentiality import Acceptance, CommitmentVersion, StatusRow
from bot.domain.members import Member
from bot.locale import Translator, format_moment
from bot.teams.cards import (
    Card,
    card,
    error_line,
    execute,
    facts,
    paragraph,
    table,
    text_input,
    title,
)
from bot.teams.platform import Payload

ACCEPT = "confidentiality.accept"
VIEW = "confidentiality.view"
PUBLISH = "confidentiality.publish"
EXPORT = "confidentiality.export"
TABLE = "confidentiality.table"


class AcceptPayload(Payload):
    """What the commitment card showed: which version, in which language. The invoke's locale
    is the client's at click time, which need not be the card's."""

    version: int | None = None
    language: str | None = None


class PublishPayload(Payload):
    """The two texts typed in the publish form (Teams sends every input with the button)."""

    text_fr: str = ""
    text_en: str = ""


def _text_blocks(text: str) -> list[dict[str, Any]]:
    # One TextBlock a paragraph keeps the published layout; Teams renders simple markdown.
    return [paragraph(part) for part in text.split("\n\n") if part.strip()]


def commitment(
    tr: Translator,
    version: CommitmentVersion,
    accepted: Acceptance | None,
    zone: ZoneInfo,
    *,
    notice: str | None = None,
) -> Card:
    """The whole text in the reader's language, with the button or the date it was accepted."""
    body: list[dict[str, Any]] = [title(tr.t("confidentiality.title", number=version.number))]
    if notice:
        body.append(paragraph(notice, color="Attention", weight="Bolder"))
    body += _text_blocks(version.text_in(tr.locale))
    if accepted is not None:
        body.append(accepted_line(tr, accepted, zone))
        return card(body)
    body.append(paragraph(tr.t("confidentiality.please_accept"), isSubtle=True))
    accept = AcceptPayload(version=version.number, language=tr.locale)
    return card(body, [execute(tr.t("confidentiality.accept_button"), ACCEPT, accept)])


def accepted_line(tr: Translator, accepted: Acceptance, zone: ZoneInfo) -> dict[str, Any]:
    when = format_moment(tr, accepted.accepted_at, zone)
    return paragraph(
        tr.t("confidentiality.accepted_on", when=when, number=accepted.version),
        color="Good",
        weight="Bolder",
    )


def accepted(
    tr: Translator, version: CommitmentVersion, acceptance: Acceptance, zone: ZoneInfo
) -> Card:
    """What replaces the card in place once the member has pressed the button."""
    return card(
        [
            title(tr.t("confidentiality.title", number=version.number)),
            accepted_line(tr, acceptance, zone),
            paragraph(tr.t("confidentiality.thanks")),
            paragraph(
                tr.t("confidentiality.fingerprint", sha=acceptance.text_sha256),
                isSubtle=True,
                size="Small",
            ),
        ]
    )


def in_channel(tr: Translator, version: CommitmentVersion, viewer_ids: Sequence[str]) -> Card:
    """In a channel everyone sees the same card: Teams refreshes it per viewer (their own status)."""
    result = card(
        [
            title(tr.t("confidentiality.title", number=version.number)),
            *_text_blocks(version.text_in(tr.locale)),
        ],
        [execute(tr.t("confidentiality.my_status_button"), VIEW)],
    )
    if viewer_ids:
        result["refresh"] = {
            "action": execute(tr.t("confidentiality.my_status_button"), VIEW),
            "userIds": list(viewer_ids)[:60],
        }
    return result


def nothing_published(tr: Translator) -> Card:
    return card(
        [title(tr.t("confidentiality.heading")), paragraph(tr.t("confidentiality.none_yet"))]
    )


def refused(tr: Translator, message_key: str) -> Card:
    return card([title(tr.t("confidentiality.heading")), paragraph(tr.t(message_key))])


def reminder(tr: Translator, version: CommitmentVersion, days: int, zone: ZoneInfo) -> Card:
    notice = tr.t("confidentiality.reminder_notice", days=days)
    return commitment(tr, version, None, zone, notice=notice)


def escalation(
    tr: Translator, version: CommitmentVersion, overdue: Sequence[Member], days: int
) -> Card:
    lines = "\n".join(f"- {m.display_name} ({m.organisation})" for m in overdue)
    return card(
        [
            title(tr.t("confidentiality.escalation_title")),
            paragraph(
                tr.n(
                    "confidentiality.escalation_body",
                    len(overdue),
                    number=version.number,
                    days=days,
                )
            ),
            paragraph(lines),
        ],
        [execute(tr.t("confidentiality.see_table_button"), TABLE)],
    )


def gate(tr: Translator) -> Card:
    """Shown instead of confidential material to a member who has not accepted yet."""
    return card(
        [title(tr.t("confidentiality.gate_title")), paragraph(tr.t("confidentiality.gate_body"))],
        [execute(tr.t("confidentiality.open_button"), VIEW)],
    )


def status_table(
    tr: Translator, version: CommitmentVersion | None, rows: Sequence[StatusRow], zone: ZoneInfo
) -> Card:
    pending = sum(1 for r in rows if r.pending)
    body: list[dict[str, Any]] = [title(tr.t("confidentiality.status_title"))]
    if version is None:
        body.append(paragraph(tr.t("confidentiality.none_yet")))
        return card(body)
    body.append(
        paragraph(
            tr.n(
                "confidentiality.status_summary",
                pending,
                number=version.number,
                total=len(rows),
            )
        )
    )

    headers = [
        tr.t(key)
        for key in ("column.member", "column.organisation", "column.version", "column.accepted_on")
    ]
    lines = []
    for row in rows:
        status = (
            tr.t("confidentiality.pending")
            if row.pending
            else str(row.latest.version if row.latest else "")
        )
        if row.pending and row.latest is not None:
            status = tr.t("confidentiality.pending_was", number=row.latest.version)
        accepted_on = format_moment(tr, row.latest.accepted_at, zone) if row.latest else "—"
        lines.append([row.member.display_name, row.member.organisation, status, accepted_on])
    body.append(table(headers, lines, [3, 3, 2, 3]))
    return card(body, [execute(tr.t("confidentiality.export_button"), EXPORT)])


def publish_form(
    tr: Translator, *, error: str | None = None, text_fr: str = "", text_en: str = ""
) -> Card:
    body: list[dict[str, Any]] = [
        title(tr.t("confidentiality.publish_title")),
        paragraph(tr.t("confidentiality.publish_intro")),
    ]
    if error:
        body.append(error_line(error))
    required = tr.t("confidentiality.error.empty_field")
    body += [
        text_input(
            "text_fr",
            tr.t("confidentiality.text_fr_label"),
            value=text_fr,
            required=True,
            error=required,
            multiline=True,
        ),
        text_input(
            "text_en",
            tr.t("confidentiality.text_en_label"),
            value=text_en,
            required=True,
            error=required,
            multiline=True,
        ),
    ]
    return card(body, [execute(tr.t("confidentiality.publish_button"), PUBLISH)])


def published(tr: Translator, version: CommitmentVersion, pending: int) -> Card:
    return card(
        [
            title(tr.t("confidentiality.published_title", number=version.number)),
            paragraph(tr.t("confidentiality.published_body", pending=pending)),
            facts([("SHA-256 (fr)", version.sha256_fr), ("SHA-256 (en)", version.sha256_en)]),
        ]
    )
