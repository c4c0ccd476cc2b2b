"""Cards of the commitments: the plan (`engagements`), one commitment with its milestones,
the committee's comments and the secretariat's answers; the progress, answer and level forms;
the weekly digest and the notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.features.commitments.rules import (
    COMMENT_MAX,
    REASON_MAX,
    REPORT_MAX,
    CommentKind,
    Commitment,
    Level,
    Milestone,
    MilestoneStatus,
    Plan,
    Verdict,
)
from bot.features.commitments.service import CommentRow, CommentWork, CommitmentView, DigestWork
from bot.locale import Translator, format_day, format_short_date
from bot.teams.cards import (
    Card,
    Element,
    FieldError,
    NoData,
    Payload,
    card,
    choice_set,
    date_input,
    execute,
    paragraph,
    stale_banner,
    table,
    text_input,
    title,
    with_errors,
)

PLAN = "commitments.plan"
OPEN = "commitments.open"
SHOW = "commitments.show"
REPORT_FORM = "commitments.report_form"
REPORT = "commitments.report"
COMMENT = "commitments.comment"
ANSWER_FORM = "commitments.answer_form"
ANSWER = "commitments.answer"
LEVEL_FORM = "commitments.level_form"
LEVEL = "commitments.level"
EXPORT = "commitments.export"
# Never by colour alone: the word, and this icon repeating it.
LEVEL_ICONS = {
    Level.NOT_STARTED: "○",
    Level.LIMITED: "◔",
    Level.SUBSTANTIAL: "◑",
    Level.COMPLETE: "●",
}
STATUS_ICONS = {
    MilestoneStatus.NOT_STARTED: "○",
    MilestoneStatus.IN_PROGRESS: "◐",
    MilestoneStatus.DONE: "✔",
    MilestoneStatus.DELAYED: "⚠",
}


class ExportPayload(Payload):
    format: Literal["csv", "markdown"]


class CommitmentRef(Payload):
    commitment: int


class ChoicePayload(Payload):
    """The plan card's choice of a commitment (a text, as Teams sends it)."""

    commitment: str = ""


class MilestoneRef(Payload):
    milestone: int
    # The version of the milestone the form showed.
    seen: int = 0


class ReportPayload(MilestoneRef):
    status: str = ""
    on: str = ""
    report: str = ""
    evidence: str = ""


class CommentPayload(CommitmentRef):
    kind: str = ""
    text: str = ""


class CommentRef(Payload):
    comment: int


class AnswerPayload(CommentRef):
    verdict: str = ""
    reason: str = ""


class LevelPayload(CommitmentRef):
    seen: int = 0
    level: str = ""
    reason: str = ""


def level_words(tr: Translator, commitment: Commitment) -> str:
    level = commitment.level
    words = f"{LEVEL_ICONS[level]} {tr.t(f'commitments.level.{level.value}')}"
    if commitment.override is not None:
        words += " " + tr.t("commitments.level_set")
    return words


def status_words(tr: Translator, milestone: Milestone, zone: ZoneInfo) -> str:
    words = f"{STATUS_ICONS[milestone.status]} {tr.t(f'commitments.status.{milestone.status.value}')}"  # fmt: skip
    if milestone.status_on is not None:
        words += f" ({format_short_date(tr, milestone.status_on)})"
    return words


def next_words(tr: Translator, commitment: Commitment, zone: ZoneInfo) -> str:
    upcoming = commitment.next_milestone()
    if upcoming is None:
        return tr.t("commitments.all_done")
    return f"{upcoming.what} — {format_short_date(tr, upcoming.planned_on)}"


def plan_card(
    tr: Translator, plans: Sequence[Plan], zone: ZoneInfo, *, secretariat: bool = False
) -> Card:
    """The plan: each commitment, its level and next milestone; a choice opens one. The
    secretariat also gets the public report (CSV, Markdown) through file consent."""
    body: list[Element] = [title(tr.t("commitments.title"))]
    if not plans:
        body.append(paragraph(tr.t("commitments.none")))
        return card(body)
    choices: list[tuple[str, str]] = []
    for plan in plans:
        body.append(paragraph(f"**{plan.title}**"))
        body.append(
            table(
                [tr.t("commitments.column.commitment"), tr.t("commitments.column.level"),
                 tr.t("commitments.column.next")],
                [(f"{c.number}. {c.title}\n{c.organisation}", level_words(tr, c),
                  next_words(tr, c, zone)) for c in plan.commitments],
                [4, 2, 3],
            )
        )  # fmt: skip
        choices += [(str(c.id), f"{c.number}. {c.title}") for c in plan.commitments]
    body.append(choice_set("commitment", tr.t("commitments.choose"), choices, expanded=False,
                           required=True, error=tr.t("confidentiality.error.empty_field")))  # fmt: skip
    actions = [execute(tr.t("commitments.open_button"), OPEN)]
    if secretariat:
        actions += [
            execute(tr.t("commitments.export_csv"), EXPORT, ExportPayload(format="csv")),
            execute(tr.t("commitments.export_markdown"), EXPORT, ExportPayload(format="markdown")),
        ]
    return card(body, actions)


def _comment_lines(tr: Translator, rows: Sequence[CommentRow], zone: ZoneInfo) -> list[Element]:
    lines: list[Element] = []
    for row in rows:
        who = row.author.display_name if row.author else "—"
        kind = tr.t(f"commitments.kind.{row.comment.kind.value}")
        lines.append(paragraph(tr.t("commitments.comment_by", name=who, kind=kind,
                                    day=format_day(tr, row.comment.at, zone)), weight="Bolder"))  # fmt: skip
        lines.append(paragraph(row.comment.text, spacing="None"))
        if row.answer is not None:
            verdict = tr.t(f"commitments.verdict.{row.answer.verdict.value}")
            lines.append(paragraph(tr.t("commitments.answer_line", verdict=verdict,
                                        reason=row.answer.reason), isSubtle=True, spacing="None"))  # fmt: skip
        else:
            lines.append(paragraph(tr.t("commitments.no_answer"), isSubtle=True, spacing="None"))
    return lines


def commitment_card(
    tr: Translator,
    view: CommitmentView,
    zone: ZoneInfo,
    *,
    secretariat: bool,
    notice: str | None = None,
    stale: bool = False,
    typed: CommentPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """One commitment: its organisation and level, its milestones, the committee's comments
    with the answers; a field to comment or propose a solution; the reporting and answering
    buttons for whom they are for."""
    c = view.commitment
    body: list[Element] = [stale_banner(tr)] if stale else []
    body += [
        title(f"{c.number}. {c.title}"),
        paragraph(view.plan, isSubtle=True, spacing="None"),
        paragraph(tr.t("commitments.organisation", organisation=c.organisation)),
        paragraph(tr.t("commitments.level_line", level=level_words(tr, c)), weight="Bolder"),
    ]
    if c.override is not None:
        body.append(paragraph(tr.t("commitments.override_line",
                                   derived=tr.t(f"commitments.level.{c.derived_level.value}"),
                                   reason=c.override_reason), isSubtle=True))  # fmt: skip
    if c.text:
        body.append(paragraph(c.text))
    if notice:
        body.append(paragraph(notice, weight="Bolder"))
    body.append(
        table(
            [tr.t("commitments.column.milestone"), tr.t("commitments.column.planned"),
             tr.t("commitments.column.status")],
            [(f"{m.position}. {m.what}" + (f"\n{m.report}" if m.report else ""),
              format_short_date(tr, m.planned_on), status_words(tr, m, zone)) for m in c.milestones],
            [4, 2, 3],
        )
    )  # fmt: skip
    body.append(paragraph(tr.n("commitments.comments", len(view.comments)), weight="Bolder"))
    body += _comment_lines(tr, view.comments, zone)
    body += [
        choice_set("kind", tr.t("commitments.field.kind"),
                   [(k.value, tr.t(f"commitments.kind.{k.value}")) for k in CommentKind],
                   value=(typed.kind if typed else "") or CommentKind.COMMENT.value),
        text_input("text", tr.t("commitments.field.comment"), value=typed.text if typed else "",
                   multiline=True, max_length=COMMENT_MAX),
    ]  # fmt: skip
    ref = CommitmentRef(commitment=c.id)
    actions: list[dict[str, Any]] = [execute(tr.t("commitments.comment_button"), COMMENT, ref)]
    if view.may_report:
        actions.append(execute(tr.t("commitments.report_button"), REPORT_FORM, ref))
    if secretariat:
        actions.append(execute(tr.t("commitments.level_button"), LEVEL_FORM, ref))
        unanswered = [r for r in view.comments if r.answer is None]
        if view.comments:
            first = (unanswered or view.comments)[0].comment.id
            actions.append(execute(tr.t("commitments.answer_button"), ANSWER_FORM, CommentRef(comment=first)))  # fmt: skip
    actions.append(execute(tr.t("commitments.back"), PLAN, NoData()))
    return card(with_errors(body, errors), actions[:6])


def report_form(
    tr: Translator,
    view: CommitmentView,
    milestone: Milestone,
    zone: ZoneInfo,
    today: date,
    *,
    typed: ReportPayload | None = None,
    errors: Sequence[str | FieldError] = (),
    stale: bool = False,
) -> Card:
    """One milestone's progress: status, as of which day, a short report, the evidence;
    below, a button to each of the commitment's other milestones."""
    c = view.commitment
    body: list[Element] = [stale_banner(tr)] if stale else []
    body += [
        title(tr.t("commitments.report_title")),
        paragraph(f"**{c.number}. {c.title}**"),
        paragraph(f"{milestone.position}. {milestone.what} — {format_short_date(tr, milestone.planned_on)}"),
        paragraph(tr.t("commitments.status_line", status=status_words(tr, milestone, zone)), isSubtle=True),
        choice_set("status", tr.t("commitments.field.status"),
                   [(s.value, f"{STATUS_ICONS[s]} {tr.t(f'commitments.status.{s.value}')}")
                    for s in MilestoneStatus],
                   value=typed.status if typed else milestone.status.value, required=True,
                   error=tr.t("commitments.error.status")),
        date_input("on", tr.t("commitments.field.on"),
                   value=typed.on if typed else today.isoformat(), required=True,
                   error=tr.t("commitments.error.on")),
        text_input("report", tr.t("commitments.field.report"),
                   value=typed.report if typed else milestone.report, multiline=True,
                   required=True, error=tr.t("commitments.error.report"), max_length=REPORT_MAX),
        text_input("evidence", tr.t("commitments.field.evidence"),
                   value=typed.evidence if typed else milestone.evidence_url,
                   placeholder="https://…"),
    ]  # fmt: skip
    ref = MilestoneRef(milestone=milestone.id, seen=milestone.version)
    actions = [execute(tr.t("commitments.report_submit"), REPORT, ref)]
    for other in c.milestones:
        if other.id != milestone.id:
            actions.append(execute(tr.t("commitments.other_milestone", n=other.position),
                                   REPORT_FORM, MilestoneRef(milestone=other.id)))  # fmt: skip
    actions.append(execute(tr.t("commitments.back_to", number=c.number), SHOW, CommitmentRef(commitment=c.id)))  # fmt: skip
    return card(with_errors(body, errors), actions[:6])


def answer_form(
    tr: Translator,
    view: CommitmentView,
    row: CommentRow,
    zone: ZoneInfo,
    *,
    typed: AnswerPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    c = view.commitment
    body: list[Element] = [
        title(tr.t("commitments.answer_title")),
        paragraph(f"**{c.number}. {c.title}**"),
        *_comment_lines(tr, [row], zone),
        choice_set("verdict", tr.t("commitments.field.verdict"),
                   [(v.value, tr.t(f"commitments.verdict.{v.value}")) for v in Verdict],
                   value=(typed.verdict if typed else "") or None, required=True,
                   error=tr.t("commitments.error.verdict")),
        text_input("reason", tr.t("commitments.field.reason"), value=typed.reason if typed else "",
                   multiline=True, required=True, error=tr.t("commitments.error.reason"),
                   max_length=REASON_MAX),
    ]  # fmt: skip
    actions = [
        execute(tr.t("commitments.answer_submit"), ANSWER, CommentRef(comment=row.comment.id))
    ]
    others = [r for r in view.comments if r.comment.id != row.comment.id and r.answer is None]
    if others:
        actions.append(execute(tr.t("commitments.next_comment"), ANSWER_FORM, CommentRef(comment=others[0].comment.id)))  # fmt: skip
    actions.append(execute(tr.t("commitments.back_to", number=c.number), SHOW, CommitmentRef(commitment=c.id)))  # fmt: skip
    return card(with_errors(body, errors), actions)


def level_form(
    tr: Translator,
    view: CommitmentView,
    *,
    typed: LevelPayload | None = None,
    errors: Sequence[str | FieldError] = (),
    stale: bool = False,
) -> Card:
    c = view.commitment
    derived = tr.t(f"commitments.level.{c.derived_level.value}")
    body: list[Element] = [stale_banner(tr)] if stale else []
    body += [
        title(tr.t("commitments.level_title")),
        paragraph(f"**{c.number}. {c.title}**"),
        paragraph(tr.t("commitments.derived_line", level=derived)),
        choice_set("level", tr.t("commitments.field.level"),
                   [("", tr.t("commitments.level_derived", level=derived)),
                    *[(lv.value, tr.t(f"commitments.level.{lv.value}")) for lv in Level]],
                   value=typed.level if typed else (c.override.value if c.override else "")),
        text_input("reason", tr.t("commitments.field.override_reason"),
                   value=typed.reason if typed else c.override_reason, multiline=True,
                   max_length=REASON_MAX),
    ]  # fmt: skip
    ref = LevelPayload(commitment=c.id, seen=c.version)
    return card(
        with_errors(body, errors),
        [execute(tr.t("commitments.level_submit"), LEVEL, ref),
         execute(tr.t("commitments.back_to", number=c.number), SHOW, CommitmentRef(commitment=c.id))],
    )  # fmt: skip


def digest_card(tr: Translator, work: DigestWork, zone: ZoneInfo) -> Card:
    """To each member, on Monday: last week's progress reports, in one card."""
    body: list[Element] = [
        title(tr.t("commitments.digest_title")),
        paragraph(tr.n("commitments.digest_intro", len(work.rows),
                       day=format_short_date(tr, work.week)), isSubtle=True),
    ]  # fmt: skip
    for commitment, milestone, report in work.rows:
        status = f"{STATUS_ICONS[report.status]} {tr.t(f'commitments.status.{report.status.value}')}"  # fmt: skip
        body.append(paragraph(f"**{commitment.number}. {commitment.title}**"))
        body.append(paragraph(f"{milestone.position}. {milestone.what} — {status} ({format_short_date(tr, report.on)})", spacing="None"))  # fmt: skip
        body.append(paragraph(report.report, isSubtle=True, spacing="None"))
    return card(body, [execute(tr.t("commitments.plan_button"), PLAN, NoData())])


def commented_card(tr: Translator, work: CommentWork, zone: ZoneInfo) -> Card:
    """To the secretariat: a member's comment or solution, to answer."""
    c = work.commitment
    return card(
        [title(tr.t("commitments.commented_title")), paragraph(f"**{c.number}. {c.title}**"),
         *_comment_lines(tr, [work.row], zone)],
        [execute(tr.t("commitments.answer_button"), ANSWER_FORM, CommentRef(comment=work.row.comment.id))],
    )  # fmt: skip


def answered_card(tr: Translator, work: CommentWork, zone: ZoneInfo) -> Card:
    """To the author: the secretariat's answer to their comment."""
    c = work.commitment
    return card(
        [title(tr.t("commitments.answered_title")), paragraph(f"**{c.number}. {c.title}**"),
         *_comment_lines(tr, [work.row], zone)],
        [execute(tr.t("commitments.open_button"), SHOW, CommitmentRef(commitment=c.id))],
    )  # fmt: skip
