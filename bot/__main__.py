"""Command line: `python -m bot [run | db upgrade | members … | audit verify | package | …]`.

Messages come from the same catalogues as the bot's (French by default, `--lang en`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.locale import Catalogues, Translator, format_moment
from bot.settings import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from bot.services.build import Services
    from bot.storage.database import Database

Command = Callable[[argparse.Namespace, Settings, Translator], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot")
    parser.add_argument("--lang", choices=["fr-CA", "en"], help="language of the messages")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot")
    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply the migrations")
    members = sub.add_parser("members", help="registry").add_subparsers(
        dest="action", required=True
    )
    imported = members.add_parser("import", help="load a roster CSV (all rows or none)")
    imported.add_argument("file", type=Path)
    imported.add_argument(
        "--by",
        required=True,
        help="a serving member of the secretariat (the first import: one the roster names)",
    )
    members.add_parser("list", help="print the registry")
    exported_data = members.add_parser(
        "export-data", help="everything held about one person (Law 25): a page and JSON"
    )
    exported_data.add_argument("email")
    exported_data.add_argument(
        "--out", type=Path, required=True, dest="out_path", help="the page (.html); JSON beside it"
    )
    exported_data.add_argument("--by", required=True, help="a serving member of the secretariat")
    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="check the hash chain")
    conf = sub.add_parser("confidentiality", help="confidentiality commitment")
    conf_actions = conf.add_subparsers(dest="action", required=True)
    publish = conf_actions.add_parser("publish", help="publish a new version (French, English)")
    publish.add_argument("text_fr", type=Path)
    publish.add_argument("text_en", type=Path)
    publish.add_argument("--by", required=True, help="a serving member of the secretariat")
    report = conf_actions.add_parser("report", help="who has accepted the current version")
    report.add_argument("--csv", type=Path, required=True, dest="csv_path")
    meetings = sub.add_parser("meetings", help="the committee's meetings")
    meeting_actions = meetings.add_subparsers(dest="action", required=True)
    schedule = meeting_actions.add_parser("schedule", help="schedule a meeting")
    schedule.add_argument("--date", required=True, help="AAAA-MM-JJ, the committee's time zone")
    schedule.add_argument("--start", required=True, help="HH:MM")
    schedule.add_argument("--duration", required=True, type=int, help="minutes")
    schedule.add_argument("--title", required=True)
    schedule.add_argument("--agenda", action="append", default=[], help="an item (repeat)")
    schedule.add_argument("--kind", choices=["reguliere", "extraordinaire"], default="reguliere")
    schedule.add_argument("--note", default="")
    schedule.add_argument("--confirm", action="store_true", help="a weekend or a holiday")
    schedule.add_argument("--by", required=True, help="a serving member of the secretariat")
    meeting_actions.add_parser("list", help="every meeting, next first")
    cancel = meeting_actions.add_parser("cancel", help="cancel a meeting")
    cancel.add_argument("id", type=int)
    cancel.add_argument("--by", required=True, help="a serving member of the secretariat")
    export = meeting_actions.add_parser("export", help="every meeting, for publication")
    export.add_argument("--csv", type=Path, required=True, dest="csv_path")
    declarations = sub.add_parser("declarations", help="declarations of interests")
    declaration_actions = declarations.add_subparsers(dest="action", required=True)
    declared = declaration_actions.add_parser("report", help="who has declared (no contents)")
    declared.add_argument("--csv", type=Path, required=True, dest="csv_path")
    declared.add_argument("--meeting", type=int, help="a meeting's declarations, by its id")
    purge = declaration_actions.add_parser(
        "purge", help="delete what is past its retention period (Law 25, s. 73)"
    )
    purge.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    purge.add_argument("--by", required=True, help="a serving member of the secretariat")
    mandates = sub.add_parser("mandates", help="members' mandates")
    mandate_actions = mandates.add_subparsers(dest="action", required=True)
    mandates_report = mandate_actions.add_parser("report", help="every mandate, nearest end first")
    mandates_report.add_argument("--csv", type=Path, required=True, dest="csv_path")
    consultation = sub.add_parser("consultation", help="action-plan consultations")
    consultation_actions = consultation.add_subparsers(dest="action", required=True)
    opened = consultation_actions.add_parser(
        "open", help="open a round from a CSV or Markdown file"
    )
    opened.add_argument("file", type=Path)
    opened.add_argument("--deadline", required=True, help="AAAA-MM-JJ, comments until that day")
    opened.add_argument("--by", required=True, help="a serving member of the secretariat")
    opened.add_argument("--title", help="default: the file's first '# ' heading")
    opened.add_argument(
        "--phase", default="elaboration", choices=["elaboration", "mise_en_oeuvre", "evaluation"]
    )
    opened.add_argument("--meeting", type=int, help="whose declared conflicts apply")
    consultation_actions.add_parser("list", help="every round")
    exported = consultation_actions.add_parser("export", help="a round's public report")
    exported.add_argument("round", type=int)
    exported.add_argument("--csv", type=Path, dest="csv_path")
    exported.add_argument("--markdown", type=Path, dest="markdown_path")
    exported.add_argument("--by", required=True, help="a serving member of the secretariat")
    package = sub.add_parser("package", help="write the Teams app zip")
    package.add_argument("--out", type=Path, default=Path("dist/committee-bot.zip"))
    return parser


async def _run(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from aiohttp import web

    from bot.app import build_app
    from bot.serving import GuardedAppRunner

    runner = GuardedAppRunner(
        build_app(settings),
        headers_within=settings.header_timeout_seconds,
        handle_signals=True,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    print(tr.t("cli.listening", host=settings.host, port=settings.port), flush=True)
    if settings.local_mode:
        print(tr.t("cli.local_mode"), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return 0


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[tuple[Database, Services]]:
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
    async with _opened(settings) as (database, _):
        print(tr.t("cli.db_upgraded", revision=await database.current_revision()))
    return 0


async def _members_import(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    if not args.file.is_file():
        print(tr.t("cli.file_missing", path=args.file), file=sys.stderr)
        return 2
    async with _opened(settings) as (_, services):
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
    async with _opened(settings) as (_, services):
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


async def _members_export_data(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    page = args.out_path.with_suffix(".html")
    machine = args.out_path.with_suffix(".json")
    async with _opened(settings) as (_, services):
        member = await services.directory.by_email(args.email)
        if member is None:
            print(tr.t("cli.member_unknown", email=args.email), file=sys.stderr)
            return 1
        data = await services.personal_data.export(member, args.actor.email)
    if not (_write(page, data.as_html(tr), tr) and _write(machine, data.as_json(), tr)):
        return 2
    count = sum(len(rows) for rows in data.sections.values())
    print(tr.t("cli.data_exported", email=member.email, page=page, json=machine, count=count))
    return 0


async def _audit_verify(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.domain.audit import verify
    from bot.storage.repositories import AuditLog

    async with _opened(settings) as (database, _), database.read() as conn:
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
    from bot.packaging import PackagingError, write_package

    try:
        write_package(settings.microsoft_app_id, args.out)
    except PackagingError as error:
        print(tr.t(error.message_key), file=sys.stderr)
        return 2
    print(tr.t("cli.packaged", path=args.out))
    return 0


async def _confidentiality_publish(
    args: argparse.Namespace, settings: Settings, tr: Translator
) -> int:
    from bot.features.confidentiality.rules import CommitmentTextError
    from bot.features.confidentiality.service import PublishConflict, explain_text_error

    texts = [_read_text(path, tr) for path in (args.text_fr, args.text_en)]
    if None in texts:
        return 2
    try:
        async with _opened(settings) as (_, services):
            version = await services.confidentiality.publish(
                texts[0] or "", texts[1] or "", args.actor.email
            )
    except CommitmentTextError as error:
        print(explain_text_error(tr, error), file=sys.stderr)
        return 1
    except PublishConflict:
        print(tr.t("confidentiality.error.conflict"), file=sys.stderr)
        return 1
    print(
        tr.t(
            "cli.published",
            number=version.number,
            sha_fr=version.sha256_fr,
            sha_en=version.sha256_en,
        )
    )
    return 0


async def _confidentiality_report(
    args: argparse.Namespace, settings: Settings, tr: Translator
) -> int:
    async with _opened(settings) as (_, services):
        _, rows = await services.confidentiality.status_rows()
        report = await services.confidentiality.csv_report(tr)
    if not _write(args.csv_path, report, tr):
        return 2
    pending = sum(1 for row in rows if row.pending)
    print(tr.t("cli.report_written", path=args.csv_path, pending=pending, total=len(rows)))
    return 0


async def _meetings_schedule(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.features.meetings.rules import AgendaItem, MeetingKind, MeetingPlan

    try:
        day, start = date.fromisoformat(args.date), time.fromisoformat(args.start)
    except ValueError:
        print(tr.t("cli.meeting_bad_date", date=args.date, start=args.start), file=sys.stderr)
        return 2
    plan = MeetingPlan(
        title=args.title,
        kind=MeetingKind(args.kind),
        day=day,
        start=start,
        minutes=args.duration,
        agenda=[AgendaItem(text) for text in args.agenda],
        note=args.note,
    )
    async with _opened(settings) as (_, services):
        outcome = await services.meetings.schedule(plan, args.actor, confirmed=args.confirm)
    for problem in outcome.problems:
        field = tr.t(f"meetings.field.{problem.field}")
        print(
            tr.t("cli.meeting_problem", field=field, detail=tr.t(problem.message)), file=sys.stderr
        )
    for warning in outcome.warnings:
        print(tr.t("cli.meeting_warning", detail=tr.t(warning)), file=sys.stderr)
    if outcome.meeting is None:
        return 1
    meeting = outcome.meeting
    when = format_moment(tr, meeting.starts_at, settings.zone)
    print(tr.t("cli.meeting_scheduled", id=meeting.id, when=when))
    return 0


async def _meetings_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        meetings = await services.meetings.all()
    if not meetings:
        print(tr.t("cli.no_meetings"))
        return 0
    for meeting in meetings:
        when = format_moment(tr, meeting.starts_at, settings.zone)
        print(
            tr.t(
                "cli.meeting_line",
                id=meeting.id,
                when=when,
                title=meeting.plan.title,
                status=tr.t(f"meetings.status.{meeting.status.value}"),
                calendar=tr.t(f"meetings.calendar.{meeting.calendar.value}"),
            )
        )
    return 0


async def _meetings_cancel(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        cancelled = await services.meetings.cancel(args.id, args.actor)
    if cancelled is None:
        print(tr.t("cli.meeting_unknown", id=args.id), file=sys.stderr)
        return 1
    print(tr.t("cli.meeting_cancelled", id=args.id))
    return 0


async def _meetings_export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        count = len(await services.meetings.all())
        exported = await services.meetings.csv_export(tr)
    if not _write(args.csv_path, exported, tr):
        return 2
    print(tr.t("cli.meetings_exported", path=args.csv_path, count=count))
    return 0


async def _declarations_report(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        if args.meeting is not None:
            meeting, _rows = await services.declarations.meeting_rows(args.meeting)
            if meeting is None:
                print(tr.t("cli.meeting_not_found", id=args.meeting), file=sys.stderr)
                return 1
        report = await services.declarations.csv_report(tr, args.meeting)
    if not _write(args.csv_path, report, tr):
        return 2
    print(tr.t("cli.declarations_report", path=args.csv_path))
    return 0


async def _declarations_purge(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        purged = await services.declarations.purge(dry_run=args.dry_run, actor=args.actor.email)
    for found in purged:
        ended = found.member.mandate_ends_on.isoformat() if found.member.mandate_ends_on else "—"
        print(
            tr.t(
                "cli.purge_line",
                name=found.member.display_name,
                email=found.member.email,
                ended=ended,
                rows=found.rows,
            )
        )
    key = "cli.purge_would" if args.dry_run else "cli.purge_done"
    print(tr.t(key, count=len(purged)))
    return 0


async def _mandates_report(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        count = len(await services.mandates.rows())
        report = await services.mandates.csv_report(tr)
    if not _write(args.csv_path, report, tr):
        return 2
    print(tr.t("cli.mandates_report", path=args.csv_path, count=count))
    return 0


async def _consultation_open(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.features.consultation.rules import Phase, parse_items

    text = _read_text(args.file, tr)
    if text is None:
        return 2
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    try:
        deadline = date.fromisoformat(args.deadline)
    except ValueError:
        deadline = None
    async with _opened(settings) as (_, services):
        outcome = await services.consultation.open_round(
            args.title or heading, Phase(args.phase), deadline, parse_items(text), args.actor,
            args.meeting,
        )  # fmt: skip
    if outcome.round is None:
        for problem in outcome.problems:
            print(tr.t("cli.consultation_problem", field=problem.field, problem=tr.t(problem.message)), file=sys.stderr)  # fmt: skip
        return 1
    print(
        tr.t(
            "cli.consultation_opened",
            id=outcome.round.id,
            items=len(outcome.round.items),
            deadline=outcome.round.deadline.isoformat(),
        )
    )
    return 0


async def _consultation_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with _opened(settings) as (_, services):
        rounds = await services.consultation.rounds()
        for found in rounds:
            counts = await services.consultation.counts(found.id)
            print(
                tr.t(
                    "cli.consultation_line",
                    id=found.id,
                    title=found.title,
                    deadline=found.deadline.isoformat(),
                    items=len(found.items),
                    comments=sum(counts.values()),
                )
            )
    if not rounds:
        print(tr.t("consultation.none"))
    return 0


async def _consultation_export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    if args.csv_path is None and args.markdown_path is None:
        print(tr.t("cli.consultation_export_what"), file=sys.stderr)
        return 2
    async with _opened(settings) as (_, services):
        service = services.consultation
        if await service.get(args.round) is None:
            print(tr.t("cli.consultation_unknown", id=args.round), file=sys.stderr)
            return 1
        for path, produce in (
            (args.csv_path, service.csv_export),
            (args.markdown_path, service.markdown_report),
        ):
            if path is None:
                continue
            content = await produce(args.round, tr, args.actor.email)
            assert content is not None
            if not _write(path, content, tr):
                return 2
            print(tr.t("cli.consultation_exported", path=path))
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("run", None): _run,
    ("db", "upgrade"): _db_upgrade,
    ("members", "import"): _members_import,
    ("members", "list"): _members_list,
    ("members", "export-data"): _members_export_data,
    ("audit", "verify"): _audit_verify,
    ("confidentiality", "publish"): _confidentiality_publish,
    ("confidentiality", "report"): _confidentiality_report,
    ("meetings", "schedule"): _meetings_schedule,
    ("meetings", "list"): _meetings_list,
    ("meetings", "cancel"): _meetings_cancel,
    ("meetings", "export"): _meetings_export,
    ("declarations", "report"): _declarations_report,
    ("declarations", "purge"): _declarations_purge,
    ("mandates", "report"): _mandates_report,
    ("consultation", "open"): _consultation_open,
    ("consultation", "list"): _consultation_list,
    ("consultation", "export"): _consultation_export,
    ("package", None): _package,
}


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
    async with _opened(settings) as (_, services):
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


def _read_text(path: Path, tr: Translator) -> str | None:
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


def _write(path: Path, content: bytes, tr: Translator) -> bool:
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(_language_first(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    tr = Catalogues().for_locale(args.lang or settings.default_locale, settings.default_locale)
    unstorable = _unstorable(args)
    if unstorable is not None:
        key, argument = unstorable
        print(tr.t(key, argument=argument), file=sys.stderr)
        return 2
    command = COMMANDS[(args.command or "run", getattr(args, "action", None))]
    try:
        return asyncio.run(_as_secretariat(command, args, settings, tr))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
