"""Command line: schedule, list, cancel and export the committee's meetings."""

from __future__ import annotations

import argparse
import sys
from datetime import date, time
from pathlib import Path

from bot.commandline import Subcommand, by_argument, opened, write_report
from bot.locale import Translator, format_moment
from bot.settings import Settings


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
    async with opened(settings) as (_, services):
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
    async with opened(settings) as (_, services):
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
    async with opened(settings) as (_, services):
        cancelled = await services.meetings.cancel(args.id, args.actor)
    if cancelled is None:
        print(tr.t("cli.meeting_unknown", id=args.id), file=sys.stderr)
        return 1
    print(tr.t("cli.meeting_cancelled", id=args.id))
    return 0


async def _meetings_export(args: argparse.Namespace, settings: Settings, tr: Translator) -> int:
    async with opened(settings) as (_, services):
        count = len(await services.meetings.all())
        exported = await services.meetings.csv_export(tr)
    if not write_report(args.csv_path, exported, tr):
        return 2
    print(tr.n("cli.meetings_exported", count, path=args.csv_path))
    return 0


def _schedule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="AAAA-MM-JJ, the committee's time zone")
    parser.add_argument("--start", required=True, help="HH:MM")
    parser.add_argument("--duration", required=True, type=int, help="minutes")
    parser.add_argument("--title", required=True)
    parser.add_argument("--agenda", action="append", default=[], help="an item (repeat)")
    parser.add_argument("--kind", choices=["reguliere", "extraordinaire"], default="reguliere")
    parser.add_argument("--note", default="")
    parser.add_argument("--confirm", action="store_true", help="a weekend or a holiday")
    by_argument(parser)


def _cancel_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int)
    by_argument(parser)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, required=True, dest="csv_path")


GROUP = "the committee's meetings"
SUBCOMMANDS = (
    Subcommand("meetings", "schedule", "schedule a meeting", _meetings_schedule, _schedule_arguments, GROUP),
    Subcommand("meetings", "list", "every meeting, next first", _meetings_list, group_help=GROUP),
    Subcommand("meetings", "cancel", "cancel a meeting", _meetings_cancel, _cancel_arguments, GROUP),
    Subcommand("meetings", "export", "every meeting, for publication", _meetings_export, _export_arguments, GROUP),
)  # fmt: skip
