"""Cards of the action-plan consultation: the round and its items, the comment form, the
secretariat's reading and responses, proposals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.members import Member
from bot.features.consultation.rules import (
    COMMENT_MAX,
    REASON_MAX,
    Comment,
    Item,
    Opinion,
    Phase,
    Response,
    Round,
    Verdict,
    items_as_text,
)
from bot.features.consultation.views import ItemView, MemberView
from bot.locale import Translator, format_moment, format_short_date
from bot.teams.cards import (
    Card,
    Element,
    FieldError,
    Payload,
    card,
    choice_set,
    date_input,
    execute,
    paragraph,
    stale_banner,
    text_input,
    title,
    with_errors,
)

OVERVIEW = "consultation.overview"
ROUND = "consultation.round"
COMMENT_FORM = "consultation.comment_form"
COMMENT = "consultation.comment"
NAMING = "consultation.naming"
OPEN_FORM = "consultation.open_form"
OPEN = "consultation.open"
REVIEW = "consultation.review"
ITEM = "consultation.item"
RESPOND = "consultation.respond"
REOPEN_FORM = "consultation.reopen_form"
REOPEN = "consultation.reopen"
EXPORT = "consultation.export"
PROPOSE_FORM = "consultation.propose_form"
PROPOSE = "consultation.propose"
PROPOSALS = "consultation.proposals"


class RoundRef(Payload):
    round: int


class ItemRef(Payload):
    round: int
    item: str


class CommentPayload(Payload):
    round: int
    item: str
    opinion: str = ""
    text: str = ""
    interest: Literal["true", "false"] = "false"
    # The version of the member's comment the form showed (0: none); None: an older card.
    seen: int | None = None


class CommentRef(Payload):
    round: int
    item: str
    seen: int


class NamingPayload(Payload):
    named: Literal["yes", "no"]
    round: int | None = None


class OpenPayload(Payload):
    title: str = ""
    phase: str = ""
    deadline: str = ""
    meeting: str = ""
    items: str = ""


class RespondPayload(Payload):
    round: int
    item: str
    members: str = ""
    verdict: str = ""
    reason: str = ""


class ReopenPayload(Payload):
    round: int
    deadline: str = ""


class ExportPayload(Payload):
    round: int
    format: Literal["csv", "markdown"]


def button_row(*buttons: dict[str, Any]) -> Element:
    return {"type": "ActionSet", "actions": list(buttons)}


def subheading(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": text,
        "size": "Medium",
        "weight": "Bolder",
        "wrap": True,
        "separator": True,
    }


def _state(tr: Translator, found: Round, is_open: bool, zone: ZoneInfo) -> str:
    key = "consultation.open_until" if is_open else "consultation.closed_since"
    return tr.t(
        key,
        phase=tr.t(f"consultation.phase.{found.phase.value}"),
        day=format_short_date(tr, found.deadline),
    )


def overview(
    tr: Translator,
    rounds: Sequence[tuple[Round, bool]],
    secretariat: bool,
    zone: ZoneInfo,
) -> Card:
    """Every round, newest first; a member opens one to comment, the secretariat reads the
    comments, reopens, exports."""
    body: list[Element] = [title(tr.t("consultation.overview_title"))]
    if secretariat:
        body.append(
            button_row(
                execute(tr.t("consultation.open_button"), OPEN_FORM),
                execute(tr.t("consultation.proposals_button"), PROPOSALS),
            )
        )
    if not rounds:
        body.append(paragraph(tr.t("consultation.none")))
    for found, is_open in rounds:
        ref = RoundRef(round=found.id)
        body += [
            subheading(found.title),
            paragraph(_state(tr, found, is_open, zone), spacing="None"),
        ]
        if secretariat:
            body.append(
                button_row(
                    execute(tr.t("consultation.review_button"), REVIEW, ref),
                    execute(tr.t("consultation.reopen_button"), REOPEN_FORM, ref),
                    execute(
                        tr.t("consultation.export_csv"), EXPORT,
                        ExportPayload(round=found.id, format="csv"),
                    ),
                    execute(
                        tr.t("consultation.export_markdown"), EXPORT,
                        ExportPayload(round=found.id, format="markdown"),
                    ),
                )
            )  # fmt: skip
        else:
            body.append(button_row(execute(tr.t("consultation.see_button"), ROUND, ref)))
    if not secretariat:
        body.append(button_row(execute(tr.t("consultation.propose_button"), PROPOSE_FORM)))
    return card(body)


def round_card(
    tr: Translator,
    view: MemberView,
    zone: ZoneInfo,
    *,
    heading: str | None = None,
    days: int | None = None,
) -> Card:
    """The round as a member reads it: each item, what they said, the secretariat's answer."""
    found = view.round
    body: list[Element] = [title(heading or found.title)]
    if heading:
        body.append(paragraph(found.title, weight="Bolder"))
    body.append(paragraph(_state(tr, found, view.open, zone)))
    if days is not None:
        body.append(paragraph(tr.n("consultation.days_left", days), weight="Bolder"))
    if view.open:
        body.append(paragraph(tr.t("consultation.intro"), isSubtle=True))
    for item in found.items:
        body.append(subheading(f"{item.number}. {item.title}"))
        if item.text:
            body.append(paragraph(item.text, spacing="None"))
        mine = view.mine.get(item.number)
        if mine is None:
            body.append(paragraph(tr.t("consultation.not_yet"), isSubtle=True))
        else:
            body.append(
                paragraph(
                    tr.t(
                        "consultation.your_opinion",
                        opinion=tr.t(f"consultation.opinion.{mine.opinion.value}"),
                        version=mine.version,
                    ),
                    isSubtle=True,
                )
            )
        response = view.responses.get(item.number)
        if response is not None:
            body.append(paragraph(_response_line(tr, response)))
        buttons = []
        ref = ItemRef(round=found.id, item=item.number)
        if view.open:
            key = "consultation.comment_button" if mine is None else "consultation.edit_button"
            buttons.append(execute(tr.t(key), COMMENT_FORM, ref))
        elif mine is not None:
            buttons.append(execute(tr.t("consultation.read_button"), COMMENT_FORM, ref))
        if item.link:
            buttons.append(
                {"type": "Action.OpenUrl", "title": tr.t("consultation.document"), "url": item.link}
            )
        if buttons:
            body.append(button_row(*buttons))
    body.append(button_row(execute(tr.t("consultation.propose_button"), PROPOSE_FORM)))
    return card(body)


def _response_line(tr: Translator, response: Response) -> str:
    return tr.t(
        "consultation.response_line",
        verdict=tr.t(f"consultation.verdict.{response.verdict.value}"),
        reason=response.reason,
    )


def comment_form(
    tr: Translator,
    found: Round,
    item: Item,
    mine: Comment | None,
    is_open: bool,
    zone: ZoneInfo,
    *,
    typed: CommentPayload | None = None,
    errors: Sequence[str | FieldError] = (),
    stale: CommentPayload | None = None,
) -> Card:
    """One item: its text and document, then the member's opinion and comment (pre-filled
    with the version in force). After the deadline, what they said, read-only. `stale`: what
    was sent from a form older than the comment in force: nothing was saved; the form shows
    the version in force, and what they had written is given back to copy."""
    banner: list[Element] = []
    if stale is not None and mine is not None:
        banner = [stale_banner(tr, format_moment(tr, mine.at, zone))]
        if stale.text.strip():
            banner.append(paragraph(tr.t("consultation.stale_typed", text=stale.text.strip())))
    body: list[Element] = [
        *banner,
        title(f"{item.number}. {item.title}"),
        paragraph(found.title, isSubtle=True, spacing="None"),
    ]
    if item.text:
        body.append(paragraph(item.text))
    actions: list[dict[str, Any]] = []
    if item.link:
        actions.append(
            {"type": "Action.OpenUrl", "title": tr.t("consultation.document"), "url": item.link}
        )
    if not is_open:
        body.append(paragraph(_state(tr, found, False, zone), weight="Bolder"))
        if mine is not None:
            body += [
                paragraph(tr.t(f"consultation.opinion.{mine.opinion.value}"), weight="Bolder"),
                paragraph(mine.text or "—"),
            ]
        actions.append(execute(tr.t("consultation.back"), ROUND, RoundRef(round=found.id)))
        return card(body, actions)
    opinion = typed.opinion if typed else (mine.opinion.value if mine else "")
    text = typed.text if typed else (mine.text if mine else "")
    interest = typed.interest if typed else ("true" if mine and mine.conflicted else "false")
    body += [
        choice_set(
            "opinion",
            tr.t("consultation.opinion_label"),
            [(o.value, tr.t(f"consultation.opinion.{o.value}")) for o in Opinion],
            value=opinion or None,
            required=True,
            error=tr.t("consultation.error.opinion"),
        ),
        text_input(
            "text",
            tr.t("consultation.comment_label"),
            value=text,
            multiline=True,
            max_length=COMMENT_MAX,
        ),
        {
            "type": "Input.Toggle",
            "id": "interest",
            "label": tr.t("consultation.interest_label"),
            "title": tr.t("consultation.interest_title"),
            "value": interest,
            "valueOn": "true",
            "valueOff": "false",
        },
        paragraph(tr.t("consultation.versions_kept"), isSubtle=True, size="Small"),
    ]
    ref = CommentRef(round=found.id, item=item.number, seen=mine.version if mine else 0)
    actions = [
        execute(tr.t("consultation.save_comment"), COMMENT, ref),
        *actions,
        execute(tr.t("consultation.back"), ROUND, RoundRef(round=found.id)),
    ]
    return card(with_errors(body, errors), actions)


def comment_saved(
    tr: Translator, found: Round, comment: Comment, ask_naming: bool, unchanged: bool = False
) -> Card:
    key = "consultation.unchanged" if unchanged else "consultation.saved"
    body: list[Element] = [
        title(tr.t("consultation.saved_title")),
        paragraph(tr.t(key, item=comment.item, version=comment.version)),
    ]
    if comment.conflicted:
        body.append(paragraph(tr.t("consultation.flagged"), isSubtle=True))
    actions = []
    if ask_naming:
        body.append(paragraph(tr.t("consultation.naming_question"), weight="Bolder"))
        actions += [
            execute(tr.t("consultation.naming_yes"), NAMING, NamingPayload(named="yes", round=found.id)),
            execute(tr.t("consultation.naming_no"), NAMING, NamingPayload(named="no", round=found.id)),
        ]  # fmt: skip
    actions.append(execute(tr.t("consultation.back"), ROUND, RoundRef(round=found.id)))
    return card(body, actions)


def naming_saved(tr: Translator, named: bool, round_id: int | None) -> Card:
    key = "consultation.named" if named else "consultation.anonymous"
    actions = (
        [execute(tr.t("consultation.back"), ROUND, RoundRef(round=round_id))] if round_id else None
    )
    return card([title(tr.t("consultation.naming_title")), paragraph(tr.t(key))], actions)


def refused(tr: Translator, key: str) -> Card:
    return card([title(tr.t("consultation.refused_title")), paragraph(tr.t(key))])


def open_form(
    tr: Translator,
    meetings: Sequence[tuple[int, str]],
    proposed_deadline: date,
    *,
    typed: OpenPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """Open a round: title, phase, deadline, the items (one block per item: `1. Titre`, its
    text below, `Lien : https://…`), and optionally the meeting whose declared conflicts
    apply to items of the same title."""
    body: list[Element] = [
        title(tr.t("consultation.open_title")),
        text_input(
            "title", tr.t("consultation.title_label"), value=typed.title if typed else "",
            required=True, error=tr.t("consultation.error.title"), max_length=200,
            placeholder=tr.t("consultation.title_placeholder"),
        ),
        choice_set(
            "phase", tr.t("consultation.phase_label"),
            [(p.value, tr.t(f"consultation.phase.{p.value}")) for p in Phase],
            value=(typed.phase if typed else "") or Phase.ELABORATION.value,
        ),
        date_input(
            "deadline", tr.t("consultation.deadline_label"),
            value=typed.deadline if typed else proposed_deadline.isoformat(),
            required=True, error=tr.t("consultation.error.deadline"),
        ),
        choice_set(
            "meeting", tr.t("consultation.meeting_label"),
            [("", tr.t("consultation.no_meeting")), *[(str(i), t) for i, t in meetings]],
            value=typed.meeting if typed else "", expanded=False,
        ),
        text_input(
            "items", tr.t("consultation.items_label"), value=typed.items if typed else "",
            multiline=True, required=True, error=tr.t("consultation.error.no_items"),
            max_length=60_000, placeholder=items_as_text(
                [Item("1", tr.t("consultation.example_title"), tr.t("consultation.example_text"))]),
        ),
        paragraph(tr.t("consultation.items_help"), isSubtle=True, size="Small"),
    ]  # fmt: skip
    return card(with_errors(body, errors), [execute(tr.t("consultation.open_submit"), OPEN)])


def opened(
    tr: Translator,
    found: Round,
    reachable: Sequence[Member],
    unreachable: Sequence[Member],
    zone: ZoneInfo,
) -> Card:
    """What happens now, in honest numbers: who gets the round now, who cannot be reached yet
    (it waits for them)."""
    body: list[Element] = [
        title(tr.t("consultation.opened_title")),
        paragraph(found.title, weight="Bolder"),
        paragraph(_state(tr, found, True, zone)),
        paragraph(tr.n("consultation.opened_reachable", len(reachable))),
    ]
    if unreachable:
        names = ", ".join(m.display_name for m in unreachable)
        body.append(
            paragraph(tr.n("consultation.opened_unreachable", len(unreachable), names=names))
        )
    return card(
        body,
        [execute(tr.t("consultation.review_button"), REVIEW, RoundRef(round=found.id))],
    )


def review(
    tr: Translator, found: Round, counts: dict[str, int], is_open: bool, zone: ZoneInfo
) -> Card:
    """The secretariat's way into a round: each item, how many commented, *Lire et répondre*."""
    body: list[Element] = [title(found.title), paragraph(_state(tr, found, is_open, zone))]
    for item in found.items:
        body += [
            subheading(f"{item.number}. {item.title}"),
            paragraph(tr.n("consultation.comment_count", counts.get(item.number, 0)), spacing="None"),
            button_row(execute(tr.t("consultation.read_respond"), ITEM, ItemRef(round=found.id, item=item.number))),
        ]  # fmt: skip
    body.append(button_row(execute(tr.t("consultation.all_rounds"), OVERVIEW)))
    return card(body)


def item_review(
    tr: Translator,
    found: Round,
    view: ItemView,
    zone: ZoneInfo,
    *,
    typed: RespondPayload | None = None,
    errors: Sequence[str | FieldError] = (),
    notice: str | None = None,
) -> Card:
    """All comments in force on one item with their authors, conflicts flagged, the
    response in force; below, a response to one or several of them."""
    item = view.item
    body: list[Element] = [
        title(f"{item.number}. {item.title}"),
        paragraph(found.title, isSubtle=True, spacing="None"),
    ]
    if notice:
        body.append(paragraph(notice, weight="Bolder"))
    if not view.rows:
        body.append(paragraph(tr.t("consultation.no_comment")))
    for member, comment, versions, response in view.rows:
        body.append(
            subheading(
                tr.t(
                    "consultation.comment_by",
                    name=member.display_name,
                    organisation=member.organisation,
                    opinion=tr.t(f"consultation.opinion.{comment.opinion.value}"),
                )
            )
        )
        if comment.conflicted:
            body.append(
                paragraph(tr.t("consultation.conflict_flag"), weight="Bolder", spacing="None")
            )
        body.append(paragraph(comment.text or "—", spacing="None"))
        body.append(
            paragraph(tr.n("consultation.versions", versions), isSubtle=True, spacing="None")
        )
        body.append(
            paragraph(
                _response_line(tr, response) if response else tr.t("consultation.no_response"),
                isSubtle=response is None, spacing="None",
            )
        )  # fmt: skip
    actions: list[dict[str, Any]] = []
    if view.rows:
        unanswered = [str(m.id) for m, _, _, r in view.rows if r is None]
        body += [
            subheading(tr.t("consultation.respond_title")),
            choice_set(
                "members", tr.t("consultation.respond_to"),
                [(str(m.id), m.display_name) for m, _, _, _ in view.rows],
                value=typed.members if typed else ",".join(unanswered),
                multiple=True, required=True, error=tr.t("consultation.error.no_commenters"),
            ),
            choice_set(
                "verdict", tr.t("consultation.verdict_label"),
                [(v.value, tr.t(f"consultation.verdict.{v.value}")) for v in Verdict],
                value=(typed.verdict if typed else "") or None,
                required=True, error=tr.t("consultation.error.verdict"),
            ),
            text_input(
                "reason", tr.t("consultation.reason_label"),
                value=typed.reason if typed else "", multiline=True, required=True,
                error=tr.t("consultation.error.reason"), max_length=REASON_MAX,
            ),
        ]  # fmt: skip
        actions.append(
            execute(
                tr.t("consultation.respond_submit"),
                RESPOND,
                ItemRef(round=found.id, item=item.number),
            )
        )
    actions.append(execute(tr.t("consultation.back"), REVIEW, RoundRef(round=found.id)))
    return card(with_errors(body, errors), actions)


def response_notice(
    tr: Translator, found: Round, item: Item, response: Response, comment: Comment | None
) -> Card:
    """To a member: the secretariat's response to their comment."""
    body: list[Element] = [
        title(tr.t("consultation.response_title")),
        paragraph(found.title, isSubtle=True, spacing="None"),
        paragraph(f"{item.number}. {item.title}", weight="Bolder"),
    ]
    if comment is not None:
        body.append(
            paragraph(
                tr.t(
                    "consultation.you_said",
                    opinion=tr.t(f"consultation.opinion.{comment.opinion.value}"),
                ),
                isSubtle=True,
            )
        )
    body.append(paragraph(_response_line(tr, response)))
    return card(body, [execute(tr.t("consultation.see_button"), ROUND, RoundRef(round=found.id))])


def reopen_form(
    tr: Translator, found: Round, zone: ZoneInfo, errors: Sequence[str | FieldError] = ()
) -> Card:
    return card(
        with_errors(
            [
                title(tr.t("consultation.reopen_title")),
                paragraph(found.title, weight="Bolder"),
                paragraph(_state(tr, found, False, zone)),
                date_input(
                    "deadline",
                    tr.t("consultation.new_deadline"),
                    required=True,
                    error=tr.t("consultation.error.deadline"),
                ),
            ],
            errors,
        ),
        [execute(tr.t("consultation.reopen_submit"), REOPEN, RoundRef(round=found.id))],
    )
