"""Command line: import the plan, draft its file from a consultation round, list it, export
the public report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, read_text, write_report
from bot.locale import Translator
from bot.settings import Settings


async def _import(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    text = read_text(args.file, tr)
    if text is None:
        return 2
    async with opened(settings) as (_, services):
        outcome = await services.commitments.import_plan(
            text, args.plan or "", args.actor, update=args.update
        )
    if outcome.plan_id is None:
        for problem in outcome.problems:
            print(tr.t("cli.commitments_problem", where=problem.field, problem=tr.t(problem.message)), file=sys.stderr)  # fmt: skip
        return 1
    added = {
        "commitments": tr.n("unit.commitments", outcome.commitments),
        "milestones": tr.n("unit.milestones", outcome.milestones),
    }
    if args.update:
        changed = tr.n("unit.milestones", outcome.milestones_changed)
        print(tr.t("cli.commitments_updated", changed=changed, **added))
    else:
        print(tr.t("cli.commitments_imported", **added))
    return 0


async def _draft(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        text = await services.commitments.draft_from_round(args.round)
    if text is None:
        print(tr.t("cli.consultation_unknown", id=args.round), file=sys.stderr)
        return 1
    if not write_report(args.out, text.encode("utf-8"), tr):
        return 2
    print(tr.t("cli.commitments_drafted", path=args.out))
    return 0


async def _list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.features.commitments.cards import next_words

    async with opened(settings) as (_, services):
        plans = await services.commitments.plans()
    for plan in plans:
        print(f"# {plan.title}")
        for c in plan.commitments:
            print(tr.t("cli.commitments_line", number=c.number, title=c.title,
                       level=tr.t(f"commitments.level.{c.level.value}"),
                       next=next_words(tr, c, settings.zone)))  # fmt: skip
    if not plans:
        print(tr.t("commitments.none"))
    return 0


async def _export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    from bot.features.commitments.report import as_csv, as_markdown

    if args.csv_path is None and args.markdown_path is None:
        print(tr.t("cli.consultation_export_what"), file=sys.stderr)
        return 2
    async with opened(settings) as (_, services):
        plans, comments, naming = await services.commitments.public_rows()
        for path, kind, content in (
            (args.csv_path, "csv", as_csv(tr, plans)),
            (args.markdown_path, "markdown", as_markdown(tr, plans, comments, naming)),
        ):
            if path is None:
                continue
            if not write_report(path, content, tr):
                return 2
            await services.commitments.exported(kind, content, args.actor.email)
            print(tr.t("cli.consultation_exported", path=path))
    return 0


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="Markdown (## 1. Engagement, Responsable :, - AAAA-MM-JJ : jalon) or CSV")  # fmt: skip
    parser.add_argument("--plan", help="the plan's title; default: the file's first '# ' heading")
    parser.add_argument("--update", action="store_true", help="into the plan of that title: add and update, keep progress, remove nothing")  # fmt: skip
    by_argument(parser)


def _draft_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--round", type=int, required=True, help="the consultation round")
    parser.add_argument("--out", type=Path, required=True, help="the plan file to complete")


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, dest="csv_path")
    parser.add_argument("--markdown", type=Path, dest="markdown_path")
    by_argument(parser)


GROUP = "the action plan's commitments"
SUBCOMMANDS = (
    Subcommand("commitments", "import", "import the plan's commitments and milestones", _import, _import_arguments, GROUP),
    Subcommand("commitments", "draft", "write a plan file from a round's retained items", _draft, _draft_arguments, GROUP),
    Subcommand("commitments", "list", "each commitment's level and next milestone", _list, group_help=GROUP),
    Subcommand("commitments", "export", "the public report (CSV, Markdown)", _export, _export_arguments, GROUP),
)  # fmt: skip
