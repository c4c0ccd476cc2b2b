"""Command line: where each meeting's minutes stand, submit a draft, record an adoption."""

from __future__ import annotations

import argparse
import sys

from bot.commandline import Subcommand, by_argument, opened
from bot.domain.text import iso_day
from bot.features.minutes.cards import state_words
from bot.locale import Translator
from bot.settings import Settings


async def _minutes_list(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        rows = await services.minutes.rows()
    for row in rows:
        print(tr.t("cli.minutes_line", id=row.meeting.id, title=row.meeting.plan.title,
                   day=row.meeting.plan.day.isoformat(),
                   state=state_words(tr, row.review, row.corrections)))  # fmt: skip
    if not rows:
        print(tr.t("minutes.none"))
    return 0


async def _minutes_submit(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        service = services.minutes
        deadline = iso_day(args.deadline) if args.deadline else await service.default_deadline()
        outcome = await service.open(args.meeting, args.url, deadline, args.actor)
    if outcome.review is None:
        for problem in outcome.problems:
            print(tr.t("cli.minutes_problem", problem=tr.t(problem.message)), file=sys.stderr)
        return 1
    print(tr.t("cli.minutes_submitted", id=args.meeting, day=outcome.review.deadline.isoformat(),
               told=tr.n("minutes.told", outcome.told)))  # fmt: skip
    return 0


async def _minutes_adopt(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    """Adopted as the committee decided: each correction `--taken ID` or `--not-taken ID
    REASON` (every correction must be named)."""
    named = [(n, "retenue", "") for n in args.taken or []]
    named += [(n, "non_retenue", reason) for n, reason in args.not_taken or []]
    wrong = [n for n, _, _ in named if not n.isdigit()]
    if wrong:
        said = tr.t("cli.minutes_not_a_correction", ids=", ".join(wrong))
        print(tr.t("cli.minutes_problem", problem=said), file=sys.stderr)
        return 2
    verdicts = {int(n): (verdict, reason) for n, verdict, reason in named}
    async with opened(settings) as (_, services):
        service = services.minutes
        review = next(
            (r.review for r in await service.rows() if r.meeting.id == args.meeting and r.review),
            None,
        )
        if review is None:
            print(tr.t("cli.minutes_problem", problem=tr.t("minutes.error.no_draft")), file=sys.stderr)  # fmt: skip
            return 1
        adopted, problems = await service.adopt(
            review.id, iso_day(args.on), args.url, verdicts, args.actor
        )
    if adopted is None or problems:
        for problem in problems:
            field = problem.field.replace("verdict_", "--taken/--not-taken ").replace(
                "reason_", "--not-taken "
            )
            print(tr.t("cli.minutes_problem", problem=f"{field} — {tr.t(problem.message)}"), file=sys.stderr)  # fmt: skip
        return 1
    print(tr.t("cli.minutes_adopted", id=args.meeting, day=args.on))
    return 0


def _submit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("meeting", type=int)
    parser.add_argument("--url", required=True, help="the draft's link (https://…)")
    parser.add_argument("--deadline", help="AAAA-MM-JJ; default: the day before the next meeting, two weeks at most")  # fmt: skip
    by_argument(parser)


def _adopt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("meeting", type=int)
    parser.add_argument("--on", required=True, help="AAAA-MM-JJ, the day the committee adopted them")  # fmt: skip
    parser.add_argument("--url", required=True, help="the adopted minutes' link (https://…)")
    parser.add_argument("--taken", action="append", metavar="ID", help="a correction taken")
    parser.add_argument("--not-taken", action="append", nargs=2, metavar=("ID", "REASON"), dest="not_taken")  # fmt: skip
    by_argument(parser)


GROUP = "minutes, adopted"
SUBCOMMANDS = (
    Subcommand("minutes", "list", "each meeting held and where its minutes stand", _minutes_list, group_help=GROUP),
    Subcommand("minutes", "submit", "submit a meeting's draft minutes for corrections", _minutes_submit, _submit_arguments, GROUP),
    Subcommand("minutes", "adopt", "record the committee's adoption", _minutes_adopt, _adopt_arguments, GROUP),
)  # fmt: skip
