"""The features list: what the bot can do, in the order their commands appear in help.

Adding a capability is a folder under `bot/features/`, one line here, its catalogue text and
its migration.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import MetaData

from bot.features.actions.feature import ActionsFeature
from bot.features.commitments.feature import CommitmentsFeature
from bot.features.confidentiality.feature import ConfidentialityFeature
from bot.features.consultation.feature import ConsultationFeature
from bot.features.context import FeatureContext, FeatureFactory
from bot.features.declarations.feature import DeclarationsFeature
from bot.features.documents.feature import DocumentsFeature
from bot.features.mandates.feature import MandatesFeature
from bot.features.meetings.feature import MeetingsFeature
from bot.features.meetings.poll_feature import PollsFeature
from bot.features.minutes.feature import MinutesFeature
from bot.features.personal_data.feature import PersonalDataFeature
from bot.features.reminders.feature import OutboxFeature
from bot.storage.tables import metadata
from bot.teams.platform import Registry

FEATURES: Sequence[FeatureFactory] = (
    OutboxFeature,
    ConfidentialityFeature,
    MeetingsFeature,
    PollsFeature,
    MinutesFeature,
    DeclarationsFeature,
    MandatesFeature,
    DocumentsFeature,
    ConsultationFeature,
    ActionsFeature,
    CommitmentsFeature,
    PersonalDataFeature,
)


def install(registry: Registry, context: FeatureContext) -> None:
    """Every feature, built from the one context, installed in the list's order."""
    for build in FEATURES:
        registry.install(build(context).spec())


def schema() -> MetaData:
    """Every table: the platform's (`bot/storage/tables.py`) and each capability's own
    (`bot/features/NAME/tables.py`, loaded with its store by the features list above). What
    the migrations must build, exactly."""
    return metadata
