"""The public report on the plan's progress, for Québec.ca: commitments, milestones, their
latest progress, and the committee's comments with the answers — a member named only with
their consent (the consultation's choice), otherwise by the kind of seat they hold."""

from __future__ import annotations

from collections.abc import Sequence

from bot.features.commitments.rules import Plan
from bot.features.commitments.service import CommentRow
from bot.features.consultation.service import markdown_text, public_name
from bot.locale import Translator
from bot.services.spreadsheet import to_csv

CSV_COLUMNS = (
    "plan", "number", "commitment", "organisation", "level", "milestone", "planned", "status",
    "status_on", "report", "evidence",
)  # fmt: skip


def _author(tr: Translator, row: CommentRow, naming: dict[int, bool]) -> str:
    if row.author is None:
        return "—"
    return public_name(tr, row.author, naming.get(row.author.id or 0, False))


def as_csv(tr: Translator, plans: Sequence[Plan]) -> bytes:
    """One row per milestone (the commitment's fields repeated), as spreadsheets read it."""
    rows = [
        [
            plan.title, c.number, c.title, c.organisation,
            tr.t(f"commitments.level.{c.level.value}"), m.what, m.planned_on.isoformat(),
            tr.t(f"commitments.status.{m.status.value}"),
            m.status_on.isoformat() if m.status_on else "", m.report, m.evidence_url,
        ]
        for plan in plans
        for c in plan.commitments
        for m in c.milestones
    ]  # fmt: skip
    headers = [tr.t(f"commitments.csv.{column}") for column in CSV_COLUMNS]
    return to_csv(headers, rows, french=tr.is_french)


def as_markdown(
    tr: Translator,
    plans: Sequence[Plan],
    comments: dict[int, list[CommentRow]],
    naming: dict[int, bool],
) -> bytes:
    out: list[str] = []
    for plan in plans:
        out += [f"# {markdown_text(plan.title)}", "", tr.t("commitments.report_intro"), ""]
        for c in plan.commitments:
            out += [f"## {markdown_text(c.number)}. {markdown_text(c.title)}", ""]
            out += [
                tr.t("commitments.organisation", organisation=markdown_text(c.organisation)),
                "",
            ]
            level = tr.t(f"commitments.level.{c.level.value}")
            out += [tr.t("commitments.report_level", level=level), ""]
            if c.override is not None:
                out += [tr.t("commitments.override_line",
                             derived=tr.t(f"commitments.level.{c.derived_level.value}"),
                             reason=markdown_text(c.override_reason)), ""]  # fmt: skip
            if c.text:
                out += [markdown_text(c.text), ""]
            columns = [tr.t("commitments.column.milestone"), tr.t("commitments.column.planned"),
                       tr.t("commitments.column.status"), tr.t("commitments.csv.report")]  # fmt: skip
            out += ["| " + " | ".join(columns) + " |", "|---|---|---|---|"]
            for m in c.milestones:
                status = tr.t(f"commitments.status.{m.status.value}")
                if m.status_on:
                    status += f" ({m.status_on.isoformat()})"
                report = markdown_text(m.report).replace("\n", " ")
                if m.evidence_url:
                    report += f" <{m.evidence_url}>"
                out.append(f"| {markdown_text(m.what)} | {m.planned_on.isoformat()} | {status} | {report} |")  # fmt: skip
            out.append("")
            rows = comments.get(c.id, [])
            out += ["### " + tr.t("commitments.report_comments"), ""]
            if not rows:
                out += [tr.t("commitments.report_no_comment"), ""]
            for row in rows:
                kind = tr.t(f"commitments.kind.{row.comment.kind.value}")
                said = tr.t("commitments.report_comment", author=markdown_text(_author(tr, row, naming)),
                            kind=kind, day=row.comment.at.date().isoformat(),
                            text=markdown_text(row.comment.text))  # fmt: skip
                out.append(f"- {said}")
                if row.answer is not None:
                    verdict = tr.t(f"commitments.verdict.{row.answer.verdict.value}")
                    out.append("  - " + tr.t("commitments.answer_line", verdict=verdict,
                                             reason=markdown_text(row.answer.reason)))  # fmt: skip
            out.append("")
    return "\n".join(out).encode("utf-8")
