"""What people read: both languages complete, every card valid for Teams, the app manifest valid."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import string
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import jsonschema
import pytest
from babel.messages.pofile import read_po
from PIL import Image

from bot.app import assemble
from bot.domain.members import Member, Role, SeatCategory
from bot.features.actions import cards as action_cards
from bot.features.actions.rules import ActionItem, ActionStatus, Digest
from bot.features.actions.service import CSV_COLUMNS as ACTION_CSV_COLUMNS
from bot.features.actions.service import DigestWork, ItemWork
from bot.features.commitments import cards as commitment_cards
from bot.features.commitments.report import CSV_COLUMNS as COMMITMENT_CSV_COLUMNS
from bot.features.commitments.rules import Answer as PlanAnswer
from bot.features.commitments.rules import Comment as PlanComment
from bot.features.commitments.rules import (
    CommentKind,
    Commitment,
    Level,
    Milestone,
    MilestoneStatus,
    Plan,
    ProgressReport,
)
from bot.features.commitments.rules import Verdict as CommitmentVerdict
from bot.features.commitments.service import CommentRow, CommentWork, CommitmentView
from bot.features.commitments.service import DigestWork as PlanDigest
from bot.features.confidentiality import cards as conf_cards
from bot.features.confidentiality.rules import Acceptance, Refusal, StatusRow, next_version
from bot.features.consultation import cards as cons_cards
from bot.features.consultation import proposal_cards
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
from bot.features.consultation.views import ItemView, MemberView
from bot.features.declarations import cards as decl_cards
from bot.features.declarations.rules import (
    Conflict,
    GeneralDeclaration,
    GeneralStatus,
    Interest,
    InterestKind,
    ItemAnswer,
    Measure,
    MeetingDeclaration,
)
from bot.features.declarations.service import GeneralRow, MeetingAsk, MeetingRow
from bot.features.documents import cards as doc_cards
from bot.features.documents.ports import Listed, Place
from bot.features.documents.rules import Denial, Document, DocumentStatus, StoredIn
from bot.features.mandates import cards as mandate_cards
from bot.features.mandates.rules import Answer as MandateAnswer
from bot.features.mandates.rules import Decision as MandateDecision
from bot.features.mandates.rules import Mandate, MandateStatus, Seats
from bot.features.meetings import cards as meeting_cards
from bot.features.meetings import poll_cards
from bot.features.meetings.changes import what_changed
from bot.features.meetings.follow_up import CSV_COLUMNS
from bot.features.meetings.poll_service import PollResults
from bot.features.meetings.rules import (
    HOLIDAYS,
    AgendaItem,
    Attendance,
    AttendanceCount,
    Availability,
    CalendarState,
    Decision,
    Meeting,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
    Poll,
    PollStatus,
    ProposedMeeting,
    Slot,
    SlotTally,
)
from bot.features.minutes import cards as minutes_cards
from bot.features.minutes.rules import Correction, Review, ReviewStatus
from bot.features.minutes.rules import Verdict as MinutesVerdict
from bot.features.minutes.service import AdoptionView, MinutesRow
from bot.features.minutes.service import MemberView as MinutesView
from bot.features.personal_data.service import SECTION_TITLE, SECTIONS
from bot.features.reminders import cards as outbox_cards
from bot.features.reminders.cards import FEATURES as OUTBOX_FEATURES
from bot.locale import ENGLISH, FRENCH, Catalogues, catalogue_path
from bot.services.build import build_services
from bot.services.outbox import ToDo
from bot.services.reachability import Unreachable
from bot.settings import load_settings
from bot.storage.committee import CommitteeTeam
from bot.storage.database import Database, utcnow
from bot.storage.outbox import OutboxMessage
from bot.teams import cards
from bot.teams.cards import FieldError
from bot.teams.platform import Command, Registry, parse_payload
from tests.conftest import ROOT
from tests.support.cards import layout_problems

SCHEMAS = ROOT / "tests" / "schemas"  # copied from shared/schemas, see SOURCE.md
ZONE = ZoneInfo("America/Toronto")
AT = datetime(2026, 11, 23, 15, 15, tzinfo=UTC)


def _catalogue(locale: str) -> dict[str, str]:
    """Every message's text; a message with plural forms, its forms joined by a line."""
    with catalogue_path(locale).open("rb") as handle:
        return {
            str(m.id[0] if m.pluralizable else m.id): (
                "\n".join(str(form) for form in m.string or ()) if m.pluralizable else str(m.string)
            )
            for m in read_po(handle)
            if m.id
        }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_messages_all_translated_with_the_same_placeholders() -> None:
    french, english = _catalogue(FRENCH), _catalogue(ENGLISH)
    assert set(french) == set(english)
    for key in french:
        assert french[key].strip(), f"{key} has no French text"
        assert english[key].strip(), f"{key} has no English text"
        assert _placeholders(french[key]) == _placeholders(english[key]), key


_FAMILIES = (
    {f"seat.{s.value}" for s in SeatCategory}
    | {f"meetings.warning.holiday.{name}" for name in HOLIDAYS}
    | {f"role.{r.value}" for r in Role}
    | {
        f"audit.break.{reason}"
        for reason in ("changed", "missing_before", "inserted", "relinked", "out_of_order")
    }
    | {
        f"column.{n}"
        for n in ("name", "email", "organisation", "seat", "role", "status", "mandate")
    }
    | {r.value for r in Refusal}
    | {f"meetings.status.{s.value}" for s in MeetingStatus}
    | {f"actions.status.{s.value}" for s in ActionStatus}
    | {f"minutes.verdict.{v.value}" for v in MinutesVerdict}
    | {f"commitments.level.{v.value}" for v in Level}
    | {f"commitments.status.{v.value}" for v in MilestoneStatus}
    | {f"commitments.kind.{v.value}" for v in CommentKind}
    | {f"commitments.verdict.{v.value}" for v in CommitmentVerdict}
    | {f"commitments.csv.{column}" for column in COMMITMENT_CSV_COLUMNS}
    | {f"actions.csv.{column}" for column in ACTION_CSV_COLUMNS}
    | {f"meetings.calendar.{c.value}" for c in CalendarState}
    | {f"meetings.kind.{k.value}" for k in MeetingKind}
    | {
        f"meetings.{kind}.{a.value}"
        for kind in ("attend", "answered", "answer")
        for a in Attendance
    }
    | {f"polls.{kind}.{a.value}" for kind in ("answer", "short") for a in Availability}
    | {SECTION_TITLE.format(s) for s in SECTIONS}
    | {f"declarations.kind.{k.value}" for k in InterestKind}
    | {f"declarations.{kind}.{c.value}" for kind in ("conflict", "conflict_line") for c in Conflict}
    | {f"declarations.measure.{m.value}" for m in Measure}
    | {f"declarations.general.{g.value}" for g in GeneralStatus}
    | {f"declarations.meeting_status.{s}" for s in ("none", "conflict", "pending")}
    | {
        f"declarations.csv.{c}"
        for c in ("member", "organisation", "status", "declared_at", "items")
    }
    | {f"mandates.answer.{a.value}" for a in MandateAnswer}
    | {f"mandates.status.{m.value}" for m in MandateStatus}
    | {
        f"mandates.csv.{c}"
        for c in (
            "member",
            "organisation",
            "seat",
            "starts",
            "ends",
            "days_left",
            "answer",
            "status",
        )
    }
    | {f"outbox.feature.{f}" for f in OUTBOX_FEATURES}
    | {f"outbox.reason.{r}" for r in ("never_installed", "removed_or_blocked")}
    | {f"meetings.csv.{column}" for column in CSV_COLUMNS}
    | {d.value for d in Denial}
    | {f"consultation.opinion.{o.value}" for o in Opinion}
    | {f"consultation.verdict.{v.value}" for v in Verdict}
    | {f"consultation.phase.{p.value}" for p in Phase}
    | {f"consultation.kind.{k.value}" for k in ProposalKind}
    | {
        f"consultation.csv.{c}"
        for c in ("round", "number", "item", "member", "opinion", "comment", "response", "reason")
    }
)


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))


def test_every_message_the_code_asks_for_exists() -> None:
    """Literal ids passed to t(), ids carried by problems and errors, and the families built
    from enums and tables."""
    code = _sources()
    asked = set(re.findall(r"\b[tn]\(\s*\"([a-z_]+(?:\.[a-z_0-9]+)+)\"", code))
    asked |= set(
        re.findall(r"(?:RosterProblem\(\s*\w+,|CommitmentTextError\()\s*\"([a-z_.]+)\"", code)
    )
    assert sorted((asked | _FAMILIES) - set(_catalogue(FRENCH))) == []


def test_no_message_is_left_over() -> None:
    mentioned = set(re.findall(r"\"([a-z_]+(?:\.[a-z_0-9]+)+)\"", _sources())) | _FAMILIES
    assert sorted(set(_catalogue(FRENCH)) - mentioned) == []


# --- cards ------------------------------------------------------------------------------

MEMBER = Member(
    "amelie@x.org",
    "Amélie Côté",
    "Coalition « transparence »",
    SeatCategory.CIVIL_SOCIETY,
    Role.MEMBER,
    id=3,
    mandate_starts_on=date(2025, 9, 1),
)
CLERK = Member(
    "camille@x.org",
    "Camille Tremblay",
    "Secrétariat du Conseil du trésor",
    SeatCategory.TREASURY_SECRETARIAT,
    Role.SECRETARIAT,
    id=1,
)
VERSION = next_version(
    None,
    "Je m’engage à « la discrétion ».\n\nDeuxième paragraphe.",
    "I undertake to be discreet.",
    "camille@x.org",
    AT,
)
ACCEPTED = Acceptance(3, 1, "2025-09-01", VERSION.sha256_fr, "fr-CA", AT, "activity-1")
ROWS = [StatusRow(MEMBER, None, True), StatusRow(CLERK, ACCEPTED, False)]
PLAN = MeetingPlan(
    "Réunion régulière",
    MeetingKind.REGULAR,
    date(2027, 1, 20),
    time(13, 30),
    120,
    [AgendaItem("Plan d’action 2027-2029", "Secrétariat"), AgendaItem("Varia")],
)
MEETING = Meeting(
    1,
    PLAN,
    PLAN.starts_at(ZONE),
    MeetingStatus.SCHEDULED,
    CalendarState.CREATED,
    "camille@x.org",
    event_id="AAMk-1",
    join_url="https://teams.microsoft.com/l/meetup-join/1",
)
DOCUMENT = Document(
    5,
    "Plan d’action 2027-2029 — version de travail.docx",
    1,
    "Varia",
    True,
    "Les engagements proposés, à commenter avant la réunion.",
    3,
    AT,
    DocumentStatus.READY,
    StoredIn.SHAREPOINT,
    web_url="https://contoso.sharepoint.com/d/5",
)
MEETING_NO_LINK = Meeting(
    2, PLAN, PLAN.starts_at(ZONE), MeetingStatus.SCHEDULED, CalendarState.NONE, "camille@x.org"
)

REFUSED = replace(MEETING_NO_LINK, id=3, calendar=CalendarState.REFUSED)
CANCELLED = replace(MEETING, id=4, status=MeetingStatus.CANCELLED)
HELD = replace(
    MEETING,
    id=5,
    minutes_url="https://contoso.sharepoint.com/sites/cgo/pv-2027-01-20.docx",
    decisions=[Decision("Adopter le plan de travail", "consensus des membres présents")],
)
POLL = Poll(
    1,
    "Réunion extraordinaire",
    90,
    [AgendaItem("Consultation")],
    [Slot(1, date(2027, 2, 3), time(10)), Slot(2, date(2027, 2, 4), time(13, 30))],
    PollStatus.OPEN,
    "camille@x.org",
)
POLL_RESULTS = PollResults(
    POLL,
    [SlotTally(POLL.slots[0], 3, 1, 1), SlotTally(POLL.slots[1], 1, 2, 2)],
    [(MEMBER, {1: Availability.YES, 2: Availability.NO}), (CLERK, {})],
    SlotTally(POLL.slots[0], 3, 1, 1),
)
INTERESTS = [
    Interest(InterestKind.BOARD, "Coalition « transparence »", "Administratrice", date(2024, 5, 1)),
    Interest(InterestKind.GRANT, "MCN", "Subvention 2026 pour un projet de données ouvertes"),
]
GENERAL = GeneralDeclaration(3, 2, INTERESTS, datetime(2026, 11, 23, 15, tzinfo=UTC), "ab" * 32)
PER_MEETING = MeetingDeclaration(
    3,
    1,
    1,
    [
        ItemAnswer("Plan d’action 2027-2029", Conflict.NONE),
        ItemAnswer("Varia", Conflict.DIRECT, "Mon employeur est visé."),
    ],
    datetime(2027, 1, 20, 19, tzinfo=UTC),
    True,
    "cd" * 32,
)
ASK = MeetingAsk(
    MEETING,
    ["Varia"],
    {"Plan d’action 2027-2029": ItemAnswer("Plan d’action 2027-2029", Conflict.INDIRECT, "x")},
    False,
    version=1,
    answered_at=AT,
)
GENERAL_ROWS = [
    GeneralRow(MEMBER, GeneralStatus.NEVER, None),
    GeneralRow(CLERK, GeneralStatus.UP_TO_DATE, GENERAL),
]
MEETING_ROWS = [
    MeetingRow(CLERK, "pending", [], {}),
    MeetingRow(
        MEMBER,
        "conflict",
        [ItemAnswer("Varia", Conflict.DIRECT, "x")],
        {"Varia": (Measure.DECISION, "y")},
    ),
]
MANDATE = Mandate(
    7,
    3,
    1,
    SeatCategory.CIVIL_SOCIETY,
    date(2025, 9, 1),
    date(2027, 8, 31),
    MandateStatus.CURRENT,
)
SEATS_LOW = Seats(SeatCategory.CIVIL_SOCIETY, [MEMBER], 6, 8)
OUTBOX_MESSAGE = OutboxMessage(
    11,
    "mandates:7:30:member",
    "mandates.member_reminder",
    3,
    {"mandate": 7},
    datetime(2027, 8, 1, 13, tzinfo=UTC),
    0,
)
UNREACHABLE = Unreachable(MEMBER, "never_installed", datetime(2026, 11, 23, 15, tzinfo=UTC), 2)
COUNT = AttendanceCount(present=4, absent=1, serving=10, quorum=6)


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Registry]:
    """Every feature installed, as the bot builds them (nothing is started or queried)."""
    settings = load_settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    database = Database(settings.database_url)
    async with aiohttp.ClientSession() as session:
        services = build_services(settings, database)
        transport = assemble(settings, database, session, Catalogues(), services, utcnow)
        yield transport.registry
    await database.dispose()


def _commands(registry: Registry, secretariat: bool) -> list[Command]:
    return [c for c in registry.commands.values() if secretariat or not c.access.secretariat]


TEAM = CommitteeTeam("19:team", None, "Comité", "19:channel", {}, "camille@x.org")
ACTION = ActionItem(
    4, "Transmettre la liste des jeux de données prioritaires", 2, "Coalition", date(2026, 12, 10),
    1, ActionStatus.BLOCKED, "En attente du ministère", 2, "camille@x.org", AT, AT,
)  # fmt: skip
ACTION_DONE = replace(ACTION, id=5, status=ActionStatus.DONE, note="")
OUTSIDE_ACTION = replace(
    ACTION, id=6, owner_id=None, organisation="Ministère des Finances", contact="jean@x.org"
)


REVIEW = Review(3, 1, 1, "https://contoso.sharepoint.com/pv.docx", date(2026, 12, 20),
                ReviewStatus.DRAFT, "camille@x.org", AT)  # fmt: skip
ADOPTED_REVIEW = replace(REVIEW, status=ReviewStatus.ADOPTED, adopted_on=date(2026, 12, 22),
                         final_url="https://contoso.sharepoint.com/pv.pdf")  # fmt: skip
CORRECTIONS = [
    Correction(7, 3, 2, "Point 2 : il faut lire « 2027 ».", AT, MinutesVerdict.TAKEN),
    Correction(8, 3, 2, "Ajouter ma réserve.", AT, MinutesVerdict.NOT_TAKEN, "Déjà au point 3."),
]


MILESTONES = [
    Milestone(11, 4, 1, "Publier l’inventaire des données", date(2027, 3, 31),
              MilestoneStatus.DONE, date(2027, 3, 28), "Publié sur Données Québec.",
              "https://www.donneesquebec.ca/inventaire"),
    Milestone(12, 4, 2, "Ouvrir le portail", date(2027, 9, 30)),
]  # fmt: skip
COMMITMENT = Commitment(4, 1, "1", "Données ouvertes sur les contrats", "Publier chaque contrat.",
                        "Ministère de la Cybersécurité et du Numérique", "camille@x.org",
                        MILESTONES, Level.LIMITED, "Le portail pèse plus.")  # fmt: skip
COMMENT_ROW = CommentRow(
    PlanComment(9, 4, 2, CommentKind.SOLUTION, "Publier aussi les avenants.", AT),
    MEMBER,
    PlanAnswer(
        1, 9, CommitmentVerdict.PARTLY, "Les avenants suivront en 2028.", "camille@x.org", AT
    ),
)
COMMITMENT_VIEW = CommitmentView("Plan d’action 2026-2028", COMMITMENT, [COMMENT_ROW], True)


def _commitment_cards(tr: Any) -> dict[str, dict[str, Any]]:
    report = ProgressReport(1, 11, MilestoneStatus.DONE, date(2027, 3, 28), "Publié.", "", "c", AT)
    digest = PlanDigest(MEMBER, date(2027, 3, 29), [(COMMITMENT, MILESTONES[0], report)])
    work = CommentWork(CLERK, COMMITMENT, COMMENT_ROW)
    plans = [Plan(1, "Plan d’action 2026-2028", [COMMITMENT])]
    return {
        "commitments plan": commitment_cards.plan_card(tr, plans, ZONE),
        "commitments plan, secretariat": commitment_cards.plan_card(
            tr, plans, ZONE, secretariat=True
        ),
        "commitments, none": commitment_cards.plan_card(tr, [], ZONE),
        "commitment": commitment_cards.commitment_card(tr, COMMITMENT_VIEW, ZONE, secretariat=True),
        "commitment, member, older card": commitment_cards.commitment_card(
            tr,
            replace(COMMITMENT_VIEW, may_report=False),
            ZONE,
            secretariat=False,
            stale=True,
            notice="—",
            errors=[FieldError("text", "—")],
        ),
        "commitment progress": commitment_cards.report_form(
            tr, COMMITMENT_VIEW, MILESTONES[1], ZONE, date(2027, 4, 2), stale=True
        ),
        "commitment answer": commitment_cards.answer_form(tr, COMMITMENT_VIEW, COMMENT_ROW, ZONE),
        "commitment level": commitment_cards.level_form(tr, COMMITMENT_VIEW),
        "commitments digest": commitment_cards.digest_card(tr, digest, ZONE),
        "commitment commented": commitment_cards.commented_card(tr, work, ZONE),
        "commitment answered": commitment_cards.answered_card(tr, work, ZONE),
    }


def _minutes_cards(tr: Any) -> dict[str, dict[str, Any]]:
    today = date(2026, 12, 14)
    rows = [MinutesRow(MEETING, REVIEW, 2), MinutesRow(MEETING_NO_LINK, None, 0),
            MinutesRow(MEETING, ADOPTED_REVIEW, 0)]  # fmt: skip
    view = MinutesView(MEMBER, REVIEW, MEETING, CORRECTIONS)
    adoption = AdoptionView(REVIEW, MEETING, [(c, MEMBER) for c in CORRECTIONS])
    return {
        "minutes list": minutes_cards.overview(tr, rows, ZONE),
        "minutes list, none": minutes_cards.overview(tr, [], ZONE),
        "minutes submission": minutes_cards.open_form(tr, MEETING, today, ZONE, errors=["—"]),
        "minutes submitted": minutes_cards.opened(tr, REVIEW, MEETING, 5, 2, ZONE),
        "minutes draft": minutes_cards.draft_card(tr, view, ZONE, today, saved=True),
        "minutes draft, closed": minutes_cards.draft_card(tr, view, ZONE, date(2027, 1, 9)),
        "minutes adoption": minutes_cards.adopt_form(tr, adoption, today, ZONE),
        "minutes adopted": minutes_cards.adopted(
            tr, MinutesView(MEMBER, ADOPTED_REVIEW, MEETING, CORRECTIONS), ZONE
        ),
        "minutes adopted, secretariat": minutes_cards.adopted_for_secretariat(
            tr, ADOPTED_REVIEW, MEETING, ZONE
        ),
    }


def _action_cards(tr: Any) -> dict[str, dict[str, Any]]:
    today = date(2026, 12, 14)
    work = ItemWork(MEMBER, ACTION, MEETING)
    rows = [(ACTION, MEMBER), (ACTION_DONE, None)]
    digest = DigestWork(TEAM, MEETING, Digest([ACTION_DONE], [ACTION], []), {2: MEMBER})
    return {
        "action item": action_cards.item_card(tr, work, ZONE, today),
        "action item reminded": action_cards.item_card(
            tr, work, ZONE, today, heading="actions.reminder_title", days=7
        ),
        "action item, an older card pressed": action_cards.item_card(
            tr, work, ZONE, today, stale=True, errors=[FieldError("note", "—")]
        ),
        "action item done": action_cards.item_card(
            tr, ItemWork(MEMBER, ACTION_DONE, None), ZONE, today, saved=True
        ),
        "my action items": action_cards.my_items(tr, [work], ZONE, today),
        "my action items, none": action_cards.my_items(tr, [], ZONE, today),
        "open action items": action_cards.open_items(
            tr, [(MEETING, rows), (None, rows)], ZONE, today
        ),
        "action form": action_cards.add_form(tr, [MEMBER, CLERK], [MEETING], ZONE),
        "action added": action_cards.added(tr, ACTION, MEMBER, False, ZONE),
        "action added, an organisation outside the registry": action_cards.added(
            tr, OUTSIDE_ACTION, None, False, ZONE
        ),
        "action item of an organisation, to the secretariat": action_cards.item_card(
            tr, ItemWork(CLERK, OUTSIDE_ACTION, MEETING), ZONE, today, days=0
        ),
        "actions late": action_cards.late_card(tr, rows, ZONE, today),
        "actions before a meeting": action_cards.digest_card(tr, digest, ZONE, today),
    }


def every_card(tr: Any, registry: Registry) -> dict[str, dict[str, Any]]:
    """One example of each card. `test_every_card_builder_has_an_example` fails when a new
    builder is missing here, so no card escapes the schema and verb checks."""
    return {
        "welcome": cards.welcome(tr, "Amélie Côté"),
        "welcome in a team": cards.welcome(tr, None),
        "help, member": cards.help_card(tr, MEMBER, _commands(registry, False)),
        "help, secretariat": cards.help_card(tr, CLERK, _commands(registry, True)),
        "not a member": cards.not_a_member(tr, [CLERK], "gouvernement.ouvert@example.org"),
        "not a member, no contact": cards.not_a_member(tr, [], ""),
        "not a member, both languages": cards.bilingual(
            cards.not_a_member(Catalogues().for_locale(FRENCH), [CLERK], ""),
            cards.not_a_member(Catalogues().for_locale(ENGLISH), [CLERK], ""),
        ),
        "greeting": cards.greeting(tr, MEMBER, _commands(registry, False)),
        "did you mean": cards.suggestion(tr, registry.commands["confidentiality_status"]),
        "language": cards.language_choice(tr),
        "notice": cards.notice(tr, "error.title", tr.t("error.generic")),
        "not allowed": cards.not_allowed(tr, "secretariat.only"),
        "commitment to accept": conf_cards.commitment(tr, VERSION, None, ZONE),
        "commitment accepted": conf_cards.commitment(tr, VERSION, ACCEPTED, ZONE),
        "commitment, stale": conf_cards.commitment(
            tr, VERSION, None, ZONE, notice=tr.t("confidentiality.refused.stale", number=1)
        ),
        "accepted": conf_cards.accepted(tr, VERSION, ACCEPTED, ZONE),
        "channel": conf_cards.in_channel(tr, VERSION, ["29:a", "29:b"]),
        "nothing published": conf_cards.nothing_published(tr),
        "refused": conf_cards.refused(tr, Refusal.NOT_SERVING.value),
        "reminder": conf_cards.reminder(tr, VERSION, 3, ZONE),
        "escalation": conf_cards.escalation(tr, VERSION, [MEMBER, CLERK], 14),
        "gate": conf_cards.gate(tr),
        "status table": conf_cards.status_table(tr, VERSION, ROWS, ZONE),
        "status table, nothing published": conf_cards.status_table(tr, None, [], ZONE),
        "publish form": conf_cards.publish_form(
            tr, error=tr.t("confidentiality.error.unchanged"), text_fr="a", text_en="b"
        ),
        "published": conf_cards.published(tr, VERSION, [MEMBER], [CLERK]),
        "published, everyone reached": conf_cards.published(tr, VERSION, [MEMBER, CLERK], []),
        "superseded": conf_cards.superseded(tr, 1, 2),
        "meetings": meeting_cards.meetings_list(tr, [MEETING, MEETING_NO_LINK], [MEETING], ZONE),
        "no meeting": meeting_cards.meetings_list(tr, [], [], ZONE),
        "next meeting": meeting_cards.next_meeting(tr, MEETING, ZONE, ["Varia"]),
        "no next meeting": meeting_cards.next_meeting(tr, None, ZONE),
        "schedule form": meeting_cards.schedule_form(
            tr, ProposedMeeting(date(2027, 1, 20), date(2026, 11, 18))
        ),
        "schedule form, refused": meeting_cards.schedule_form(
            tr,
            ProposedMeeting(date(2027, 1, 20)),
            typed=meeting_cards.SchedulePayload(date="2027-06-24", start="13:30", agenda="A"),
            errors=[tr.t("meetings.error.no_agenda")],
            warnings=[tr.t("meetings.warning.holiday.christmas")],
        ),
        "scheduled": meeting_cards.scheduled(tr, MEETING, ZONE),
        "meetings, secretariat": meeting_cards.meetings_list(
            tr, [MEETING, REFUSED], [], ZONE, manage=True
        ),
        "channel card": meeting_cards.channel_card(tr, MEETING, COUNT, ZONE),
        "channel card, cancelled": meeting_cards.channel_card(tr, CANCELLED, COUNT, ZONE),
        "channel card, answered": meeting_cards.in_channel_answered(
            meeting_cards.channel_card(tr, MEETING, COUNT, ZONE), tr, Attendance.ABSENT
        ),
        "invitation": meeting_cards.personal_card(tr, MEETING_NO_LINK, ZONE),
        "moved, from what to what": meeting_cards.personal_card(
            tr,
            MEETING_NO_LINK,
            ZONE,
            heading="meetings.moved_title",
            changed=what_changed(
                tr, MEETING_NO_LINK, ZONE, was=AT, added=["Subventions"], removed=["Varia"]
            ),
        ),
        "invitation, an older card pressed": meeting_cards.personal_card(
            tr, MEETING_NO_LINK, ZONE, stale=True
        ),
        "reminder, answered": meeting_cards.personal_card(
            tr,
            MEETING,
            ZONE,
            answer=Attendance.PRESENT,
            heading="meetings.reminder_title",
            days=7,
        ),
        "cancelled, in personal chat": meeting_cards.personal_card(tr, CANCELLED, ZONE),
        "attendance": meeting_cards.attendance_table(
            tr,
            MEETING,
            [("Amélie Côté", "Coalition", None), ("Camille", "SCT", Attendance.PRESENT)],
            COUNT,
            ZONE,
        ),
        "move form": meeting_cards.move_form(tr, MEETING, errors=[tr.t("meetings.error.past")]),
        "cancel question": meeting_cards.cancel_question(tr, MEETING, ZONE),
        "permission refused": meeting_cards.permission_notice(tr, REFUSED, ZONE),
        "minutes form": meeting_cards.minutes_form(
            tr, HELD, ZONE, errors=[tr.t("meetings.error.decision_reason", lines="2")]
        ),
        "minutes notice": meeting_cards.minutes_notice(tr, HELD, ZONE),
        "meetings, held": meeting_cards.meetings_list(tr, [], [HELD, MEETING], ZONE, manage=True),
        "poll form": poll_cards.poll_form(tr, errors=[tr.t("polls.error.slot_count")]),
        "poll answer": poll_cards.answer_card(tr, POLL, ZONE, {1: Availability.YES}),
        "poll answered": poll_cards.answer_card(tr, POLL, ZONE, {}, thanked=True),
        "poll, an older card pressed": poll_cards.answer_card(
            tr, POLL, ZONE, {1: Availability.YES}, stale=True
        ),
        "poll closed": poll_cards.answer_card(
            tr, replace(POLL, status=PollStatus.SCHEDULED), ZONE, {}
        ),
        "poll results": poll_cards.results(tr, POLL_RESULTS, ZONE, sent=True),
        "poll slot previewed": poll_cards.schedule_preview(tr, POLL_RESULTS, 1, ZONE),
        **_action_cards(tr),
        **_minutes_cards(tr),
        **_commitment_cards(tr),
        "declaration form": decl_cards.general_form(
            tr, INTERESTS, errors=[tr.t("declarations.error.empty")]
        ),
        "declaration form, empty": decl_cards.general_form(
            tr, [], heading="declarations.due_title"
        ),
        "declaration recorded": decl_cards.general_recorded(tr, GENERAL, ZONE),
        "declaration, nothing to declare": decl_cards.general_recorded(
            tr, replace(GENERAL, interests=[]), ZONE, unchanged=True
        ),
        "declaration reminder": decl_cards.general_due(tr, "declarations.reminder_title"),
        "declaration escalation": decl_cards.general_due(tr, "", about="Amélie Côté", days=14),
        "my declarations": decl_cards.history(tr, [GENERAL], [(PER_MEETING, MEETING)], ZONE),
        "meeting declaration": decl_cards.meeting_form(tr, ASK, ZONE),
        "meeting declaration, an older card pressed": decl_cards.meeting_form(
            tr, ASK, ZONE, stale=True
        ),
        "meeting declaration, replaced": decl_cards.meeting_form_replaced(tr),
        "a card replaced": cards.superseded(tr, "Titre", "Pourquoi."),
        "meeting declaration, after the start": decl_cards.meeting_form(
            tr, replace(ASK, started=True, items=[]), ZONE
        ),
        "meeting declaration recorded": decl_cards.meeting_recorded(
            tr, MEETING, PER_MEETING.answers, ZONE, amendment=True
        ),
        "declarations status": decl_cards.status(tr, GENERAL_ROWS, MEETING, MEETING_ROWS, ZONE),
        "measure form": decl_cards.measure_form(
            tr,
            MEETING,
            "Amélie Côté",
            decl_cards.MeasurePayload(meeting=1, member=3, item="Varia"),
            [tr.t("declarations.error.reason")],
        ),
        "measure notice": decl_cards.measure_notice(
            tr, MEETING, "Varia", Measure.DECISION, "Son employeur est visé.", ZONE
        ),
        "mandate question": mandate_cards.member_question(tr, MANDATE, ZONE, 30),
        "mandate question, an older card pressed": mandate_cards.member_question(
            tr, MANDATE, ZONE, stale=True
        ),
        "my mandate, answered": mandate_cards.member_question(
            tr, replace(MANDATE, answer=MandateAnswer.YES), ZONE
        ),
        "mandate, secretariat": mandate_cards.clerk_question(tr, MEMBER, MANDATE, ZONE, 7),
        "mandate, secretariat, now": mandate_cards.clerk_question(tr, MEMBER, MANDATE, ZONE),
        "replace form": mandate_cards.replace_form(
            tr, MEMBER, MANDATE, ZONE, errors=[tr.t("mandates.refused.successor")]
        ),
        "renewed": mandate_cards.decided(
            tr, MEMBER, MANDATE, MandateDecision.RENEW, ZONE, [SEATS_LOW]
        ),
        "replaced": mandate_cards.decided(
            tr, MEMBER, MANDATE, MandateDecision.REPLACE, ZONE, [], CLERK
        ),
        "ending": mandate_cards.decided(tr, MEMBER, MANDATE, MandateDecision.END, ZONE),
        "mandates": mandate_cards.mandates_table(tr, [(MEMBER, MANDATE)], date(2027, 6, 1), ZONE),
        "composition": mandate_cards.composition_card(tr, [SEATS_LOW], [(MEMBER, MANDATE)], ZONE),
        "composition, nothing ending": mandate_cards.composition_card(tr, [SEATS_LOW], [], ZONE),
        "my mandate": mandate_cards.my_mandate(tr, [MANDATE, MANDATE], date(2027, 6, 1), ZONE),
        "no mandate": mandate_cards.my_mandate(tr, [], date(2027, 6, 1), ZONE),
        "mandate ended": mandate_cards.ended_notice(tr, MEMBER, MANDATE, ZONE),
        "new delegate": mandate_cards.welcome_delegate(tr, MEMBER, MANDATE, ZONE),
        "reminders": outbox_cards.overview(
            tr,
            [OUTBOX_MESSAGE],
            [
                replace(OUTBOX_MESSAGE, attempts=2, last_error="HTTP 403"),
                replace(OUTBOX_MESSAGE, attempts=1, last_error="unreachable: never opened"),
            ],
            [replace(OUTBOX_MESSAGE, member_id=None, kind="meetings.channel")],
            [UNREACHABLE],
            {3: "Amélie Côté"},
            ZONE,
            AT,
            retried="Nouvel essai\u00a0: envoyé.",
        ),
        "reminders, nothing": outbox_cards.overview(tr, [], [], [], [], {}, ZONE, AT),
        "newcomer": outbox_cards.newcomer(
            tr,
            MEMBER,
            [
                ToDo(
                    1,
                    "confidentiality",
                    "welcome.todo.commitment",
                    {"number": "2"},
                    "welcome.todo.commitment_button",
                    "confidentiality.view",
                    {},
                ),
                ToDo(
                    3,
                    "meeting:1",
                    "welcome.todo.meeting",
                    {"title": "Réunion régulière"},
                    "welcome.todo.meeting_button",
                    "meetings.show",
                    {"meeting": 1},
                    when=AT.isoformat(),
                ),
                ToDo(
                    6,
                    "round:1",
                    "welcome.todo.consultation",
                    {"title": "Plan d’action"},
                    "welcome.todo.consultation_button",
                    "consultation.round",
                    {"round": 1},
                    day="2027-01-20",
                ),
            ],
            ZONE,
        ),
        "unreachable": outbox_cards.unreachable_notice(
            tr, [UNREACHABLE, replace(UNREACHABLE, reason="removed_or_blocked")], ZONE
        ),
        "cadence": meeting_cards.cadence_notice(tr, "meetings.cadence.six_months", True),
        "changed": meeting_cards.about(tr, "meetings.changed_done", MEETING, ZONE),
        "share form": doc_cards.share_form(
            tr,
            DOCUMENT,
            [Place("general"), Place("m1", MEETING), Place("m1i0", MEETING, "Varia")],
            ZONE,
            typed=doc_cards.SharePayload(document=5, place="m1i0", confidential="true"),
            errors=[tr.t("documents.refused.description")],
        ),
        "share form, long": doc_cards.share_form(
            tr, DOCUMENT, [Place("general")] + [Place(f"m{n}", MEETING) for n in range(8)], ZONE
        ),
        **_consultation_cards(tr),
        "uploading": doc_cards.uploading(tr, DOCUMENT),
        "confidential folder open": doc_cards.exposed(tr, DOCUMENT),
        "document refused": doc_cards.refused(tr, "documents.refused.size", 250),
        "document stored": doc_cards.stored(
            tr, DOCUMENT, MEETING, ZONE, "https://contoso.sharepoint.com/d/5"
        ),
        "document stored, local": doc_cards.stored(tr, DOCUMENT, None, ZONE, None),
        "document stored, no channel": doc_cards.stored(
            tr, DOCUMENT, None, ZONE, None, announced=False
        ),
        "document failed": doc_cards.failed(tr, DOCUMENT, "documents.failed.unavailable", 250),
        "document too large": doc_cards.failed(tr, DOCUMENT, "documents.refused.size", 250),
        "document in channel": doc_cards.channel_card(
            tr, DOCUMENT, MEETING, "Amélie Côté", ZONE, "https://contoso.sharepoint.com/d/5"
        ),
        "document in channel, local": doc_cards.channel_card(
            tr, DOCUMENT, None, "Amélie Côté", ZONE, None
        ),
        "document to open": doc_cards.open_card(tr, DOCUMENT, "http://127.0.0.1/d/5", None),
        "document denied": doc_cards.open_card(tr, DOCUMENT, None, Denial.COMMITMENT),
        "documents": doc_cards.documents_list(
            tr,
            [
                Listed(DOCUMENT, MEETING, "Amélie Côté", None, "https://x.sharepoint.com/5"),
                Listed(replace(DOCUMENT, id=6), MEETING, "Camille", Denial.COMMITMENT, None),
                Listed(replace(DOCUMENT, id=7), MEETING, "Camille", Denial.CONFLICT, None),
                Listed(
                    replace(DOCUMENT, id=8, status=DocumentStatus.MISSING, meeting_id=None),
                    None,
                    "Camille",
                    None,
                    None,
                ),
            ],
            ZONE,
        ),
        "documents, none": doc_cards.documents_list(tr, [], ZONE),
        "preview": conf_cards.preview(tr, 2, 7),
        "preview, published": conf_cards.preview_done(tr, 2),
        "commitment, the preview's sample": conf_cards.commitment(
            tr, VERSION, None, ZONE, sample=True
        ),
        "publish form, with what changed": conf_cards.publish_form(
            tr, text_fr="a", text_en="b", summary_fr="c", summary_en="d", asks_summary=True
        ),
    }


ROUND = Round(
    1,
    "Plan d’action 2027-2029 — engagements proposés",
    Phase.ELABORATION,
    date(2027, 2, 15),
    [
        Item("1", "Données ouvertes sur les contrats", "Publier les contrats.", "https://x.org/1"),
        Item("2", "Registre des lobbyistes", ""),
    ],
    "camille@x.org",
    AT,
)
COMMENT = Comment(7, 1, "1", 3, 2, Opinion.RESERVATIONS, "D’accord, mais « vite ».", True, AT)
RESPONSE = Response(4, 1, "1", frozenset({3}), Verdict.PARTLY, "Le calendrier est serré.", "c", AT)
PROPOSAL = Proposal(2, 3, ProposalKind.AREA, "Budget participatif", "Ouvrir le budget.", "", AT)


def _consultation_cards(tr: Any) -> dict[str, dict[str, Any]]:
    view = MemberView(ROUND, {"1": COMMENT}, {"1": RESPONSE}, True)
    closed = MemberView(ROUND, {"1": COMMENT}, {}, False)
    item_view = ItemView(
        ROUND.items[0], [(MEMBER, COMMENT, 2, RESPONSE), (CLERK, COMMENT, 1, None)]
    )
    return {
        "consultations": cons_cards.overview(tr, [(ROUND, True), (ROUND, False)], False, ZONE),
        "consultations, secretariat": cons_cards.overview(tr, [(ROUND, True)], True, ZONE),
        "consultations, none": cons_cards.overview(tr, [], True, ZONE),
        "round": cons_cards.round_card(tr, view, ZONE),
        "round, closed": cons_cards.round_card(tr, closed, ZONE),
        "round reminder": cons_cards.round_card(
            tr, view, ZONE, heading=tr.t("consultation.reminder_title"), days=2
        ),
        "comment form": cons_cards.comment_form(
            tr, ROUND, ROUND.items[0], COMMENT, True, ZONE,
            typed=cons_cards.CommentPayload(round=1, item="1", opinion="desaccord"),
            errors=[tr.t("consultation.error.comment_required")],
        ),
        "comment, closed": cons_cards.comment_form(tr, ROUND, ROUND.items[0], COMMENT, False, ZONE),
        "comment, from an older form": cons_cards.comment_form(
            tr, ROUND, ROUND.items[0], COMMENT, True, ZONE,
            stale=cons_cards.CommentPayload(round=1, item="1", opinion="desaccord", text="Non."),
        ),
        "comment saved": cons_cards.comment_saved(tr, ROUND, COMMENT, True),
        "comment unchanged": cons_cards.comment_saved(tr, ROUND, COMMENT, False, True),
        "naming saved": cons_cards.naming_saved(tr, True, 1),
        "naming saved, anonymous": cons_cards.naming_saved(tr, False, None),
        "consultation refused": cons_cards.refused(tr, "consultation.refused.closed"),
        "open form": cons_cards.open_form(
            tr, [(1, "Réunion régulière — 2027-01-20")], date(2027, 2, 15),
            typed=cons_cards.OpenPayload(title="x", items="1. Titre"),
            errors=[tr.t("consultation.error.deadline_past")],
        ),
        "opened": cons_cards.opened(tr, ROUND, [MEMBER] * 5, [MEMBER], ZONE),
        "review": cons_cards.review(tr, ROUND, {"1": 3}, True, ZONE),
        "item review": cons_cards.item_review(tr, ROUND, item_view, ZONE, notice="Envoyée."),
        "item review, empty": cons_cards.item_review(tr, ROUND, ItemView(ROUND.items[1], []), ZONE),
        "response notice": cons_cards.response_notice(tr, ROUND, ROUND.items[0], RESPONSE, COMMENT),
        "reopen form": cons_cards.reopen_form(tr, ROUND, ZONE, [tr.t("consultation.error.deadline")]),
        "proposal form": proposal_cards.proposal_form(
            tr, errors=[tr.t("consultation.error.proposal_title")]
        ),
        "proposal saved": proposal_cards.proposal_saved(tr, PROPOSAL),
        "proposal notice": proposal_cards.proposal_notice(tr, PROPOSAL, MEMBER),
        "proposals": proposal_cards.proposals(tr, [(PROPOSAL, MEMBER), (PROPOSAL, None)]),
        "proposals, none": proposal_cards.proposals(tr, []),
    }  # fmt: skip


def _card_modules() -> list[ModuleType]:
    names = ["bot.teams.cards"] + [
        f"bot.features.{path.parent.name}.{path.stem}"
        for path in sorted((ROOT / "bot" / "features").glob("*/*cards.py"))
    ]
    return [importlib.import_module(name) for name in names]


def _card_builders() -> Iterator[tuple[ModuleType, str]]:
    """Every function of the card modules that returns a Card, found by its annotation."""
    for module in _card_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and (
                inspect.signature(function).return_annotation in ("Card", cards.Card)
            ):
                yield module, name


def _buttons(node: Any) -> Iterator[dict[str, Any]]:
    """Every button that reaches the bot, wherever it sits (actions, refresh, action sets,
    inside a shown card)."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            yield node
        for value in node.values():
            yield from _buttons(value)
    elif isinstance(node, list):
        for value in node:
            yield from _buttons(value)


async def test_every_card_builder_has_an_example(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: set[str] = set()
    builders = list(_card_builders())
    assert len(builders) > 10, "the card modules were not found"
    for module, name in builders:
        original: Callable[..., Any] = getattr(module, name)

        def recording(
            *args: Any, _key: str = f"{module.__name__}.{name}", _f: Any = original, **kwargs: Any
        ) -> Any:
            called.add(_key)
            return _f(*args, **kwargs)

        monkeypatch.setattr(module, name, recording)
    every_card(Catalogues().for_locale(FRENCH), registry)
    expected = {f"{module.__name__}.{name}" for module, name in builders}
    assert sorted(expected - called) == []


@pytest.mark.parametrize("locale", [FRENCH, ENGLISH])
async def test_every_button_reaches_a_handler_that_accepts_its_data(
    locale: str, registry: Registry
) -> None:
    for name, card in every_card(Catalogues().for_locale(locale), registry).items():
        for button in _buttons(card):
            action = registry.actions.get(button["verb"])
            assert action is not None, f"{name}: no handler for {button['verb']}"
            data = button.get("data", {})
            assert parse_payload(action.payload, data) is not None, f"{name}: {data}"


@pytest.fixture(scope="module")
def card_schema() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


@pytest.mark.parametrize("locale", [FRENCH, ENGLISH])
async def test_every_card_is_a_valid_adaptive_card_1_5_under_28_kb(
    locale: str, card_schema: Any, registry: Registry
) -> None:
    tr = Catalogues().for_locale(locale)
    for name, card in every_card(tr, registry).items():
        errors = [e.message for e in card_schema.iter_errors(card)]
        assert errors == [], f"{name} ({locale}): {errors[:3]}"
        assert card["version"] == "1.5"
        actions = [a for a in card.get("actions", [])] + (
            [card["refresh"]["action"]] if "refresh" in card else []
        )
        # Buttons reach the bot by Action.Execute; ShowCard unfolds text in place, OpenUrl
        # opens Teams' own meeting.
        allowed = ("Action.Execute", "Action.ShowCard", "Action.OpenUrl")
        assert all(a["type"] in allowed for a in actions), name
        assert len(json.dumps(card).encode()) < 28 * 1024, name


def test_the_schema_really_rejects_a_broken_card(card_schema: Any) -> None:
    broken = cards.card([{"type": "TextBlock"}], [{"type": "Action.Execute", "verb": 3}])
    assert list(card_schema.iter_errors(broken))


def test_dates_read_naturally_in_each_language() -> None:
    catalogues = Catalogues()
    line = conf_cards.accepted_line(catalogues.for_locale(FRENCH), ACCEPTED, ZONE)["text"]
    assert line == "Accepté le 23 novembre 2026 à 10 h 15 (heure de l’Est) — version 1"
    line = conf_cards.accepted_line(catalogues.for_locale(ENGLISH), ACCEPTED, ZONE)["text"]
    assert line == "Accepted on November 23, 2026 at 10:15 AM (Eastern Time) — version 1"
    # The first of the month is « 1er » in French, in full and in tables; the 11th is not.
    from bot.locale import format_day, format_moment

    french, english = catalogues.for_locale(FRENCH), catalogues.for_locale(ENGLISH)
    first = datetime(2027, 3, 1, 18, 30, tzinfo=UTC)
    assert format_moment(french, first, ZONE) == "1er mars 2027 à 13 h 30 (heure de l’Est)"
    assert format_day(french, first, ZONE) == "1er mars 2027"
    assert format_day(french, datetime(2027, 3, 11, 18, tzinfo=UTC), ZONE) == "11 mars 2027"
    assert format_day(english, first, ZONE) == "Mar 1, 2027"


async def test_commands_are_understood_in_both_languages_with_or_without_accents(
    registry: Registry,
) -> None:
    def key(text: str) -> str | None:
        found = registry.match(text)
        return found.command.key if found else None

    assert key("Confidentialité   STATUT") == "confidentiality_status"
    assert key("confidentialite statut") == "confidentiality_status"
    assert key("<at>Comité</at> help!") == "help"
    assert key("what?") is None


# --- the Teams app --------------------------------------------------------------------

MANIFEST_DIR = ROOT / "manifest"


def test_the_manifest_is_valid_against_its_schema_version() -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    version = manifest["manifestVersion"]
    assert tuple(int(p) for p in version.split(".")) >= (1, 19)
    schema = json.loads(
        (SCHEMAS / "teams-manifest" / f"v{version}.json").read_text(encoding="utf-8")
    )
    jsonschema.validators.validator_for(schema)(schema).validate(manifest)
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["localizationInfo"]["defaultLanguageTag"].lower() == "fr-ca"


def test_the_icons_are_the_sizes_teams_asks_for() -> None:
    color = Image.open(MANIFEST_DIR / "color.png")
    outline = Image.open(MANIFEST_DIR / "outline.png").convert("RGBA")
    assert color.size == (192, 192)
    assert outline.size == (32, 32)
    pixels = list(outline.getdata())
    assert any(a == 0 for *_, a in pixels), "the outline icon must be transparent"
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0), "and white"


async def test_the_manifest_commands_are_the_bots_commands_in_both_languages(
    registry: Registry,
) -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    english = json.loads((MANIFEST_DIR / "en.json").read_text(encoding="utf-8"))
    listed = manifest["bots"][0]["commandLists"][0]["commands"]
    expected = [c for c in _commands(registry, False) if c.in_manifest]
    french, english_tr = _catalogue(FRENCH), _catalogue(ENGLISH)
    assert [(c["title"], c["description"]) for c in listed] == [
        (c.french, french[c.description]) for c in expected
    ]
    for index, command in enumerate(expected):
        prefix = f"bots[0].commandLists[0].commands[{index}]"
        assert english[f"{prefix}.title"] == command.english
        assert english[f"{prefix}.description"] == english_tr[command.description]


def test_every_piece_of_the_card_kit_is_valid_adaptive_card_1_5(card_schema: Any) -> None:
    """The inputs and tables the next features build their forms from, before any uses them."""
    kit = cards.card(
        [
            cards.text_input("title", "Titre", value="Réunion", required=True, error="Requis"),
            cards.text_input("note", "Note", multiline=True, max_length=2000, placeholder="…"),
            cards.choice_set(
                "kind",
                "Type",
                [("regular", "Régulière"), ("extra", "Extraordinaire")],
                value="regular",
                required=True,
                error="Choisissez",
            ),
            cards.choice_set("items", "Points", [("1", "Un")], multiple=True, expanded=False),
            cards.date_input("date", "Date", value="2027-01-20", required=True, error="Requis"),
            cards.time_input("start", "Début", value="13:30"),
            cards.table(["Membre", "Statut"], [["Amélie Côté", "En attente"]], [3, 2]),
            cards.error_line("La date est passée."),
        ]
    )
    assert [e.message for e in card_schema.iter_errors(kit)] == []
    labelled = [e for e in kit["body"] if e["type"].startswith("Input.")]
    assert all(e["label"] for e in labelled), "every input has a visible label"


@pytest.mark.parametrize("locale", [FRENCH, ENGLISH])
async def test_every_card_reads_well_in_teams(locale: str, registry: Registry) -> None:
    """No coloured text, nothing that cannot wrap, tables that fit a 500-pixel card."""
    for name, card in every_card(Catalogues().for_locale(locale), registry).items():
        assert layout_problems(card) == [], name


def test_the_reading_rules_catch_what_they_forbid() -> None:
    bad = cards.card(
        [
            {"type": "TextBlock", "text": "Accepté", "color": "Good", "wrap": True},
            cards.paragraph("a" * 64),
            cards.table(["Un", "Deux", "Trois", "Quatre", "Cinq"], [], [1, 1, 1, 1, 1]),
        ]
    )
    assert len(layout_problems(bad)) == 3


@pytest.mark.parametrize(
    ("count", "french", "english"),
    [(0, "0 membre", "0 members"), (1, "1 membre", "1 member"), (2, "2 membres", "2 members")],
)
def test_plurals_follow_each_language(count: int, french: str, english: str) -> None:
    catalogues = Catalogues()
    fr = catalogues.for_locale(FRENCH).n("confidentiality.status_summary", count, number=1, total=5)
    en = catalogues.for_locale(ENGLISH).n(
        "confidentiality.status_summary", count, number=1, total=5
    )
    assert f"{french} en attente" in fr
    assert f"{english} pending" in en


def test_typography_follows_one_rule_per_language() -> None:
    """French: a non-breaking space before « : ; ? ! » (the Office québécois de la langue
    française's rule, kept to one space for all four), never an ordinary one, never none.
    Both languages: curly apostrophes, never straight ones."""
    patterns = {"format.datetime", "format.time"}  # date patterns quote their literal text
    for key, text in _catalogue(FRENCH).items():
        if key in patterns:
            continue
        prose = re.sub(r"\{[^}]*\}", "X", re.sub(r"https?://\S+|\d\d:\d\d|HH:MM", "", text))
        assert not re.search(r" [:;?!]", prose), f"{key}: an ordinary space before punctuation"
        assert not re.search(r"[^\s\u00a0\u202f(\[*]([;?!]|:(?!//))", prose), (
            f"{key}: punctuation without its space"
        )
    for catalogue in (_catalogue(FRENCH), _catalogue(ENGLISH)):
        assert [k for k, t in catalogue.items() if "'" in t and k not in patterns] == []


def test_french_names_the_bot_and_the_secretariat_one_way() -> None:
    """« robot conversationnel » where it introduces itself, « le robot » after (never « bot »,
    but in commands and product names); « secrétariat » is a common noun, capitalised only in
    the organisation's name (« Secrétariat du Conseil du trésor ») or at the start of a label."""
    french = _catalogue(FRENCH)
    assert "robot conversationnel" in french["welcome.purpose"]
    for key, text in french.items():
        prose = re.sub(r"python -m bot|Bot Connector|Azure Bot", "", text)
        assert not re.search(r"\bbot\b", prose, re.I), f"{key}: « bot »"
        common = r"\b(?:[Ll]e|[Dd]u|[Aa]u|[Ll]es|[Dd]es) Secrétariat(?! du Conseil du trésor)"
        assert not re.search(common, text), f"{key}: « Secrétariat » as a common noun"


async def test_the_reminders_card_names_what_every_kind_of_message_is_about(
    registry: Registry,
) -> None:
    """`rappels` says « Action de suivi — Amélie Côté », never a kind's internal name."""
    kinds = registry._dispatcher.kinds
    assert kinds and {kind.split(".", 1)[0] for kind in kinds} <= set(OUTBOX_FEATURES)
