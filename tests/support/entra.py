"""A loopback Microsoft Entra token service for the credentials a government tenant accepts.

Over HTTPS (with a CA of its own, which the bot trusts through `SSL_CERT_FILE`), it takes the
client-credentials grant with a client assertion as Entra does: the JWT must be signed by the
key of the certificate registered for the app (`x5t` or `x5t#S256` naming that certificate),
for this token URL (`aud`), by this app (`iss` and `sub`), not expired. Over plain HTTP, it
is the managed-identity endpoint App Service and Container Apps give a process
(`IDENTITY_ENDPOINT`, with the `X-IDENTITY-HEADER` secret): only the assigned identity's
client id gets a token. A wrong key, another certificate or another identity is refused as
Entra refuses it, so a test fails.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed(key: rsa.RSAPrivateKey, name: str) -> x509.Certificate:
    """What an administrator makes for an app registration (`openssl req -x509`)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def write_pem(path: Path, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> Path:
    """The PEM `MicrosoftAppCertificatePath` names: the private key, then the certificate."""
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    return path


def thumbprints(certificate: x509.Certificate) -> set[tuple[str, str]]:
    der = certificate.public_bytes(serialization.Encoding.DER)
    encode = base64.urlsafe_b64encode
    return {
        ("x5t", encode(hashlib.sha1(der).digest()).decode().rstrip("=")),
        ("x5t#S256", encode(hashlib.sha256(der).digest()).decode().rstrip("=")),
    }


@dataclass
class LoopbackEntra:
    tenant: str
    # The app registration: its client id and the certificate uploaded to it.
    client_id: str
    certificate: x509.Certificate
    # The user-assigned managed identity attached to the bot's host.
    identity_client_id: str = ""
    identity_header: str = "loopback-identity-header"
    # What each audience's token is (the loopback Bot Connector and Graph check them).
    tokens: dict[str, str] = field(default_factory=dict)
    granted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    base_url: str = ""  # https: the token service
    identity_url: str = ""  # http: the managed-identity endpoint

    async def start(self, folder: Path) -> None:
        self._runner = web.AppRunner(self._application(), access_log=None)
        await self._runner.setup()
        secure = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls(folder))
        plain = web.TCPSite(self._runner, "127.0.0.1", 0)
        await secure.start()
        await plain.start()
        self.base_url = f"https://127.0.0.1:{secure._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        port = plain._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.identity_url = f"http://127.0.0.1:{port}/msi/token"

    async def stop(self) -> None:
        await self._runner.cleanup()

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.tenant}/oauth2/v2.0/token"

    def _tls(self, folder: Path) -> ssl.SSLContext:
        """A CA of its own and a certificate for 127.0.0.1 it signed; the CA's PEM is at
        `ca_path` for SSL_CERT_FILE."""
        ca_key, server_key = new_key(), new_key()
        ca = self_signed(ca_key, "Loopback Entra CA")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca.subject)
            .issuer_name(ca.subject)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(ca.not_valid_before_utc)
            .not_valid_after(ca.not_valid_after_utc)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        now = datetime.datetime.now(datetime.UTC)
        server = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca.subject)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_path = folder / "loopback-entra-ca.pem"
        self.ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        chain = write_pem(folder / "loopback-entra-server.pem", server_key, server)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain)
        return context

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/msi/token", self._managed_identity)
        return app

    def _refuse(self, status: int, code: str, description: str) -> web.Response:
        self.refused.append(description)
        return web.json_response({"error": code, "error_description": description}, status=status)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.match_info["tenant"] != self.tenant:
            return self._refuse(400, "invalid_request", "AADSTS90002: Tenant not found.")
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.client_id
        ):
            return self._refuse(400, "unauthorized_client", "AADSTS700016: Application not found.")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse(401, "invalid_client", "AADSTS7000218: No client assertion.")
        assertion = str(form.get("client_assertion", ""))
        try:
            header = jwt.get_unverified_header(assertion)
            named = {(k, str(header[k]).rstrip("=")) for k in ("x5t", "x5t#S256") if k in header}
            if not named or not named <= thumbprints(self.certificate):
                return self._refuse(
                    401, "invalid_client", "AADSTS700027: The certificate is not registered."
                )
            claims = jwt.decode(
                assertion,
                self.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=self.token_url,
                issuer=self.client_id,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as error:
            return self._refuse(401, "invalid_client", f"AADSTS700027: {error}")
        if claims["sub"] != self.client_id:
            return self._refuse(401, "invalid_client", "AADSTS700027: sub is not the client.")
        return self._grant(str(form.get("scope", "")), claims)

    async def _managed_identity(self, request: web.Request) -> web.Response:
        if request.headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return self._refuse(401, "unauthorized", "The identity header is missing or wrong.")
        query = request.query
        if query.get("api-version") != "2019-08-01":
            return self._refuse(400, "invalid_request", "Unsupported api-version.")
        if not self.identity_client_id or query.get("client_id") != self.identity_client_id:
            return self._refuse(
                400, "invalid_request", "No user-assigned identity with this client id."
            )
        resource = query.get("resource", "")
        token = self.tokens.get(resource.rstrip("/") + "/.default")
        if token is None:
            return self._refuse(400, "invalid_resource", f"Unknown resource {resource}.")
        self.granted.append({"resource": resource, "client_id": query["client_id"]})
        return web.json_response(
            {
                "access_token": token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": query["client_id"],
            }
        )

    def _grant(self, scope: str, claims: dict[str, Any]) -> web.Response:
        token = self.tokens.get(scope)
        if token is None:
            return self._refuse(400, "invalid_scope", f"AADSTS70011: Unknown scope {scope}.")
        self.granted.append({"scope": scope, **claims})
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )
