"""Action-plan consultations: opening a round, members' comments, the secretariat's reasoned
responses, proposals, reopening, and the public report.

Everything goes in the audit chain: an opening (with the SHA-256 of its items), each comment
(its fingerprint, never its text), each response, each reopening, each export (the SHA-256 of
the file published). What the bot sends on its own — the round to each member, reminders to
those who have not answered anything, a response to its commenters, a proposal to the
secretariat — goes through the outbox, each once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent, fingerprint
from bot.domain.members import Member, SeatCategory
from bot.domain.problems import Problem
from bot.features.consultation import rules
from bot.features.consultation.rules import (
    Comment,
    Item,
    Opinion,
    Phase,
    Proposal,
    ProposalKind,
    Response,
    Round,
    Verdict,
)
from bot.features.consultation.store import ConsultationRepository
from bot.features.consultation.views import (
    CommentOutcome,
    ConsultationWork,
    ItemView,
    MemberView,
    OpenOutcome,
)
from bot.features.declarations.service import DeclarationsService
from bot.features.meetings.store import MeetingRepository
from bot.locale import Translator
from bot.services.spreadsheet import to_csv
from bot.storage.database import Database
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, ConversationReferences, MemberRepository

OPENED = "consultation.opened"
REMINDER = "consultation.reminder"
RESPONDED = "consultation.response"
PROPOSED = "consultation.proposal"
# Reminders go out in the morning, committee time.
SEND_AT = time(9, 0)


class ConsultationService:
    def __init__(
        self,
        database: Database,
        consultations: ConsultationRepository,
        members: MemberRepository,
        meetings: MeetingRepository,
        audit: AuditLog,
        outbox: Outbox,
        declarations: DeclarationsService,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        *,
        reminder_days: Sequence[int] = (7, 2),
    ) -> None:
        self._db = database
        self._rounds = consultations
        self._members = members
        self._meetings = meetings
        self._audit = audit
        self._outbox = outbox
        self._declarations = declarations
        self._zone = zone
        self._clock = clock
        self._reminder_days = reminder_days

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    def is_open(self, found: Round) -> bool:
        return found.is_open(self._clock(), self._zone)

    async def _commenting(self, conn: AsyncConnection) -> list[Member]:
        """Who comments: serving members who are not the secretariat."""
        today = self._today()
        return [
            m
            for m in await self._members.all(conn)
            if m.is_serving(today) and not m.is_secretariat and m.id is not None
        ]

    # --- the secretariat opens, reopens --------------------------------------------------

    async def open_round(
        self,
        title: str,
        phase: Phase,
        deadline: date | None,
        items: Sequence[Item],
        by: Member,
        meeting_id: int | None = None,
    ) -> OpenOutcome:
        problems = rules.round_problems(title, deadline, items, self._today())
        if problems or deadline is None:
            return OpenOutcome(None, problems)
        now = self._clock()
        async with self._db.transaction() as conn:
            if meeting_id is not None and await self._meetings.get(conn, meeting_id) is None:
                return OpenOutcome(None, [Problem("meeting", "consultation.error.meeting")])
            round_id = await self._rounds.add_round(
                conn, title=title.strip(), phase=phase, deadline=deadline, items=items,
                meeting_id=meeting_id, by=by.email, at=now,
            )  # fmt: skip
            opened = await self._rounds.get(conn, round_id)
            assert opened is not None
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email, "consultation.opened", "consultation", str(round_id),
                    {"phase": phase.value, "deadline": deadline.isoformat(),
                     "items": len(items), "sha256": fingerprint(
                         [[i.number, i.title, i.text, i.link] for i in items])},
                ),
            )  # fmt: skip
            for member in await self._commenting(conn):
                assert member.id is not None
                await self._outbox.plan(
                    conn, f"consultation:{round_id}:opened:{member.id}", OPENED, member.id,
                    {"round": round_id}, now,
                )  # fmt: skip
            await self._plan_reminders(conn, opened)
        return OpenOutcome(opened)

    async def _plan_reminders(self, conn: AsyncConnection, found: Round) -> None:
        now = self._clock()
        for days in self._reminder_days:
            due = datetime.combine(found.deadline - timedelta(days=days), SEND_AT, self._zone)
            if due <= now:
                continue
            for member in await self._commenting(conn):
                assert member.id is not None
                await self._outbox.plan(
                    conn,
                    f"consultation:{found.id}:reminder:{found.deadline}:{days}:{member.id}",
                    REMINDER, member.id,
                    {"round": found.id, "days": days, "deadline": found.deadline.isoformat()},
                    due,
                )  # fmt: skip

    async def reopen(self, round_id: int, deadline: date | None, by: Member) -> OpenOutcome:
        """A new deadline (after today); members are told the round is open again."""
        if deadline is None or deadline < self._today():
            return OpenOutcome(None, [Problem("deadline", "consultation.error.deadline_past")])
        now = self._clock()
        async with self._db.transaction() as conn:
            found = await self._rounds.get(conn, round_id)
            if found is None:
                return OpenOutcome(None, [Problem("round", "consultation.error.unknown")])
            await self._rounds.reopen(conn, round_id, deadline)
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email, "consultation.reopened", "consultation", str(round_id),
                    {"from": found.deadline.isoformat(), "to": deadline.isoformat()},
                ),
            )  # fmt: skip
            reopened = await self._rounds.get(conn, round_id)
            assert reopened is not None
            for member in await self._commenting(conn):
                assert member.id is not None
                await self._outbox.plan(
                    conn,
                    f"consultation:{round_id}:opened:{member.id}:until:{deadline}",
                    OPENED, member.id, {"round": round_id, "reopened": True}, now,
                )  # fmt: skip
            await self._plan_reminders(conn, reopened)
        return OpenOutcome(reopened)

    # --- members -----------------------------------------------------------------------------

    async def rounds(self) -> list[Round]:
        async with self._db.read() as conn:
            return await self._rounds.all(conn)

    async def get(self, round_id: int) -> Round | None:
        async with self._db.read() as conn:
            return await self._rounds.get(conn, round_id)

    async def reach(self) -> tuple[list[Member], list[Member]]:
        """Whom a round goes to: those the bot can write to now, and those it cannot yet
        (they never opened a chat with it; it waits for them)."""
        async with self._db.read() as conn:
            commenting = await self._commenting(conn)
            reachable = await ConversationReferences().reachable_members(conn)
        return (
            [m for m in commenting if m.id in reachable],
            [m for m in commenting if m.id not in reachable],
        )

    async def member_view(self, member: Member, round_id: int) -> MemberView | None:
        async with self._db.read() as conn:
            found = await self._rounds.get(conn, round_id)
            if found is None:
                return None
            return await self._view(conn, member, found)

    async def _view(self, conn: AsyncConnection, member: Member, found: Round) -> MemberView:
        mine = await self._rounds.comments(conn, found.id, member_id=member.id or 0)
        responses = await self._rounds.responses(conn, found.id)
        latest = {item: c for (item, _), c in rules.latest(mine).items()}
        answered = {
            item: r for (item, member_id), r in rules.answered(responses).items()
            if member_id == member.id
        }  # fmt: skip
        return MemberView(found, latest, answered, self.is_open(found))

    async def comment(
        self,
        member: Member,
        round_id: int,
        number: str,
        opinion: Opinion,
        text: str,
        interest: bool,
        seen: int | None = None,
    ) -> CommentOutcome:
        """Who comments is the activity's member; the round and item come from the card and
        are checked here: another round, a closed one, an item it does not have record
        nothing. `seen`: the version of their comment the form showed; from a form older
        than the one in force, nothing is saved (stale)."""
        text = text.strip()
        if member.id is None or member.is_secretariat or not member.is_serving(self._today()):
            return CommentOutcome("refused", refusal="consultation.refused.not_commenting")
        problems = rules.comment_problems(opinion, text)
        now = self._clock()
        # Read before the write transaction: the declarations have their own connection.
        declared = False
        known = await self.get(round_id)
        if known is not None:
            declared = await self._declared_conflict(known, number, member)
        async with self._db.transaction() as conn:
            found = await self._rounds.get(conn, round_id)
            if found is None or found.item(number) is None:
                return CommentOutcome("refused", refusal="consultation.refused.unknown")
            if not found.is_open(now, self._zone):
                return CommentOutcome("refused", refusal="consultation.refused.closed")
            if problems:
                return CommentOutcome("refused", problems=problems)
            mine = await self._rounds.comments(conn, round_id, member_id=member.id, item=number)
            before = mine[-1] if mine else None
            if before is not None and (before.opinion, before.text) == (opinion, text):
                return CommentOutcome("unchanged", comment=before)
            if seen is not None and seen != (before.version if before else 0):
                return CommentOutcome("stale", comment=before)
            naming = await self._rounds.naming(conn)
            everything = await self._rounds.commented_ever(conn, member.id)
            version = (before.version if before else 0) + 1
            if not await self._rounds.add_comment(
                conn, round_id=round_id, item=number, member_id=member.id, version=version,
                opinion=opinion, text=text, conflicted=interest or declared, at=now,
            ):  # fmt: skip
                return CommentOutcome("unchanged", comment=before)
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email, "consultation.commented", "consultation", str(round_id),
                    {"item": number, "version": version, "opinion": opinion.value,
                     "sha256": fingerprint(text), "conflicted": interest or declared},
                ),
            )  # fmt: skip
            [comment] = [
                c for c in await self._rounds.comments(
                    conn, round_id, member_id=member.id, item=number)
                if c.version == version
            ]  # fmt: skip
        return CommentOutcome(
            "recorded", comment=comment, ask_naming=member.id not in naming and not everything
        )

    async def _declared_conflict(self, found: Round, number: str, member: Member) -> bool:
        """A conflict declared on the linked meeting's agenda item of the same title."""
        item = found.item(number)
        if found.meeting_id is None or item is None:
            return False
        conflicted = await self._declarations.conflicted(found.meeting_id, item.title)
        return member.id in conflicted

    async def set_naming(self, member: Member, named: bool) -> None:
        assert member.id is not None
        async with self._db.transaction() as conn:
            await self._rounds.set_naming(conn, member.id, named, self._clock())
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email, "consultation.naming", "member", str(member.id),
                    {"named": named},
                ),
            )  # fmt: skip

    async def propose(
        self, member: Member, kind: ProposalKind, title: str, description: str, why: str
    ) -> tuple[Proposal | None, list[Problem]]:
        if member.id is None or not member.is_serving(self._today()):
            return None, [Problem("member", "consultation.refused.not_commenting")]
        problems = rules.proposal_problems(title, description, why)
        if problems:
            return None, problems
        now = self._clock()
        async with self._db.transaction() as conn:
            proposal_id = await self._rounds.add_proposal(
                conn, member_id=member.id, kind=kind, title=title.strip(),
                description=description.strip(), why=why.strip(), at=now,
            )  # fmt: skip
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email, "consultation.proposed", "proposal", str(proposal_id),
                    {"kind": kind.value,
                     "sha256": fingerprint([title, description, why])},
                ),
            )  # fmt: skip
            for clerk in await self._members.secretariat(conn, serving_on=self._today()):
                if clerk.id == member.id:
                    continue
                await self._outbox.plan(
                    conn, f"consultation:proposal:{proposal_id}:{clerk.id}", PROPOSED,
                    clerk.id, {"proposal": proposal_id}, now,
                )  # fmt: skip
            proposal = await self._rounds.proposal(conn, proposal_id)
        return proposal, []

    # --- the secretariat reads and answers --------------------------------------------------

    async def item_view(self, round_id: int, number: str) -> tuple[Round, ItemView] | None:
        async with self._db.read() as conn:
            found = await self._rounds.get(conn, round_id)
            item = found.item(number) if found else None
            if found is None or item is None:
                return None
            comments = await self._rounds.comments(conn, round_id, item=number)
            responses = await self._rounds.responses(conn, round_id)
            members = {m.id: m for m in await self._members.all(conn)}
        versions = Counter(c.member_id for c in comments)
        answered = rules.answered(responses)
        rows = [
            (members[c.member_id], c, versions[c.member_id], answered.get((number, c.member_id)))
            for c in rules.latest(comments).values()
            if c.member_id in members
        ]
        return found, ItemView(item, rows)

    async def counts(self, round_id: int) -> dict[str, int]:
        """How many members commented on each item (comments in force)."""
        async with self._db.read() as conn:
            comments = await self._rounds.comments(conn, round_id)
        return dict(Counter(item for (item, _) in rules.latest(comments)))

    async def respond(
        self,
        round_id: int,
        number: str,
        member_ids: Sequence[int],
        verdict: Verdict | None,
        reason: str,
        by: Member,
    ) -> tuple[Response | None, list[Problem]]:
        problems = rules.response_problems(verdict, reason, member_ids)
        if problems or verdict is None:
            return None, problems
        now = self._clock()
        async with self._db.transaction() as conn:
            found = await self._rounds.get(conn, round_id)
            if found is None or found.item(number) is None:
                return None, [Problem("round", "consultation.error.unknown")]
            commenters = {c.member_id for c in await self._rounds.comments(
                conn, round_id, item=number)}  # fmt: skip
            if not set(member_ids) <= commenters:
                return None, [Problem("members", "consultation.error.not_commenters")]
            response_id = await self._rounds.add_response(
                conn, round_id=round_id, item=number, member_ids=sorted(set(member_ids)),
                verdict=verdict, reason=reason.strip(), by=by.email, at=now,
            )  # fmt: skip
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email, "consultation.responded", "consultation", str(round_id),
                    {"item": number, "response": response_id, "verdict": verdict.value,
                     "members": sorted(set(member_ids)), "sha256": fingerprint(reason)},
                ),
            )  # fmt: skip
            for member_id in sorted(set(member_ids)):
                await self._outbox.plan(
                    conn, f"consultation:response:{response_id}:{member_id}", RESPONDED,
                    member_id, {"round": round_id, "response": response_id}, now,
                )  # fmt: skip
            response = await self._rounds.response(conn, response_id)
        return response, []

    async def proposals(self) -> list[tuple[Proposal, Member | None]]:
        async with self._db.read() as conn:
            members = {m.id: m for m in await self._members.all(conn)}
            return [(p, members.get(p.member_id)) for p in await self._rounds.proposals(conn)]

    # --- what the outbox delivers ---------------------------------------------------------------

    async def delivery(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> ConsultationWork | None:
        """What a message still has to say; None when it no longer should go (a reminder to
        someone who has answered, a round closed since, a member no longer serving)."""
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self._today()):
            return None
        if message.kind == PROPOSED:
            proposal = await self._rounds.proposal(conn, int(message.payload.get("proposal", 0)))
            if proposal is None:
                return None
            author = await self._members.get(conn, proposal.member_id)
            return ConsultationWork(member, proposal=proposal, author=author)
        found = await self._rounds.get(conn, int(message.payload.get("round", 0)))
        if found is None:
            return None
        if message.kind == RESPONDED:
            response = await self._rounds.response(conn, int(message.payload.get("response", 0)))
            if response is None:
                return None
            mine = await self._rounds.comments(
                conn, found.id, member_id=member.id, item=response.item
            )
            return ConsultationWork(
                member, found, response=response, comment=mine[-1] if mine else None
            )
        if not found.is_open(self._clock(), self._zone):
            return None
        if message.kind == REMINDER:
            if message.payload.get("deadline") != found.deadline.isoformat():
                return None  # reopened since: the new deadline has its own reminders
            if member.id in await self._rounds.commenters(conn, found.id):
                return None
        return ConsultationWork(member, found, await self._view(conn, member, found))

    # --- the public report ---------------------------------------------------------------------

    async def _report_rows(
        self, round_id: int, tr: Translator
    ) -> tuple[Round, list[tuple[Item, list[tuple[str, Comment, Response | None]]]]] | None:
        async with self._db.read() as conn:
            found = await self._rounds.get(conn, round_id)
            if found is None:
                return None
            comments = await self._rounds.comments(conn, round_id)
            responses = rules.answered(await self._rounds.responses(conn, round_id))
            naming = await self._rounds.naming(conn)
            members = {m.id: m for m in await self._members.all(conn)}
        in_force = rules.latest(comments)
        rows = []
        for item in found.items:
            entries = []
            for (number, member_id), comment in sorted(in_force.items()):
                if number != item.number or member_id not in members:
                    continue
                who = public_name(tr, members[member_id], naming.get(member_id, False))
                entries.append((who, comment, responses.get((number, member_id))))
            rows.append((item, entries))
        return found, rows

    async def csv_export(self, round_id: int, tr: Translator, by: str) -> bytes | None:
        """Every item, with its counts per opinion on each of its rows, then one row per
        comment in force with the response beside it; an item nobody commented on has one
        row, so the public table lists the whole round as the Markdown report does."""
        found = await self._report_rows(round_id, tr)
        if found is None:
            return None
        consultation, rows = found
        lines: list[list[str]] = []
        for item, entries in rows:
            counts = Counter(c.opinion for _, c, _ in entries)
            shared = [
                consultation.title,
                item.number,
                item.title,
                *(str(counts[o]) for o in Opinion),
            ]
            lines += [
                [
                    *shared, who, tr.t(f"consultation.opinion.{c.opinion.value}"), c.text,
                    tr.t(f"consultation.verdict.{r.verdict.value}") if r else "",
                    r.reason if r else "",
                ]
                for who, c, r in entries
            ] or [[*shared, "", "", "", "", ""]]  # fmt: skip
        headers = [
            tr.t("consultation.csv.round"),
            tr.t("consultation.csv.number"),
            tr.t("consultation.csv.item"),
            *(tr.t(f"consultation.opinion.{o.value}") for o in Opinion),
            *(tr.t(f"consultation.csv.{column}")
              for column in ("member", "opinion", "comment", "response", "reason")),
        ]  # fmt: skip
        content = to_csv(headers, lines, french=tr.is_french)
        await self._exported(round_id, "csv", content, by)
        return content

    async def markdown_report(self, round_id: int, tr: Translator, by: str) -> bytes | None:
        found = await self._report_rows(round_id, tr)
        if found is None:
            return None
        consultation, rows = found
        out = [
            f"# {consultation.title}",
            "",
            tr.t(
                "consultation.report.intro",
                phase=tr.t(f"consultation.phase.{consultation.phase.value}"),
                deadline=consultation.deadline.isoformat(),
            ),
            "",
        ]
        for item, entries in rows:
            out += [f"## {item.number}. {item.title}", ""]
            if item.text:
                out += [item.text, ""]
            counts = Counter(c.opinion for _, c, _ in entries)
            summary = ", ".join(
                tr.t(
                    "consultation.report.count",
                    opinion=tr.t(f"consultation.opinion.{o.value}"),
                    count=counts[o],
                )
                for o in Opinion
            )
            out += [tr.t("consultation.report.counts", counts=summary), ""]
            if not entries:
                out += [tr.t("consultation.report.no_comment"), ""]
            for who, comment, response in entries:
                opinion = tr.t(f"consultation.opinion.{comment.opinion.value}")
                out.append(f"- **{markdown_text(who)}** — {opinion}")
                if comment.text:
                    out += [
                        "",
                        *[f"  > {markdown_text(line)}" for line in comment.text.splitlines()],
                    ]
                if response is not None:
                    verdict = tr.t(f"consultation.verdict.{response.verdict.value}")
                    said = tr.t("consultation.report.response")
                    out += ["", f"  {said} **{verdict}** — {markdown_text(response.reason)}"]
                out.append("")
        content = ("\n".join(out).rstrip() + "\n").encode()
        await self._exported(round_id, "markdown", content, by)
        return content

    async def _exported(self, round_id: int, kind: str, content: bytes, by: str) -> None:
        async with self._db.transaction() as conn:
            await self._audit.append(
                conn,
                AuditEvent(
                    by, "consultation.exported", "consultation", str(round_id),
                    {"format": kind, "sha256": hashlib.sha256(content).hexdigest()},
                ),
            )  # fmt: skip


def public_name(tr: Translator, member: Member, named: bool) -> str:
    if named:
        return f"{member.display_name} ({member.organisation})"
    if member.seat is SeatCategory.CIVIL_SOCIETY:
        return tr.t("consultation.anonymous.civil_society")
    return tr.t("consultation.anonymous.public_body")


def markdown_text(text: str) -> str:
    """Text as Markdown shows it, not as it would run it (no stray emphasis, links, HTML)."""
    for special in "\\`*_[]<>#|":
        text = text.replace(special, "\\" + special)
    return text
