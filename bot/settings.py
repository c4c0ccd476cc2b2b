"""Settings, read from the environment and `.env`.

Names follow the Teams conventions (`MicrosoftAppId`, …) so an Azure Bot resource's
configuration can be pasted as is. Every URL that reaches Microsoft is a setting whose
default is Microsoft's, so the tests can point the bot at loopback servers.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.members import SeatCategory
from bot.features.mandates.rules import parse_bounds

SUPPORTED_LOCALES = ("fr-CA", "en")


class ConfigurationError(Exception):
    """One clear line naming the variable that is wrong or missing."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Azure Bot registration. An empty app id means local mode (no JWT validation).
    microsoft_app_id: str = Field("", alias="MicrosoftAppId")
    microsoft_app_password: SecretStr = Field(SecretStr(""), alias="MicrosoftAppPassword")
    microsoft_app_type: Literal["SingleTenant", "MultiTenant"] = Field(
        "SingleTenant", alias="MicrosoftAppType"
    )
    microsoft_app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")

    database_url: str = Field("sqlite+aiosqlite:///./data/committee.db", alias="DATABASE_URL")
    host: str = Field("127.0.0.1", alias="BOT_HOST")
    port: int = Field(3978, alias="BOT_PORT", ge=1, le=65535)
    default_locale: Literal["fr-CA", "en"] = Field("fr-CA", alias="BOT_DEFAULT_LOCALE")
    timezone: str = Field("America/Toronto", alias="BOT_TIMEZONE")
    committee_contact: str = Field("", alias="COMMITTEE_CONTACT")

    # Bot Framework endpoints: Microsoft's by default, loopback in the tests.
    openid_metadata_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        alias="BOT_OPENID_METADATA_URL",
    )
    token_issuer: str = Field("https://api.botframework.com", alias="BOT_TOKEN_ISSUER")
    login_url: str = Field("", alias="BOT_LOGIN_URL")
    oauth_scope: str = Field("https://api.botframework.com/.default", alias="BOT_OAUTH_SCOPE")
    graph_base_url: str = Field("https://graph.microsoft.com/v1.0", alias="GRAPH_BASE_URL")
    # Microsoft Graph, app-only. Each defaults to the bot's own registration (empty = same).
    graph_tenant_id: str = Field("", alias="GRAPH_TENANT_ID")
    graph_client_id: str = Field("", alias="GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr = Field(SecretStr(""), alias="GRAPH_CLIENT_SECRET")
    graph_login_url: str = Field("", alias="GRAPH_TOKEN_URL")
    # The mailbox (UPN or id) whose calendar holds the committee's meetings.
    committee_organizer: str = Field("", alias="COMMITTEE_ORGANIZER")
    # At most this many Graph requests in flight for one mailbox (Graph throttles beyond).
    graph_concurrency_per_mailbox: int = Field(4, alias="GRAPH_CONCURRENCY_PER_MAILBOX", ge=1)
    # The app's id in the organisation's catalogue: with Graph, the bot installs the app for
    # a member who never opened it (application permission
    # TeamsAppInstallation.ReadWriteForUser.All), then writes to them.
    teams_app_catalog_id: str = Field("", alias="TEAMS_APP_CATALOG_ID")
    # Where the Bot Connector is for conversations the bot starts itself.
    teams_service_url: str = Field(
        "https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL"
    )
    # The committee team's group id. Empty: learned when a serving member of the secretariat
    # installs the bot in a team; set: only that team's install is taken as the committee's.
    committee_team_id: str = Field("", alias="COMMITTEE_TEAM_ID")
    # Days before a meeting when members are reminded of it, in personal chat.
    meeting_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 1], alias="MEETING_REMINDER_DAYS"
    )
    # Members present for a meeting to hold: 0 means a majority of the serving members.
    meeting_quorum: int = Field(0, alias="MEETING_QUORUM", ge=0)

    max_request_bytes: int = Field(256 * 1024, alias="BOT_MAX_REQUEST_BYTES", ge=4096)
    # A connection must have sent its request headers, and a request its body, within these.
    header_timeout_seconds: float = Field(10.0, alias="BOT_HEADER_TIMEOUT_SECONDS", gt=0)
    body_timeout_seconds: float = Field(10.0, alias="BOT_BODY_TIMEOUT_SECONDS", gt=0)
    reminder_poll_seconds: int = Field(60, alias="BOT_REMINDER_POLL_SECONDS", ge=1)
    # How long a claimed outbox message is its dispatcher's: longer than any send takes; after
    # a crash, what was in flight goes again once it runs out.
    outbox_lease_seconds: int = Field(120, alias="OUTBOX_LEASE_SECONDS", ge=1)
    # What the bot sends on its own, per second (Teams: 50 per app and tenant).
    teams_sends_per_second: float = Field(50, alias="TEAMS_SENDS_PER_SECOND", gt=0, le=50)
    confidentiality_reminder_days: list[int] = Field(
        default_factory=lambda: [3, 7], alias="CONFIDENTIALITY_REMINDER_DAYS"
    )
    confidentiality_escalation_days: int = Field(14, alias="CONFIDENTIALITY_ESCALATION_DAYS", ge=1)

    # Conflict-of-interest declarations: made again at least this often, reminded after
    # these days, the secretariat told after that many; per meeting, reminded these days
    # before; kept this many years after the member's last mandate (Law 25, s. 73).
    declarations_renewal_days: int = Field(365, alias="DECLARATIONS_RENEWAL_DAYS", ge=1)
    declarations_reminder_days: list[int] = Field(
        default_factory=lambda: [3, 7], alias="DECLARATIONS_REMINDER_DAYS"
    )
    declarations_escalation_days: int = Field(14, alias="DECLARATIONS_ESCALATION_DAYS", ge=1)
    declarations_meeting_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 2], alias="DECLARATIONS_MEETING_REMINDER_DAYS"
    )
    declarations_keep_years: int = Field(7, alias="DECLARATIONS_KEEP_YEARS", ge=1)

    # Mandates: reminders before each end (days), the default length, at most this many
    # consecutive renewals (0: no maximum), and each seat category's bounds.
    mandate_reminder_days: list[int] = Field(
        default_factory=lambda: [90, 30, 7], alias="MANDATE_REMINDER_DAYS"
    )
    mandate_years: int = Field(2, alias="MANDATE_YEARS", ge=1, le=10)
    mandate_max_renewals: int = Field(0, alias="MANDATE_MAX_RENEWALS", ge=0)
    consultation_reminder_days: list[int] = Field(
        default_factory=lambda: [7, 2], alias="CONSULTATION_REMINDER_DAYS"
    )
    # Documents: the largest file accepted, where local mode keeps files, and its links.
    documents_max_mb: int = Field(250, alias="DOCUMENTS_MAX_MB", ge=1, le=250_000)
    documents_dir: Path = Field(Path("./data/documents"), alias="DOCUMENTS_DIR")
    # The hosts a member's attached file is downloaded from (Teams hands them out from
    # SharePoint and OneDrive for Business): `*.` matches on a dot boundary and only public
    # addresses; a host named exactly is trusted whatever it resolves to (tests, Playground).
    documents_download_hosts: list[str] = Field(
        default_factory=lambda: ["*.sharepoint.com"], alias="DOCUMENTS_DOWNLOAD_HOSTS"
    )
    documents_download_seconds: int = Field(
        600, alias="DOCUMENTS_DOWNLOAD_SECONDS", ge=1, le=24 * 3600
    )
    # Signs local download links; empty: a random secret per process (links then end at a
    # restart, as they would within the hour anyway).
    documents_link_secret: SecretStr = Field(SecretStr(""), alias="DOCUMENTS_LINK_SECRET")
    documents_link_minutes: int = Field(60, alias="DOCUMENTS_LINK_MINUTES", ge=1, le=24 * 60)
    # The address people's browsers reach the bot at (local download links); empty: the
    # address it listens on.
    public_url: str = Field("", alias="BOT_PUBLIC_URL")
    composition_bounds: str = Field(
        "societe_civile=6-8,secretariat_conseil_tresor=2-2,ministere_organisme_public=2-2",
        alias="COMPOSITION_BOUNDS",
    )

    @field_validator("composition_bounds")
    @classmethod
    def _readable_bounds(cls, value: str) -> str:
        parse_bounds(value)  # raises ValueError naming what it cannot read
        return value

    @property
    def seat_bounds(self) -> dict[SeatCategory, tuple[int, int]]:
        return parse_bounds(self.composition_bounds)

    @field_validator("documents_download_hosts")
    @classmethod
    def _host_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            name = pattern.removeprefix("*.")
            if not name or "/" in name or "*" in name or (pattern.startswith("*.") and ":" in name):
                raise ValueError(
                    f"{pattern!r}: write a host (files.example, 127.0.0.1:8080) or *.domain"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator(
        "confidentiality_reminder_days",
        "meeting_reminder_days",
        "declarations_reminder_days",
        "declarations_meeting_reminder_days",
        "mandate_reminder_days",
        "consultation_reminder_days",
    )
    @classmethod
    def _positive_days(cls, value: list[int]) -> list[int]:
        if any(day < 1 for day in value):
            raise ValueError("each day must be 1 or more")
        return sorted(set(value))

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.microsoft_app_id and not self.microsoft_app_password.get_secret_value():
            raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
        if (
            self.microsoft_app_id
            and self.microsoft_app_type == "SingleTenant"
            and not self.microsoft_app_tenant_id
        ):
            raise ValueError("MicrosoftAppTenantId is required for a SingleTenant bot")
        if not self.microsoft_app_id and not _is_loopback(self.host):
            # Local mode accepts unsigned activities: it must never be reachable from outside.
            raise ValueError(
                f"BOT_HOST={self.host} is not a loopback address; local mode (no MicrosoftAppId) "
                "listens on 127.0.0.1 only"
            )
        return self

    @property
    def local_mode(self) -> bool:
        return not self.microsoft_app_id

    @property
    def token_url(self) -> str:
        if self.login_url:
            return self.login_url
        tenant = (
            self.microsoft_app_tenant_id
            if self.microsoft_app_type == "SingleTenant"
            else "botframework.com"
        )
        return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    @property
    def graph_client(self) -> tuple[str, str] | None:
        """Graph's app id and secret, or None when Graph is off (then nothing calls it)."""
        client_id = self.graph_client_id or self.microsoft_app_id
        secret = (
            self.graph_client_secret.get_secret_value()
            or self.microsoft_app_password.get_secret_value()
        )
        return (client_id, secret) if client_id and secret else None

    @property
    def calendar_enabled(self) -> bool:
        """Meetings go into a calendar when Graph is on and an organiser mailbox is named."""
        return self.graph_client is not None and bool(self.committee_organizer)

    @property
    def graph_token_url(self) -> str:
        if self.graph_login_url:
            return self.graph_login_url
        tenant = self.graph_tenant_id or self.microsoft_app_tenant_id or "common"
        return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    @property
    def documents_max_bytes(self) -> int:
        return self.documents_max_mb * 1024 * 1024

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        fields = Settings.model_fields
        variable = fields[location].alias if location in fields else location
        prefix = f"{variable}: " if variable else ""
        raise ConfigurationError(f"Configuration error: {prefix}{message}") from None
