"""Command line: who has declared (never what), and the retention purge."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, write_report
from bot.locale import Translator
from bot.settings import Settings


async def _declarations_report(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        if args.meeting is not None:
            meeting, _rows = await services.declarations.meeting_rows(args.meeting)
            if meeting is None:
                print(tr.t("cli.meeting_not_found", id=args.meeting), file=sys.stderr)
                return 1
        report = await services.declarations.csv_report(tr, args.meeting)
    if not write_report(args.csv_path, report, tr):
        return 2
    print(tr.t("cli.declarations_report", path=args.csv_path))
    return 0


async def _declarations_purge(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        purged = await services.declarations.purge(dry_run=args.dry_run, actor=args.actor.email)
    for found in purged:
        ended = found.member.mandate_ends_on.isoformat() if found.member.mandate_ends_on else "—"
        print(
            tr.t(
                "cli.purge_line",
                name=found.member.display_name,
                email=found.member.email,
                ended=ended,
                rows=tr.n("unit.rows", found.rows),
            )
        )
    key = "cli.purge_would" if args.dry_run else "cli.purge_done"
    print(tr.n(key, len(purged)))
    return 0


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, required=True, dest="csv_path")
    parser.add_argument("--meeting", type=int, help="a meeting's declarations, by its id")


def _purge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    by_argument(parser)


GROUP = "declarations of interests"
SUBCOMMANDS = (
    Subcommand("declarations", "report", "who has declared (no contents)", _declarations_report, _report_arguments, GROUP),
    Subcommand("declarations", "purge", "delete what is past its retention period (Law 25, s. 73)", _declarations_purge, _purge_arguments, GROUP),
)  # fmt: skip
