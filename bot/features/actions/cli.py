"""Command line: record an action item, list the open ones, export them all."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, write_report
from bot.domain.text import iso_day
from bot.features.actions.cards import status_words
from bot.features.actions.rules import owner_label
from bot.locale import Translator
from bot.settings import Settings


async def _actions_add(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        outcome = await services.actions.add(
            args.what, args.owner, iso_day(args.due), args.meeting, args.actor,
            args.organisation or "", args.decision, args.contact or "",
        )  # fmt: skip
    if outcome.item is None:
        for problem in outcome.problems:
            print(tr.t("cli.actions_problem", field=f"--{problem.field}", problem=tr.t(problem.message)), file=sys.stderr)  # fmt: skip
        return 1
    if outcome.owner is None:
        told, name = "cli.actions_added_outside", owner_label(outcome.item, None)
    else:
        told = "cli.actions_added_told" if outcome.reachable else "cli.actions_added_waits"
        name = outcome.owner.display_name
    print(tr.t(told, id=outcome.item.id, name=name, due=outcome.item.due_on.isoformat()))
    return 0


async def _actions_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        groups = await services.actions.open_by_meeting()
        today = services.actions.today()
    for meeting, rows in groups:
        print(f"# {meeting.plan.title} ({meeting.plan.day.isoformat()})" if meeting
              else f"# {tr.t('actions.no_meeting')}")  # fmt: skip
        for item, owner in rows:
            status = status_words(tr, item, today)
            print(tr.t("cli.actions_line", id=item.id, what=item.what, due=item.due_on.isoformat(),
                       owner=owner.display_name if owner else "—", status=status))  # fmt: skip
    if not groups:
        print(tr.t("actions.all_none"))
    return 0


async def _actions_export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        content, count = await services.actions.csv_export(tr, args.actor.email)
    if not write_report(args.csv_path, content, tr):
        return 2
    print(tr.n("cli.actions_exported", count, path=args.csv_path))
    return 0


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--what", required=True, help="what is to be done")
    parser.add_argument("--owner", default="", help="the e-mail of the member who does it")
    parser.add_argument("--due", required=True, help="AAAA-MM-JJ")
    parser.add_argument("--meeting", type=int, help="the meeting it comes from")
    parser.add_argument(
        "--decision", type=int, help="the number of the meeting's decision it carries out"
    )
    parser.add_argument("--organisation", help="default: the owner's; without --owner, an organisation outside the registry")  # fmt: skip
    parser.add_argument("--contact", help="without --owner: the organisation's contact (e-mail); the secretariat is reminded")  # fmt: skip
    by_argument(parser)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, required=True, dest="csv_path")
    by_argument(parser)


GROUP = "action items"
SUBCOMMANDS = (
    Subcommand("actions", "add", "record an action item (its owner is told)", _actions_add, _add_arguments, GROUP),
    Subcommand("actions", "list", "the open items, by meeting, late first", _actions_list, group_help=GROUP),
    Subcommand("actions", "export", "every item, as CSV", _actions_export, _export_arguments, GROUP),
)  # fmt: skip
