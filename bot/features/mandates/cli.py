"""Command line: every mandate, nearest end first."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commandline import Subcommand, opened, write_report
from bot.locale import Translator
from bot.settings import Settings


async def _mandates_report(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        count = len(await services.mandates.rows())
        report = await services.mandates.csv_report(tr)
    if not write_report(args.csv_path, report, tr):
        return 2
    print(tr.n("cli.mandates_report", count, path=args.csv_path))
    return 0


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, required=True, dest="csv_path")


SUBCOMMANDS = (
    Subcommand("mandates", "report", "every mandate, nearest end first", _mandates_report, _report_arguments, "members' mandates"),
)  # fmt: skip
