"""Command line: open a round from a file, list the rounds, export a round's public report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, read_text, write_report
from bot.domain.text import iso_day
from bot.locale import Translator
from bot.settings import Settings


async def _consultation_open(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.features.consultation.rules import Phase, parse_items

    text = read_text(args.file, tr)
    if text is None:
        return 2
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    deadline = iso_day(args.deadline)
    async with opened(settings) as (_, services):
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
            items=tr.n("unit.items", len(outcome.round.items)),
            deadline=outcome.round.deadline.isoformat(),
        )
    )
    return 0


async def _consultation_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        rounds = await services.consultation.rounds()
        for found in rounds:
            counts = await services.consultation.counts(found.id)
            print(
                tr.t(
                    "cli.consultation_line",
                    id=found.id,
                    title=found.title,
                    deadline=found.deadline.isoformat(),
                    items=tr.n("unit.items", len(found.items)),
                    comments=tr.n("unit.comments", sum(counts.values())),
                )
            )
    if not rounds:
        print(tr.t("consultation.none"))
    return 0


async def _consultation_export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    if args.csv_path is None and args.markdown_path is None:
        print(tr.t("cli.consultation_export_what"), file=sys.stderr)
        return 2
    async with opened(settings) as (_, services):
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
            if not write_report(path, content, tr):
                return 2
            print(tr.t("cli.consultation_exported", path=path))
    return 0


def _open_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--deadline", required=True, help="AAAA-MM-JJ, comments until that day")
    by_argument(parser)
    parser.add_argument("--title", help="default: the file's first '# ' heading")
    parser.add_argument(
        "--phase", default="elaboration", choices=["elaboration", "mise_en_oeuvre", "evaluation"]
    )
    parser.add_argument("--meeting", type=int, help="whose declared conflicts apply")


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("round", type=int)
    parser.add_argument("--csv", type=Path, dest="csv_path")
    parser.add_argument("--markdown", type=Path, dest="markdown_path")
    by_argument(parser)


GROUP = "action-plan consultations"
SUBCOMMANDS = (
    Subcommand("consultation", "open", "open a round from a CSV or Markdown file", _consultation_open, _open_arguments, GROUP),
    Subcommand("consultation", "list", "every round", _consultation_list, group_help=GROUP),
    Subcommand("consultation", "export", "a round's public report", _consultation_export, _export_arguments, GROUP),
)  # fmt: skip
