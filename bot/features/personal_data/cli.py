"""Command line: the secretariat answers a formal access request (Law 25)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, write_report
from bot.locale import Translator
from bot.settings import Settings


async def _members_export_data(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    page = args.out_path.with_suffix(".html")
    machine = args.out_path.with_suffix(".json")
    async with opened(settings) as (_, services):
        member = await services.directory.by_email(args.email)
        if member is None:
            print(tr.t("cli.member_unknown", email=args.email), file=sys.stderr)
            return 1
        data = await services.personal_data.export(member, args.actor.email)
    if not (write_report(page, data.as_html(tr), tr) and write_report(machine, data.as_json(), tr)):
        return 2
    count = sum(len(rows) for rows in data.sections.values())
    print(tr.t("cli.data_exported", email=member.email, page=page, json=machine, count=count))
    return 0


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email")
    parser.add_argument(
        "--out", type=Path, required=True, dest="out_path", help="the page (.html); JSON beside it"
    )
    by_argument(parser)


SUBCOMMANDS = (
    Subcommand("members", "export-data", "everything held about one person (Law 25): a page and JSON", _members_export_data, _export_arguments),
)  # fmt: skip
