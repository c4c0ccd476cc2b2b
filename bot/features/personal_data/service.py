"""A member's own data (Quebec's Law 25, s. 27: a person may obtain what an organisation holds
about them): everything the bot keeps that is about this person, and nobody else's.

What is in it, table by table, is written here rather than found by following foreign keys, so
that each choice is visible: another person's words never come along (a comment answered is
the member's own comment and the secretariat's response to it, not the other comments on the
item), a pre-authorised download address is left out (it opens a file for whoever holds it),
and what a secretariat member did to others' records is listed as what and when, not the
records' contents. The export itself is written into the audit chain.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.features.actions import tables as actions_tables
from bot.features.commitments import tables as commitments_tables
from bot.features.confidentiality import tables as confidentiality_tables
from bot.features.consultation import tables as consultation_tables
from bot.features.declarations import tables as declarations_tables
from bot.features.documents import tables as documents_tables
from bot.features.mandates import tables as mandates_tables
from bot.features.meetings import tables as meetings_tables
from bot.features.minutes import tables as minutes_tables
from bot.locale import Translator
from bot.storage import tables as platform
from bot.storage.database import Database, utcnow
from bot.storage.repositories import AuditLog, MemberRepository

# The sections, in the order a person reads them, each with a title in the catalogues.
SECTION_TITLE = "mydata.section.{}"
SECTIONS = (
    "registry",
    "mandates",
    "acceptances",
    "general_declarations",
    "meeting_declarations",
    "conflict_measures",
    "attendance",
    "poll_answers",
    "consultation_comments",
    "consultation_responses",
    "consultation_naming",
    "consultation_proposals",
    "action_items",
    "minutes_corrections",
    "commitment_comments",
    "documents_shared",
    "document_access",
    "messages",
    "reachability",
    "acted_for_the_secretariat",
    "audit",
)


@dataclass(frozen=True)
class PersonalData:
    member: Member
    produced_at: datetime
    sections: dict[str, list[dict[str, Any]]]

    def as_json(self) -> bytes:
        document = {
            "produced_at": self.produced_at.isoformat(),
            "member": self.member.email,
            **self.sections,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=_plain).encode()

    def as_html(self, tr: Translator) -> bytes:
        """A page anyone can open in a browser: one table a section, every value escaped."""
        heading = _e(tr.t("mydata.title", name=self.member.display_name))
        produced = self.produced_at.isoformat(timespec="seconds")
        language = "fr-CA" if tr.is_french else "en"
        intro = _e(tr.t("mydata.intro", when=produced))
        parts = [
            "<!doctype html>",
            f'<html lang="{language}"><meta charset="utf-8">',
            f"<title>{heading}</title>",
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse;margin-bottom:1.5rem}"
            "td,th{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}"
            "td{white-space:pre-wrap}</style>",
            f"<h1>{heading}</h1>",
            f"<p>{intro}</p>",
        ]
        nothing = _e(tr.t("mydata.nothing"))
        for name in SECTIONS:
            rows = self.sections.get(name, [])
            parts.append(f"<h2>{_e(tr.t(SECTION_TITLE.format(name)))}</h2>")
            if not rows:
                parts.append(f"<p>{nothing}</p>")
                continue
            columns = list(dict.fromkeys(k for row in rows for k in row))
            parts.append("<table><tr>" + "".join(f"<th>{_e(c)}</th>" for c in columns) + "</tr>")
            for row in rows:
                cells = "".join(f"<td>{_e(_text(row.get(c)))}</td>" for c in columns)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
        parts.append("</html>")
        return "\n".join(parts).encode()


class PersonalDataService:
    def __init__(
        self,
        database: Database,
        members: MemberRepository,
        audit: AuditLog,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._members = members
        self._audit = audit
        self._clock = clock

    async def collect(self, member: Member) -> PersonalData:
        """Everything held about `member` (read only: `export` records who asked)."""
        async with self._db.read() as conn:
            return PersonalData(member, self._clock(), await _collect(conn, member))

    async def export(self, member: Member, by: str) -> PersonalData:
        """Everything held about `member`, and an audit entry saying who asked (the member,
        or the secretariat answering a formal request)."""
        assert member.id is not None
        async with self._db.transaction() as conn:
            # Read first, then recorded: the export does not list its own entry.
            sections = await _collect(conn, member)
            await self._audit.append(
                conn,
                AuditEvent(
                    by, "member.data_exported", "member", str(member.id),
                    {"sections": {k: len(v) for k, v in sections.items()}},
                ),
            )  # fmt: skip
        return PersonalData(member, self._clock(), sections)


async def _collect(conn: AsyncConnection, member: Member) -> dict[str, list[dict[str, Any]]]:
    assert member.id is not None
    me, email = member.id, member.email

    async def rows(query: Select[Any]) -> list[dict[str, Any]]:
        return [dict(r) for r in (await conn.execute(query)).mappings()]

    def mine(table: Table, *columns: str) -> Select[Any]:
        chosen = [table.c[c] for c in columns] if columns else list(table.c)
        return select(*chosen).where(table.c.member_id == me)

    mandate_ids = [m["id"] for m in await rows(select(mandates_tables.mandates.c.id).where(mandates_tables.mandates.c.member_id == me))]  # fmt: skip
    sections: dict[str, list[dict[str, Any]]] = {
        "registry": await rows(select(platform.members).where(platform.members.c.id == me)),
        "mandates": await rows(
            mine(mandates_tables.mandates).order_by(mandates_tables.mandates.c.number)
        ),
        "acceptances": await rows(
            mine(confidentiality_tables.acceptances).order_by(
                confidentiality_tables.acceptances.c.id
            )
        ),
        "general_declarations": await rows(
            mine(declarations_tables.general_declarations).order_by(
                declarations_tables.general_declarations.c.version
            )
        ),
        "meeting_declarations": await rows(
            select(
                declarations_tables.meeting_declarations,
                meetings_tables.meetings.c.title.label("meeting_title"),
                meetings_tables.meetings.c.day.label("meeting_day"),
            )
            .join(
                meetings_tables.meetings,
                meetings_tables.meetings.c.id
                == declarations_tables.meeting_declarations.c.meeting_id,
            )
            .where(declarations_tables.meeting_declarations.c.member_id == me)
            .order_by(declarations_tables.meeting_declarations.c.id)
        ),
        "conflict_measures": await rows(
            mine(declarations_tables.conflict_measures).order_by(
                declarations_tables.conflict_measures.c.id
            )
        ),
        "attendance": await rows(
            select(
                meetings_tables.meeting_attendance,
                meetings_tables.meetings.c.title.label("meeting_title"),
                meetings_tables.meetings.c.day.label("meeting_day"),
            )
            .join(
                meetings_tables.meetings,
                meetings_tables.meetings.c.id == meetings_tables.meeting_attendance.c.meeting_id,
            )
            .where(meetings_tables.meeting_attendance.c.member_id == me)
        ),
        "poll_answers": await rows(
            select(
                meetings_tables.poll_answers,
                meetings_tables.polls.c.title.label("poll_title"),
                meetings_tables.poll_slots.c.day,
                meetings_tables.poll_slots.c.start,
            )
            .join(
                meetings_tables.polls,
                meetings_tables.polls.c.id == meetings_tables.poll_answers.c.poll_id,
            )
            .join(
                meetings_tables.poll_slots,
                (meetings_tables.poll_slots.c.poll_id == meetings_tables.poll_answers.c.poll_id)
                & (
                    meetings_tables.poll_slots.c.position == meetings_tables.poll_answers.c.position
                ),
            )
            .where(meetings_tables.poll_answers.c.member_id == me)
        ),
        "consultation_comments": await rows(
            select(
                consultation_tables.consultation_comments,
                consultation_tables.consultation_rounds.c.title.label("round_title"),
            )
            .join(
                consultation_tables.consultation_rounds,
                consultation_tables.consultation_rounds.c.id
                == consultation_tables.consultation_comments.c.round_id,
            )
            .where(consultation_tables.consultation_comments.c.member_id == me)
            .order_by(consultation_tables.consultation_comments.c.id)
        ),
        "consultation_responses": await rows(
            select(consultation_tables.consultation_responses)
            .join(
                consultation_tables.consultation_response_members,
                consultation_tables.consultation_response_members.c.response_id
                == consultation_tables.consultation_responses.c.id,
            )
            .where(consultation_tables.consultation_response_members.c.member_id == me)
        ),
        "consultation_naming": await rows(mine(consultation_tables.consultation_naming)),
        "consultation_proposals": await rows(mine(consultation_tables.consultation_proposals)),
        "minutes_corrections": await rows(
            select(minutes_tables.minutes_corrections)
            .where(minutes_tables.minutes_corrections.c.member_id == me)
            .order_by(minutes_tables.minutes_corrections.c.id)
        ),
        "commitment_comments": await rows(
            select(commitments_tables.commitment_comments)
            .where(commitments_tables.commitment_comments.c.member_id == me)
            .order_by(commitments_tables.commitment_comments.c.id)
        ),
        "action_items": await rows(
            select(actions_tables.action_items)
            .where(actions_tables.action_items.c.owner_id == me)
            .order_by(actions_tables.action_items.c.id)
        ),
        "documents_shared": await rows(
            select(
                *[
                    documents_tables.documents.c[c]
                    for c in (
                        "id",
                        "name",
                        "meeting_id",
                        "item",
                        "confidential",
                        "description",
                        "shared_at",
                        "status",
                        "stored_in",
                        "size",
                        "web_url",
                    )
                ]
            ).where(documents_tables.documents.c.shared_by == me)
        ),
        "document_access": await rows(
            select(
                documents_tables.document_grants.c.document_id,
                documents_tables.documents.c.name,
                documents_tables.document_grants.c.granted_at,
            )
            .join(
                documents_tables.documents,
                documents_tables.documents.c.id == documents_tables.document_grants.c.document_id,
            )
            .where(documents_tables.document_grants.c.member_id == me)
        ),
        "messages": await rows(
            mine(
                platform.outbox, "kind", "created_at", "due_at", "sent_at", "outcome", "attempts"
            ).order_by(platform.outbox.c.id)
        ),
        "reachability": [
            *await rows(mine(platform.conversation_references, "scope", "updated_at")),
            *await rows(mine(platform.unreachable_members, "reason", "since")),
        ],
        "acted_for_the_secretariat": await _acted(rows, email, me),
        "audit": [
            _about(entry, me, mandate_ids)
            for entry in await rows(
                select(platform.audit_log)
                .where(_names(email, me, mandate_ids))
                .order_by(platform.audit_log.c.seq)
            )
        ],
    }
    return sections


async def _acted(rows: Callable[[Select[Any]], Any], email: str, me: int) -> list[dict[str, Any]]:
    """What this person recorded for the secretariat: which record and when, never the
    record's content (it is someone else's, or the committee's)."""
    found: list[dict[str, Any]] = []
    for table, by, at in (
        (confidentiality_tables.commitment_versions, confidentiality_tables.commitment_versions.c.published_by, confidentiality_tables.commitment_versions.c.published_at),
        (meetings_tables.meetings, meetings_tables.meetings.c.created_by, meetings_tables.meetings.c.created_at),
        (meetings_tables.polls, meetings_tables.polls.c.created_by, meetings_tables.polls.c.created_at),
        (meetings_tables.meeting_decisions, meetings_tables.meeting_decisions.c.recorded_by, meetings_tables.meeting_decisions.c.recorded_at),
        (declarations_tables.conflict_measures, declarations_tables.conflict_measures.c.recorded_by, declarations_tables.conflict_measures.c.recorded_at),
        (mandates_tables.mandates, mandates_tables.mandates.c.decided_by, mandates_tables.mandates.c.decided_at),
        (consultation_tables.consultation_rounds, consultation_tables.consultation_rounds.c.opened_by, consultation_tables.consultation_rounds.c.opened_at),
        (consultation_tables.consultation_responses, consultation_tables.consultation_responses.c.by, consultation_tables.consultation_responses.c.at),
    ):  # fmt: skip
        key = next(iter(table.primary_key.columns))
        for row in await rows(select(key.label("id"), at.label("at")).where(by == email)):
            found.append({"record": table.name, **row})
    for row in await rows(select(confidentiality_tables.commitment_drafts.c.id, confidentiality_tables.commitment_drafts.c.drafted_at.label("at")).where(confidentiality_tables.commitment_drafts.c.drafted_by == me)):  # fmt: skip
        found.append({"record": confidentiality_tables.commitment_drafts.name, **row})
    return found


def _about(entry: dict[str, Any], me: int, mandate_ids: Sequence[int]) -> dict[str, Any]:
    """An entry where this person acted on someone else's record keeps what and when; its
    details are that other person's (their id, their e-mail) and stay out."""
    if _is_theirs(entry["object_type"], entry["object_id"], me, mandate_ids) or (
        f'"member":{me},' in entry["details"] or f'"member":{me}}}' in entry["details"]
    ):
        return entry
    return {**entry, "details": None}


def _is_theirs(object_type: str, object_id: str, me: int, mandate_ids: Sequence[int]) -> bool:
    return (object_type == "member" and object_id == str(me)) or (
        object_type == "mandate" and object_id in {str(m) for m in mandate_ids}
    )


def _names(email: str, me: int, mandate_ids: Sequence[int]) -> ColumnElement[bool]:
    """The audit entries that name this person: as the one who acted, or as the object."""
    log = platform.audit_log
    return or_(
        log.c.actor == email,
        (log.c.object_type == "member") & (log.c.object_id == str(me)),
        (log.c.object_type == "mandate") & log.c.object_id.in_([str(m) for m in mandate_ids]),
        log.c.details.like(f'%"member":{me},%'),
        log.c.details.like(f'%"member":{me}}}%'),
    )


def _plain(value: object) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✔" if value else "—"
    return _plain(value) if isinstance(value, datetime | date | time) else str(value)


def _e(value: str) -> str:
    return html.escape(value, quote=True)
