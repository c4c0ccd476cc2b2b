"""The credentials a government tenant accepts, against a loopback Entra that checks them as
Entra does: a certificate (a client assertion signed by the registered certificate's key)
and a user-assigned managed identity, for the Bot Connector and for Graph. A wrong
certificate or another identity is refused, and the administrator is told what to check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import ConfigurationError, load_settings
from tests.conftest import APP_ID, MEMBER, TENANT_ID, Cli, import_roster, serve
from tests.support import activities
from tests.support.connector import OUTBOUND_TOKEN, LoopbackConnector
from tests.support.entra import (
    ASSERTION_TYPE,
    LoopbackEntra,
    new_key,
    self_signed,
    thumbprints,
    write_pem,
)
from tests.support.graph import TOKEN as GRAPH_TOKEN
from tests.test_doctor import _doctor, configured  # noqa: F401  (the doctor's set-up)

BOT_FRAMEWORK = "https://api.botframework.com/.default"
GRAPH = "https://graph.microsoft.com/.default"


@pytest.fixture
def registered_pem(tmp_path: Path) -> Path:
    """The PEM the administrator made; its certificate is uploaded to the app registration."""
    key = new_key()
    return write_pem(tmp_path / "committee-bot.pem", key, self_signed(key, "committee-bot"))


@pytest.fixture
async def entra(
    registered_pem: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[LoopbackEntra]:
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(registered_pem.read_bytes())
    loopback = LoopbackEntra(
        TENANT_ID,
        APP_ID,
        certificate,
        identity_client_id=APP_ID,
        tokens={BOT_FRAMEWORK: OUTBOUND_TOKEN, GRAPH: GRAPH_TOKEN},
    )
    await loopback.start(tmp_path)
    # The bot trusts the loopback Entra's CA as it would an intercepting proxy's.
    monkeypatch.setenv("SSL_CERT_FILE", str(loopback.ca_path))
    yield loopback
    await loopback.stop()


def _use_certificate(monkeypatch: pytest.MonkeyPatch, entra: LoopbackEntra, pem: Path) -> None:
    monkeypatch.delenv("MicrosoftAppPassword", raising=False)
    monkeypatch.setenv("MicrosoftAppCertificatePath", str(pem))
    monkeypatch.setenv("BOT_LOGIN_URL", entra.token_url)
    monkeypatch.setenv("GRAPH_TOKEN_URL", entra.token_url)


def _use_managed_identity(monkeypatch: pytest.MonkeyPatch, entra: LoopbackEntra) -> None:
    """As App Service and Container Apps give the process its identity."""
    monkeypatch.delenv("MicrosoftAppPassword", raising=False)
    monkeypatch.setenv("MicrosoftAppType", "UserAssignedMSI")
    monkeypatch.setenv("IDENTITY_ENDPOINT", entra.identity_url)
    monkeypatch.setenv("IDENTITY_HEADER", entra.identity_header)


@pytest.mark.parametrize("credential", ["certificate", "managed identity"])
async def test_the_bot_answers_with_a_connector_token_its_credential_got(
    credential: str,
    entra: LoopbackEntra,
    registered_pem: Path,
    connector: LoopbackConnector,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await import_roster(sqlite_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("MicrosoftAppTenantId", TENANT_ID)
    monkeypatch.setenv("BOT_OPENID_METADATA_URL", connector.metadata_url)
    if credential == "certificate":
        _use_certificate(monkeypatch, entra, registered_pem)
    else:
        _use_managed_identity(monkeypatch, entra)
    async with serve(load_settings(), connector) as bot:
        await bot.post(activities.message(connector.service_url, "aide", user_id=MEMBER.id,
                                          aad_object_id=MEMBER.aad_object_id))  # fmt: skip
        await connector.wait_for_replies(1)
    assert connector.calls[-1].authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert connector.token_requests == [], "no secret was sent anywhere"
    (grant,) = entra.granted
    if credential == "certificate":
        assert (grant["aud"], grant["iss"], grant["sub"]) == (entra.token_url, APP_ID, APP_ID)
        assert grant["scope"] == BOT_FRAMEWORK
    else:
        assert grant == {"resource": "https://api.botframework.com", "client_id": APP_ID}


async def test_doctor_gets_both_tokens_by_certificate(
    configured: Cli,  # noqa: F811
    entra: LoopbackEntra,
    registered_pem: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use_certificate(monkeypatch, entra, registered_pem)
    code, out, _ = await _doctor(configured)
    assert code == 0, out
    assert f"✔ Jeton du Bot Connector obtenu par le certificat {registered_pem}." in out
    assert f"✔ Jeton Microsoft Graph obtenu par le certificat {registered_pem}." in out
    assert sorted(g["scope"] for g in entra.granted) == [BOT_FRAMEWORK, GRAPH]


async def test_a_certificate_not_uploaded_to_the_registration_fails_both_checks(
    configured: Cli,  # noqa: F811
    entra: LoopbackEntra,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = new_key()
    other = write_pem(tmp_path / "another.pem", key, self_signed(key, "committee-bot"))
    _use_certificate(monkeypatch, entra, other)
    code, out, _ = await _doctor(configured, "--lang", "en")
    assert code == 1
    assert f"✗ No Bot Connector token for MicrosoftAppId with the certificate {other}" in out
    assert f"✗ No Microsoft Graph token for {APP_ID} with the certificate {other}" in out
    assert "AADSTS700027" in out
    assert "check that this certificate is the one uploaded to the app registration" in out
    assert entra.granted == []


async def test_doctor_gets_both_tokens_by_managed_identity_and_names_another_one(
    configured: Cli,  # noqa: F811
    entra: LoopbackEntra,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use_managed_identity(monkeypatch, entra)
    code, out, _ = await _doctor(configured)
    assert code == 0, out
    assert f"✔ Jeton du Bot Connector obtenu par l’identité managée {APP_ID}." in out
    assert f"✔ Jeton Microsoft Graph obtenu par l’identité managée {APP_ID}." in out

    entra.identity_client_id = "another-identity"
    code, out, _ = await _doctor(configured)
    assert code == 1
    assert (
        f"✗ Aucun jeton du Bot Connector pour MicrosoftAppId par l’identité managée {APP_ID}" in out
    )
    assert "attachée à l’hébergement du robot" in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        (b"not a certificate", "must be a PEM file holding the private key"),
        ("mismatched", "the private key is not the certificate's"),
    ],
)
def test_an_unusable_certificate_is_a_configuration_error(
    content: bytes | str | None, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "bot.pem"
    if content == "mismatched":
        write_pem(path, new_key(), self_signed(new_key(), "committee-bot"))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match="MicrosoftAppCertificatePath: .*" + problem):
        load_settings(
            MicrosoftAppId=APP_ID,
            MicrosoftAppTenantId=TENANT_ID,
            MicrosoftAppCertificatePath=str(path),
        )


def test_a_managed_identity_needs_its_tenant_and_no_secret(registered_pem: Path) -> None:
    settings = load_settings(
        MicrosoftAppId=APP_ID, MicrosoftAppTenantId=TENANT_ID, MicrosoftAppType="UserAssignedMSI"
    )
    assert settings.connector_credential is not None
    assert settings.connector_credential.kind == "managed_identity"
    assert settings.graph_credential is not None
    assert settings.graph_credential.kind == "managed_identity"
    with pytest.raises(ConfigurationError, match="MicrosoftAppTenantId is required"):
        load_settings(MicrosoftAppId=APP_ID, MicrosoftAppType="UserAssignedMSI")
    # A certificate for Graph alone: the bot keeps its identity, Graph signs with the PEM.
    split = load_settings(
        MicrosoftAppId=APP_ID,
        MicrosoftAppTenantId=TENANT_ID,
        MicrosoftAppType="UserAssignedMSI",
        GRAPH_CLIENT_ID="graph-app",
        GRAPH_CERTIFICATE_PATH=str(registered_pem),
    )
    assert split.graph_credential is not None
    assert (split.graph_credential.kind, split.graph_credential.client_id) == (
        "certificate",
        "graph-app",
    )


async def test_the_loopback_entra_refuses_a_wrong_key_audience_or_subject(
    entra: LoopbackEntra, registered_pem: Path
) -> None:
    """What makes the tests above able to fail: an assertion naming the registered certificate
    is still refused if another key signed it, or if it is for another URL or another app."""
    import aiohttp
    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from bot.outbound import client_session

    pem = registered_pem.read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    key = load_pem_private_key(pem, password=None)
    header = {"x5t#S256": dict(thumbprints(certificate))["x5t#S256"]}
    claims = {"aud": entra.token_url, "iss": APP_ID, "sub": APP_ID, "exp": 2**40}

    async def ask(session: aiohttp.ClientSession, signer: object, **changed: str) -> int:
        assertion = jwt.encode({**claims, **changed}, signer, "PS256", headers=header)  # type: ignore[arg-type]
        form = {
            "grant_type": "client_credentials",
            "client_id": APP_ID,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": GRAPH,
        }
        async with session.post(entra.token_url, data=form) as reply:
            return reply.status

    async with client_session() as session:
        assert await ask(session, key) == 200
        assert await ask(session, new_key()) == 401
        assert await ask(session, key, aud="https://login.example/other/oauth2/v2.0/token") == 401
        assert await ask(session, key, sub="another-app") == 401
    assert len(entra.granted) == 1
