"""Command line: publish a version of the commitment, and who has accepted it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, read_text, write_report
from bot.locale import Translator
from bot.settings import Settings


async def _confidentiality_publish(
    args: argparse.Namespace, settings: Settings, tr: Translator
) -> int:
    from bot.features.confidentiality.rules import CommitmentTextError
    from bot.features.confidentiality.service import PublishConflict, explain_text_error

    texts = [read_text(path, tr) for path in (args.text_fr, args.text_en)]
    if None in texts:
        return 2
    try:
        async with opened(settings) as (_, services):
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
    async with opened(settings) as (_, services):
        _, rows = await services.confidentiality.status_rows()
        report = await services.confidentiality.csv_report(tr)
    if not write_report(args.csv_path, report, tr):
        return 2
    pending = sum(1 for row in rows if row.pending)
    print(tr.t("cli.report_written", path=args.csv_path, pending=pending, total=len(rows)))
    return 0


def _publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text_fr", type=Path)
    parser.add_argument("text_en", type=Path)
    by_argument(parser)


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, required=True, dest="csv_path")


GROUP = "confidentiality commitment"
SUBCOMMANDS = (
    Subcommand("confidentiality", "publish", "publish a new version (French, English)", _confidentiality_publish, _publish_arguments, GROUP),
    Subcommand("confidentiality", "report", "who has accepted the current version", _confidentiality_report, _report_arguments, GROUP),
)  # fmt: skip
