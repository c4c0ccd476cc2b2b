"""The documents' settings: size, where local mode keeps files, where files are fetched from,
and the local links."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from bot.configuration import Section


class DocumentsSettings(Section):
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
    # The committee team's SharePoint site (`HOST,SITE-GUID,WEB-GUID`, as Graph's
    # /sites/HOST:/sites/NAME answers): the library is then reached through it, so the app
    # needs Sites.Selected with a grant on this site only, not Files.ReadWrite.All.
    committee_site_id: str = Field(
        "", alias="COMMITTEE_SITE_ID", pattern=r"^([^/,\s]+,[0-9a-fA-F-]{36},[0-9a-fA-F-]{36})?$"
    )

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

    @property
    def documents_max_bytes(self) -> int:
        return self.documents_max_mb * 1024 * 1024
