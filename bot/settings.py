"""Settings, read from the environment and `.env`.

Names follow the Teams conventions (`MicrosoftAppId`, …) so an Azure Bot resource's
configuration can be pasted as is. Every URL that reaches Microsoft is a setting whose
default is Microsoft's, so the tests can point the bot at loopback servers.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from bot.features.actions.settings import ActionsSettings
from bot.features.confidentiality.settings import ConfidentialitySettings
from bot.features.consultation.settings import ConsultationSettings
from bot.features.declarations.settings import DeclarationsSettings
from bot.features.documents.settings import DocumentsSettings
from bot.features.mandates.settings import MandatesSettings
from bot.features.meetings.settings import MeetingsSettings
from bot.oauth import TOKEN_PATH, Credential, certificate_problem

SUPPORTED_LOCALES = ("fr-CA", "en")


class ConfigurationError(Exception):
    """One clear line naming the variable that is wrong or missing."""


class Settings(
    ConfidentialitySettings,
    MeetingsSettings,
    DeclarationsSettings,
    MandatesSettings,
    DocumentsSettings,
    ConsultationSettings,
    ActionsSettings,
):
    """The platform's variables, and each capability's section (its own `settings.py`)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Azure Bot registration. An empty app id means local mode (no JWT validation).
    microsoft_app_id: str = Field("", alias="MicrosoftAppId")
    # How the bot proves it is that app: a client secret, a certificate (a PEM holding the
    # private key and its certificate; wins over the secret), or, with UserAssignedMSI, the
    # managed identity whose client id is MicrosoftAppId (neither secret nor certificate).
    microsoft_app_password: SecretStr = Field(SecretStr(""), alias="MicrosoftAppPassword")
    microsoft_app_certificate_path: str = Field("", alias="MicrosoftAppCertificatePath")
    microsoft_app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = Field(
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
    graph_certificate_path: str = Field("", alias="GRAPH_CERTIFICATE_PATH")
    graph_login_url: str = Field("", alias="GRAPH_TOKEN_URL")
    # At most this many Graph requests in flight for one mailbox (Graph throttles beyond).
    graph_concurrency_per_mailbox: int = Field(4, alias="GRAPH_CONCURRENCY_PER_MAILBOX", ge=1)
    # The app's id in the organisation's catalogue: with Graph, the bot installs the app for
    # a member who never opened it (application permission
    # TeamsAppInstallation.ReadWriteSelfForUser.All), then writes to them.
    teams_app_catalog_id: str = Field("", alias="TEAMS_APP_CATALOG_ID")
    # Where the Bot Connector is for conversations the bot starts itself.
    teams_service_url: str = Field(
        "https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL"
    )
    # The committee team's group id. Empty: learned when a serving member of the secretariat
    # installs the bot in a team; set: only that team's install is taken as the committee's.
    committee_team_id: str = Field("", alias="COMMITTEE_TEAM_ID")

    max_request_bytes: int = Field(256 * 1024, alias="BOT_MAX_REQUEST_BYTES", ge=4096)
    # A connection must have sent its request headers, and a request its body, within these.
    header_timeout_seconds: float = Field(10.0, alias="BOT_HEADER_TIMEOUT_SECONDS", gt=0)
    body_timeout_seconds: float = Field(10.0, alias="BOT_BODY_TIMEOUT_SECONDS", gt=0)
    reminder_poll_seconds: int = Field(60, alias="BOT_REMINDER_POLL_SECONDS", ge=1)
    # On SIGTERM: how long requests and sends in flight may take to finish before the process
    # gives back what it holds and exits 0 (a container is usually killed 10 s after SIGTERM).
    shutdown_seconds: float = Field(8.0, alias="BOT_SHUTDOWN_SECONDS", gt=0, le=300)
    # `json`: one JSON object a line (activity or outbox key, feature, duration) for a log
    # collector; `text` for a person reading a terminal.
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")
    # Prometheus metrics on a listener of their own (0: none); loopback unless told otherwise,
    # never on the public port.
    metrics_host: str = Field("127.0.0.1", alias="METRICS_HOST")
    metrics_port: int = Field(0, alias="METRICS_PORT", ge=0, le=65535)
    # /readyz answers 503 when a due message has waited longer than this (nobody dispatches).
    ready_outbox_seconds: int = Field(600, alias="READY_OUTBOX_SECONDS", ge=1)
    # How long a claimed outbox message is its dispatcher's: longer than any send takes; after
    # a crash, what was in flight goes again once it runs out.
    outbox_lease_seconds: int = Field(120, alias="OUTBOX_LEASE_SECONDS", ge=1)
    # What the bot sends on its own, per second (Teams: 50 per app and tenant).
    teams_sends_per_second: float = Field(50, alias="TEAMS_SENDS_PER_SECOND", gt=0, le=50)
    # The address people's browsers reach the bot at (local download links); empty: the
    # address it listens on.
    public_url: str = Field("", alias="BOT_PUBLIC_URL")

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

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if (
            self.microsoft_app_id
            and self.microsoft_app_type != "UserAssignedMSI"
            and not self.microsoft_app_password.get_secret_value()
            and not self.microsoft_app_certificate_path
        ):
            raise ValueError(
                "MicrosoftAppPassword or MicrosoftAppCertificatePath is required when "
                "MicrosoftAppId is set (or MicrosoftAppType=UserAssignedMSI)"
            )
        if (
            self.microsoft_app_id
            and self.microsoft_app_type != "MultiTenant"
            and not self.microsoft_app_tenant_id
        ):
            raise ValueError(
                f"MicrosoftAppTenantId is required for a {self.microsoft_app_type} bot"
            )
        for variable, credential in (
            ("MicrosoftAppCertificatePath", self.connector_credential),
            ("GRAPH_CERTIFICATE_PATH", self.graph_credential),
        ):
            if credential is None or credential.kind != "certificate":
                continue
            problem = certificate_problem(credential.certificate_path)
            if problem is None and not TOKEN_PATH.match(credential.token_url):
                problem = f"a certificate needs an Entra token URL, not {credential.token_url}"
            if problem is not None:
                raise ValueError(f"{variable}: {problem}")
        if self.metrics_port and self.metrics_port == self.port:
            raise ValueError("METRICS_PORT must be a port of its own, not BOT_PORT's")
        if not self.microsoft_app_id and not is_loopback_host(self.host):
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
            if self.microsoft_app_type != "MultiTenant"
            else "botframework.com"
        )
        return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    @property
    def connector_credential(self) -> Credential | None:
        """How the bot gets its Bot Connector token; None in local mode."""
        app = self.microsoft_app_id
        if not app:
            return None
        if self.microsoft_app_certificate_path:
            return Credential(
                "certificate", app, self.token_url,
                certificate_path=self.microsoft_app_certificate_path,
            )  # fmt: skip
        if self.microsoft_app_type == "UserAssignedMSI":
            return Credential("managed_identity", app, self.token_url)
        return Credential(
            "secret", app, self.token_url, secret=self.microsoft_app_password.get_secret_value()
        )

    @property
    def graph_credential(self) -> Credential | None:
        """How the bot gets its Graph token, or None when Graph is off (then nothing calls it).

        Each GRAPH_* variable defaults to the bot's own: a Graph secret, else a certificate
        (GRAPH_CERTIFICATE_PATH, else the bot's), else the bot's secret, else its managed
        identity."""
        client_id = self.graph_client_id or self.microsoft_app_id
        if not client_id:
            return None
        url = self.graph_token_url
        if secret := self.graph_client_secret.get_secret_value():
            return Credential("secret", client_id, url, secret=secret)
        if certificate := self.graph_certificate_path or self.microsoft_app_certificate_path:
            return Credential("certificate", client_id, url, certificate_path=certificate)
        if secret := self.microsoft_app_password.get_secret_value():
            return Credential("secret", client_id, url, secret=secret)
        if self.microsoft_app_type == "UserAssignedMSI":
            return Credential("managed_identity", client_id, url)
        return None

    @property
    def calendar_enabled(self) -> bool:
        """Meetings go into a calendar when Graph is on and an organiser mailbox is named."""
        return self.graph_credential is not None and bool(self.committee_organizer)

    @property
    def graph_token_url(self) -> str:
        if self.graph_login_url:
            return self.graph_login_url
        tenant = self.graph_tenant_id or self.microsoft_app_tenant_id or "common"
        return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def is_loopback_host(host: str) -> bool:
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
