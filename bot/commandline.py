"""The command line's platform: how a subcommand is declared (`Subcommand`, next to the
behaviour it runs, in each feature's `cli.py`), the checks every subcommand goes through in one
place (`--by`, ids, control characters, where reports go), the helpers they share (the
database opened and migrated, a text file read, a report written), and the platform's own
subcommands (run, db, members, audit, package).

Messages come from the same catalogues as the bot's (French by default, `--lang en`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import logs
from bot.locale import Catalogues, Translator
from bot.settings import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from bot.services.build import Services
    from bot.storage.database import Database

log = logging.getLogger("bot")

Command = Callable[[argparse.Namespace, Settings, Translator], Coroutine[Any, Any, int]]


@dataclass(frozen=True)
class Subcommand:
    """`python -m bot GROUP NAME …`, declared where its behaviour lives."""

    group: str
    name: str | None
    help: str
    run: Command
    arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    group_help: str = ""


def by_argument(
    parser: argparse.ArgumentParser, help: str = "a serving member of the secretariat"
) -> None:
    """`--by EMAIL`: who acts, named in the audit chain; checked before the command runs."""
    parser.add_argument("--by", required=True, help=help)


async def _run(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from aiohttp import web

    from bot.app import build_app
    from bot.serving import GuardedAppRunner

    runner = GuardedAppRunner(
        build_app(settings),
        headers_within=settings.header_timeout_seconds,
        shutdown_timeout=settings.shutdown_seconds,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    print(tr.t("cli.listening", host=settings.host, port=settings.port), flush=True)
    if settings.local_mode:
        print(tr.t("cli.local_mode"), flush=True)
    # SIGTERM (a container platform) or SIGINT (Ctrl-C): a requested stop, answered with exit
    # 0 once what is in flight is finished or given back (aiohttp's own handler exits 1).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("Stopping: finishing what is in flight (BOT_SHUTDOWN_SECONDS)")
    finally:
        await runner.cleanup()
    log.info("Stopped")
    return 0


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[tuple[Database, Services]]:
    """The database, migrated, and the use cases on it; closed when the command is done."""
    from bot.services.build import build_services
    from bot.storage.database import Database

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        yield database, build_services(settings, database)
    finally:
        await database.dispose()


async def _db_upgrade(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (database, _):
        print(tr.t("cli.db_upgraded", revision=await database.current_revision()))
    return 0


async def _members_import(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    if not args.file.is_file():
        print(tr.t("cli.file_missing", path=args.file), file=sys.stderr)
        return 2
    async with opened(settings) as (_, services):
        # The first import (no serving secretariat yet): the roster itself must make `--by`
        # one, or nothing is written.
        first = datetime.now(settings.zone).date() if args.actor is None else None
        outcome = await services.directory.import_roster(args.file, args.by, first_import_on=first)
    if outcome.actor_not_secretariat:
        print(tr.t("cli.first_import_by", by=args.by), file=sys.stderr)
        return 1
    if outcome.report is None:
        for problem in outcome.problems:
            detail = tr.t(problem.message, **problem.params)
            print(tr.t("cli.roster_problem", line=problem.line, detail=detail), file=sys.stderr)
        print(tr.n("cli.roster_rejected", len(outcome.problems)), file=sys.stderr)
        return 1
    report = outcome.report
    counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}
    print(tr.t("cli.roster_imported", **counts))
    return 0


async def _members_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        members = await services.directory.all()
    if not members:
        print(tr.t("cli.no_members"))
        return 0
    headers = [
        tr.t(f"column.{name}")
        for name in ("name", "email", "organisation", "seat", "role", "status", "mandate")
    ]
    rows = [
        [
            m.display_name,
            m.email,
            m.organisation,
            tr.t(f"seat.{m.seat.value}"),
            tr.t(f"role.{m.role.value}"),
            tr.t("status.active") if m.active else tr.t("status.inactive"),
            f"{m.mandate_starts_on or '…'} → {m.mandate_ends_on or '…'}",
        ]
        for m in members
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    return 0


async def _audit_verify(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.domain.audit import verify
    from bot.storage.repositories import AuditLog

    async with opened(settings) as (database, _), database.read() as conn:
        entries = await AuditLog().entries(conn)
    breaks = verify(entries)
    for found in breaks:
        print(tr.t(f"audit.break.{found.reason}", seq=found.seq), file=sys.stderr)
    if breaks:
        print(tr.n("audit.broken", len(breaks)), file=sys.stderr)
        return 1
    head = entries[-1].hash if entries else "-"
    print(tr.n("audit.intact", len(entries), head=head))
    return 0


async def _package(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.app import installed_commands
    from bot.packaging import PackagingError, write_package

    catalogues = Catalogues()
    french, english = catalogues.for_locale("fr-CA"), catalogues.for_locale("en")
    listed = [
        (c.french, c.english, french.t(c.description), english.t(c.description))
        for c in await installed_commands(settings)
        if c.in_manifest and not c.access.secretariat
    ]
    try:
        write_package(settings.microsoft_app_id, args.out, listed)
    except PackagingError as error:
        print(tr.t(error.message_key), file=sys.stderr)
        return 2
    print(tr.t("cli.packaged", path=args.out))
    return 0


def read_text(path: Path, tr: Translator) -> str | None:
    """A text file a command reads, or None once the person is told why not: missing, not
    UTF-8, or holding a control character."""
    from bot.domain.text import has_control_characters

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        print(tr.t("cli.not_utf8", path=path), file=sys.stderr)
        return None
    except OSError:
        print(tr.t("cli.file_missing", path=path), file=sys.stderr)
        return None
    if has_control_characters(text):
        print(tr.t("cli.file_control_characters", path=path), file=sys.stderr)
        return None
    return text


def write_report(path: Path, content: bytes, tr: Translator) -> bool:
    """Writes a report, or says why it could not (a folder that does not exist, a read-only
    place): False then, and nothing left half-written."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        print(tr.t("cli.cannot_write", path=path, reason=error.strerror or error), file=sys.stderr)
        return False
    return True


async def _doctor(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.doctor import Doctor, Verdict

    findings = await Doctor(settings, tr, args.package).run()
    for finding in findings:
        print(f"{finding.verdict.value} {finding.message}")
    failed = sum(1 for f in findings if f.verdict is Verdict.FAIL)
    print(tr.n("doctor.summary", failed) if failed else tr.t("doctor.all_good"))
    return 1 if failed else 0


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package", type=Path, default=Path("dist/committee-bot.zip"),
        help="the Teams app package uploaded to the tenant",
    )  # fmt: skip


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    by_argument(
        parser, "a serving member of the secretariat (the first import: one the roster names)"
    )


def _package_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("dist/committee-bot.zip"))


PLATFORM = (
    Subcommand("run", None, "start the bot", _run),
    Subcommand("db", "upgrade", "apply the migrations", _db_upgrade, group_help="database"),
    Subcommand("members", "import", "load a roster CSV (all rows or none)", _members_import, _import_arguments, "registry"),
    Subcommand("members", "list", "print the registry", _members_list, group_help="registry"),
    Subcommand("audit", "verify", "check the hash chain", _audit_verify, group_help="audit log"),
    Subcommand("package", None, "write the Teams app zip", _package, _package_arguments),
    Subcommand("doctor", None, "check the configuration, credentials and permissions", _doctor, _doctor_arguments),
)  # fmt: skip


def parser(subcommands: Sequence[Subcommand]) -> argparse.ArgumentParser:
    """The whole command line, from the subcommands' own declarations."""
    top = argparse.ArgumentParser(prog="python -m bot")
    top.add_argument("--lang", choices=["fr-CA", "en"], help="language of the messages")
    groups = top.add_subparsers(dest="command")
    actions: dict[str, Any] = {}
    for sub in subcommands:
        if sub.name is None:
            sub.arguments(groups.add_parser(sub.group, help=sub.help))
            continue
        if sub.group not in actions:
            group = groups.add_parser(sub.group, help=sub.group_help or sub.group)
            actions[sub.group] = group.add_subparsers(dest="action", required=True)
        sub.arguments(actions[sub.group].add_parser(sub.name, help=sub.help))
    return top


# Where a command writes its report: checked before it does anything (an export is audited).
_OUTPUTS = ("csv_path", "markdown_path", "out_path")


def _unstorable(args: argparse.Namespace) -> tuple[str, str] | None:
    """The first argument no record can hold, with the catalogue key saying why: an id beyond
    the database's integer range, a text with a control character, a report to a place that
    cannot take it. One check for every subcommand, before any of them opens the database."""
    from bot.domain.text import ID_MAX, has_control_characters

    for name in _OUTPUTS:
        output = getattr(args, name, None)
        if output is not None and (output.is_dir() or not output.parent.is_dir()):
            return "cli.cannot_write_there", str(output)
    for name, value in vars(args).items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, int) and not isinstance(one, bool) and abs(one) > ID_MAX:
                return "cli.bad_number", f"{name} {one}"
            if isinstance(one, str | Path) and has_control_characters(str(one)):
                return "cli.control_characters", name
    return None


async def _as_secretariat(
    command: Command, args: argparse.Namespace, settings: Settings, tr: Translator
) -> int:
    """Every subcommand that takes `--by` writes that person into the audit chain as the one
    who acted: checked here, once for all, to be a serving member of the secretariat (active,
    within their mandate) before the command runs. The command reads them as `args.actor`.
    The one exception is the very first roster import, when nobody serves on the secretariat
    yet: `args.actor` is then None and the import itself requires the roster to make `--by` a
    serving secretariat member."""
    if not hasattr(args, "by"):
        return await command(args, settings, tr)
    today = datetime.now(settings.zone).date()
    async with opened(settings) as (_, services):
        args.actor = await services.directory.serving_secretariat(args.by, today)
        first_import = (args.command, args.action) == ("members", "import") and not any(
            m.is_serving(today) for m in await services.directory.secretariat()
        )
    if args.actor is None and not first_import:
        print(tr.t("cli.not_secretariat_member", by=args.by), file=sys.stderr)
        return 1
    return await command(args, settings, tr)


def _language_first(argv: list[str]) -> list[str]:
    """`--lang en` wherever it is typed (`members list --lang en` too), moved before the
    subcommand where argparse expects it."""
    language: list[str] = []
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--lang":
            language = [word, next(words, "")]
        elif word.startswith("--lang="):
            language = [word]
        else:
            rest.append(word)
    return language + rest


def main(subcommands: Sequence[Subcommand], argv: list[str] | None = None) -> int:
    args = parser(subcommands).parse_args(_language_first(sys.argv[1:] if argv is None else argv))
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    logs.configure(settings.log_format)
    tr = Catalogues().for_locale(args.lang or settings.default_locale, settings.default_locale)
    unstorable = _unstorable(args)
    if unstorable is not None:
        key, argument = unstorable
        print(tr.t(key, argument=argument), file=sys.stderr)
        return 2
    wanted = (args.command or "run", getattr(args, "action", None))
    command = next(s.run for s in subcommands if (s.group, s.name) == wanted)
    try:
        return asyncio.run(_as_secretariat(command, args, settings, tr))
    except KeyboardInterrupt:
        return 0
