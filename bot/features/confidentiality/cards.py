"""Cards of the confidentiality commitment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.members import Member
from bot.features.confidentiality.rules import (
    MAX_SUMMARY_CHARACTERS,
    Acceptance,
    CommitmentVersion,
    StatusRow,
)
from bot.locale import Translator, format_day, format_moment
from bot.teams.cards import (
    Card,
    card,
    error_line,
    execute,
    facts,
    paragraph,
    short,
    show_in_full,
    table,
    text_input,
    title,
)
from bot.teams.platform import Payload

ACCEPT = "confidentiality.accept"
VIEW = "confidentiality.view"
PREVIEW = "confidentiality.preview"
PUBLISH = "confidentiality.publish"
EDIT = "confidentiality.edit"
EXPORT = "confidentiality.export"
TABLE = "confidentiality.table"


class AcceptPayload(Payload):
    """What the commitment card showed: which version, in which language. The invoke's locale
    is the client's at click time, which need not be the card's."""

    version: int | None = None
    language: str | None = None


class PublishPayload(Payload):
    """The publish form's inputs (Teams sends every input with the button)."""

    texts_checked_by_form = True  # each text's control characters are named on the form

    text_fr: str = ""
    text_en: str = ""
    summary_fr: str = ""
    summary_en: str = ""


class DraftPayload(Payload):
    """Which previewed draft to publish or edit: the texts stay on the server (a card carrying
    both would pass Teams' 28 KB)."""

    draft: int


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
    sample: bool = False,
) -> Card:
    """The whole text in the reader's language, with the button or the date it was accepted.
    `sample`: the secretariat's preview of it, whose button would do nothing but confuse:
    shown as a label, not a button."""
    body: list[dict[str, Any]] = [title(tr.t("confidentiality.title", number=version.number))]
    if notice:
        body.append(paragraph(notice, weight="Bolder"))
    changes = version.change_summary_in(tr.locale)
    if changes and accepted is None:
        # What a member who accepted the previous version needs to read first.
        previous = version.number - 1
        body.append(
            paragraph(tr.t("confidentiality.what_changed", number=previous), weight="Bolder")
        )
        body += _text_blocks(changes)
        body.append(paragraph(tr.t("confidentiality.full_text"), weight="Bolder", separator=True))
    body += _text_blocks(version.text_in(tr.locale))
    if accepted is not None:
        body.append(accepted_line(tr, accepted, zone))
        return card(body)
    body.append(paragraph(tr.t("confidentiality.please_accept"), isSubtle=True))
    if sample:
        label = tr.t("confidentiality.sample_button", button=tr.t("confidentiality.accept_button"))
        body.append(paragraph(label, isSubtle=True, separator=True))
        return card(body)
    accept = AcceptPayload(version=version.number, language=tr.locale)
    return card(body, [execute(tr.t("confidentiality.accept_button"), ACCEPT, accept)])


def accepted_line(tr: Translator, accepted: Acceptance, zone: ZoneInfo) -> dict[str, Any]:
    when = format_moment(tr, accepted.accepted_at, zone)
    # Said in words, in bold: Teams' green on white is about 2:1, unreadable for many.
    return paragraph(
        tr.t("confidentiality.accepted_on", when=when, number=accepted.version), weight="Bolder"
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
                tr.t("confidentiality.fingerprint", sha=short(acceptance.text_sha256)),
                isSubtle=True,
                size="Small",
            ),
        ],
        [show_in_full(tr, [(tr.t("confidentiality.fingerprint_full"), acceptance.text_sha256)])],
    )


def superseded(tr: Translator, old: int, current: int) -> Card:
    """What an older version's card becomes once a new one is published: no live button."""
    return card(
        [
            title(tr.t("confidentiality.title", number=old)),
            paragraph(tr.t("confidentiality.superseded", number=current), weight="Bolder"),
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
        for key in ("column.member", "column.status", "column.accepted_on", "column.earlier")
    ]
    lines = []
    for row in rows:
        accepted_now = row.accepted_current
        earlier = row.earlier
        lines.append(
            [
                row.member.display_name,
                status_words(tr, row),
                format_day(tr, accepted_now.accepted_at, zone) if accepted_now else "—",
                tr.t(
                    "confidentiality.earlier_acceptance",
                    number=earlier.version,
                    day=format_day(tr, earlier.accepted_at, zone),
                )
                if earlier
                else "—",
            ]
        )
    body.append(table(headers, lines, [3, 3, 2, 2]))
    return card(body, [execute(tr.t("confidentiality.export_button"), EXPORT)])


def status_words(tr: Translator, row: StatusRow) -> str:
    """A status in words, with an icon that repeats it: never by colour alone."""
    if not row.pending:
        return tr.t("confidentiality.status_accepted")
    if not row.reached:
        return tr.t("confidentiality.status_not_reached")
    return tr.t("confidentiality.status_pending")


def publish_form(
    tr: Translator,
    *,
    error: str | None = None,
    text_fr: str = "",
    text_en: str = "",
    summary_fr: str = "",
    summary_en: str = "",
    asks_summary: bool = False,
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
    if asks_summary:
        # Members who accepted the version in force read this first.
        body += [
            text_input(
                "summary_fr",
                tr.t("confidentiality.summary_fr_label"),
                value=summary_fr,
                required=True,
                error=required,
                multiline=True,
                max_length=MAX_SUMMARY_CHARACTERS,
            ),
            text_input(
                "summary_en",
                tr.t("confidentiality.summary_en_label"),
                value=summary_en,
                required=True,
                error=required,
                multiline=True,
                max_length=MAX_SUMMARY_CHARACTERS,
            ),
        ]
    return card(body, [execute(tr.t("confidentiality.preview_button"), PREVIEW)])


def preview(tr: Translator, number: int, draft_id: int) -> Card:
    """Before anything irreversible: the cards members will receive follow, just below."""
    return card(
        [
            title(tr.t("confidentiality.preview_title", number=number)),
            paragraph(tr.t("confidentiality.preview_body")),
        ],
        [
            execute(tr.t("confidentiality.publish_button"), PUBLISH, DraftPayload(draft=draft_id)),
            execute(tr.t("confidentiality.edit_button"), EDIT, DraftPayload(draft=draft_id)),
        ],
    )


def published(
    tr: Translator,
    version: CommitmentVersion,
    reachable: Sequence[Member],
    unreachable: Sequence[Member],
) -> Card:
    """What happens now, in honest numbers: who gets the card, who cannot be reached yet."""
    body: list[dict[str, Any]] = [
        title(tr.t("confidentiality.published_title", number=version.number)),
        paragraph(tr.n("confidentiality.published_reachable", len(reachable))),
    ]
    if unreachable:
        names = ", ".join(m.display_name for m in unreachable)
        body.append(
            paragraph(tr.n("confidentiality.published_unreachable", len(unreachable), names=names))
        )
    body.append(
        facts(
            [
                ("SHA-256 (fr)", short(version.sha256_fr)),
                ("SHA-256 (en)", short(version.sha256_en)),
            ]
        )
    )
    full = [("SHA-256 (fr)", version.sha256_fr), ("SHA-256 (en)", version.sha256_en)]
    return card(body, [show_in_full(tr, full)])


def preview_done(tr: Translator, number: int) -> Card:
    """The preview card once « Publier » was pressed: the confirmation is sent below it, at the
    bottom of the conversation where the secretariat is looking."""
    return card(
        [
            title(tr.t("confidentiality.preview_title", number=number)),
            paragraph(tr.t("confidentiality.preview_published"), weight="Bolder"),
        ]
    )
