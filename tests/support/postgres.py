"""A throwaway PostgreSQL server for the test session: initdb in a temp folder, loopback only.

`TEST_POSTGRES_URL` (an asyncpg URL to a server where we may create databases) skips the
start. Without either a server or PostgreSQL's binaries, the PostgreSQL tests are skipped,
unless `REQUIRE_POSTGRES=1` (CI), where that is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yields a base URL like postgresql+asyncpg://postgres@127.0.0.1:PORT, or None."""
    preset = os.environ.get("TEST_POSTGRES_URL")
    if preset:
        yield preset.rstrip("/")
        return
    binaries = _binaries()
    if binaries is None:
        yield None
        return
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="committee-pg-"))
    data = folder / "data"
    port = free_port()

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        command = [*(["runuser", "-u", "postgres", "--"] if as_root else []), *args]
        return subprocess.run(command, check=True, capture_output=True)

    if as_root:
        # initdb refuses to run as root: hand the folder to the postgres account.
        shutil.chown(folder, "postgres", "postgres")
    run(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [
                *(["runuser", "-u", "postgres", "--"] if as_root else []),
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
