"""The use cases, built once on one database: shared by the bot and the command line.

A new feature's service is one more field here; the Teams side reaches it through
`FeatureContext.services`, the command line through `opened` in `bot/commandline.py`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import DeliveryFailed
from bot.features.actions.service import ActionsService
from bot.features.actions.store import ActionRepository
from bot.features.commitments.service import CommitmentsService
from bot.features.commitments.store import PlanRepository
from bot.features.confidentiality.service import ConfidentialityService
from bot.features.confidentiality.store import CommitmentRepository
from bot.features.consultation.service import ConsultationService
from bot.features.consultation.store import ConsultationRepository
from bot.features.declarations.service import DeclarationsService
from bot.features.declarations.store import DeclarationRepository
from bot.features.documents.files import (
    DownloadPolicy,
    FileDownloader,
    LocalStore,
    SharePointStore,
)
from bot.features.documents.ports import DocumentStore, DownloadLinks
from bot.features.documents.service import DocumentsService
from bot.features.documents.store import DocumentRepository
from bot.features.mandates.service import MandatesService
from bot.features.mandates.store import MandateRepository
from bot.features.meetings.poll_service import PollsService
from bot.features.meetings.poll_store import PollRepository
from bot.features.meetings.service import MeetingsService
from bot.features.meetings.store import MeetingRepository
from bot.features.minutes.service import MinutesService
from bot.features.minutes.store import MinutesRepository
from bot.features.personal_data.service import PersonalDataService
from bot.graph.client import GraphClient
from bot.graph.drive import TeamDrive
from bot.metrics import Metrics
from bot.services.members import MemberDirectory
from bot.services.outbox import OutboxDispatcher
from bot.services.pace import TokenBucket
from bot.services.reachability import ReachabilityService
from bot.settings import Settings
from bot.storage.committee import CommitteeTeamRepository
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox
from bot.storage.repositories import AuditLog, ConversationReferences, MemberRepository


@dataclass(frozen=True)
class Services:
    directory: MemberDirectory
    dispatcher: OutboxDispatcher
    confidentiality: ConfidentialityService
    meetings: MeetingsService
    polls: PollsService
    declarations: DeclarationsService
    mandates: MandatesService
    reachability: ReachabilityService
    documents: DocumentsService
    consultation: ConsultationService
    personal_data: PersonalDataService
    actions: ActionsService
    minutes: MinutesService
    commitments: CommitmentsService


def build_services(
    settings: Settings,
    database: Database,
    clock: Callable[[], datetime] = utcnow,
    *,
    fetch_files: bool = False,
    graph: GraphClient | None = None,
    metrics: Metrics | None = None,
) -> Services:
    """`fetch_files`: whether this process downloads the files people share (the command line
    shares none); `graph`: SharePoint for documents, None in local mode."""
    members = MemberRepository()
    audit = AuditLog()
    outbox = Outbox()
    reachability = ReachabilityService(database, members, outbox, settings.zone, clock)
    dispatcher = OutboxDispatcher(
        database,
        outbox,
        clock,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        bucket=TokenBucket(settings.teams_sends_per_second),
        metrics=metrics,
        on_unreachable=reachability.unreachable,
    )
    meetings = MeetingsService(
        database,
        MeetingRepository(),
        members,
        audit,
        outbox,
        settings.zone,
        calendar_enabled=settings.calendar_enabled,
        clock=clock,
        reminder_days=settings.meeting_reminder_days,
        quorum=settings.meeting_quorum,
    )
    confidentiality = ConfidentialityService(
        database,
        CommitmentRepository(),
        members,
        ConversationReferences(),
        audit,
        outbox,
        settings.confidentiality_reminder_days,
        settings.confidentiality_escalation_days,
        settings.zone,
        clock,
    )
    declarations = DeclarationsService(
        database,
        DeclarationRepository(),
        members,
        MeetingRepository(),
        audit,
        outbox,
        settings.zone,
        clock,
        reminder_days=settings.declarations_reminder_days,
        escalation_days=settings.declarations_escalation_days,
        meeting_reminder_days=settings.declarations_meeting_reminder_days,
        renewal=timedelta(days=settings.declarations_renewal_days),
        keep_years=settings.declarations_keep_years,
    )
    return Services(
        directory=MemberDirectory(database, members, audit),
        personal_data=PersonalDataService(database, members, audit, clock),
        dispatcher=dispatcher,
        reachability=reachability,
        confidentiality=confidentiality,
        meetings=meetings,
        declarations=declarations,
        mandates=MandatesService(
            database,
            MandateRepository(),
            members,
            audit,
            outbox,
            settings.zone,
            clock,
            reminder_days=settings.mandate_reminder_days,
            years=settings.mandate_years,
            max_renewals=settings.mandate_max_renewals,
            bounds=settings.seat_bounds,
        ),
        polls=PollsService(
            database, PollRepository(), members, audit, outbox, meetings, settings.zone, clock
        ),
        consultation=ConsultationService(
            database,
            ConsultationRepository(),
            members,
            MeetingRepository(),
            audit,
            outbox,
            declarations,
            settings.zone,
            clock,
            reminder_days=settings.consultation_reminder_days,
        ),
        minutes=MinutesService(
            database,
            MinutesRepository(),
            members,
            MeetingRepository(),
            audit,
            outbox,
            settings.zone,
            clock,
        ),
        commitments=CommitmentsService(
            database,
            PlanRepository(),
            ConsultationRepository(),
            members,
            audit,
            outbox,
            settings.zone,
            clock,
        ),
        actions=ActionsService(
            database,
            ActionRepository(),
            members,
            MeetingRepository(),
            CommitteeTeamRepository(),
            audit,
            outbox,
            settings.zone,
            clock,
            reminder_days=settings.action_reminder_days,
            digest_days=settings.action_digest_days,
        ),
        documents=DocumentsService(
            database,
            DocumentRepository(),
            members,
            MeetingRepository(),
            CommitteeTeamRepository(),
            audit,
            outbox,
            confidentiality,
            declarations,
            _document_store(settings, graph),
            _fetcher(settings) if fetch_files else _NoFetching(),
            settings.documents_dir / "incoming",
            DownloadLinks(
                settings.documents_link_secret.get_secret_value().encode()
                or secrets.token_bytes(32),
                settings.base_url,
                timedelta(minutes=settings.documents_link_minutes),
            ),
            settings.zone,
            clock,
            max_bytes=settings.documents_max_bytes,
            on_settled=dispatcher.kick,
        ),
    )


def _document_store(settings: Settings, graph: GraphClient | None) -> DocumentStore:
    if graph is not None:
        return SharePointStore(TeamDrive(graph, settings.committee_site_id))
    return LocalStore(settings.documents_dir)


def _fetcher(settings: Settings) -> FileDownloader:
    return FileDownloader(
        DownloadPolicy(settings.documents_download_hosts), settings.documents_download_seconds
    )


class _NoFetching:
    """The command line shares no file."""

    def check(self, url: str) -> None:
        pass

    async def __call__(self, url: str, target: Path, max_bytes: int) -> tuple[str, int]:
        raise DeliveryFailed("this process does not fetch files")
