"""The cards of proposals: a member proposes a new area, commitment or solution; the secretariat is told and lists them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.members import Member
from bot.features.consultation.cards import OVERVIEW, PROPOSALS, PROPOSE, button_row, subheading
from bot.features.consultation.rules import (
    PROPOSAL_TEXT_MAX,
    Proposal,
    ProposalKind,
)
from bot.locale import Translator
from bot.teams.cards import (
    Card,
    Element,
    FieldError,
    Payload,
    card,
    choice_set,
    execute,
    paragraph,
    text_input,
    title,
    with_errors,
)


class ProposePayload(Payload):
    kind: str = ""
    title: str = ""
    description: str = ""
    why: str = ""


def proposal_form(
    tr: Translator, *, typed: ProposePayload | None = None, errors: Sequence[str | FieldError] = ()
) -> Card:
    return card(
        with_errors(
            [
                title(tr.t("consultation.propose_title")),
                paragraph(tr.t("consultation.propose_intro")),
                choice_set(
                    "kind",
                    tr.t("consultation.kind_label"),
                    [(k.value, tr.t(f"consultation.kind.{k.value}")) for k in ProposalKind],
                    value=(typed.kind if typed else "") or ProposalKind.AREA.value,
                ),
                text_input(
                    "title",
                    tr.t("consultation.proposal_title_label"),
                    value=typed.title if typed else "",
                    required=True,
                    error=tr.t("consultation.error.proposal_title"),
                    max_length=200,
                ),
                text_input(
                    "description",
                    tr.t("consultation.description_label"),
                    value=typed.description if typed else "",
                    multiline=True,
                    required=True,
                    error=tr.t("consultation.error.proposal_description"),
                    max_length=PROPOSAL_TEXT_MAX,
                ),
                text_input(
                    "why",
                    tr.t("consultation.why_label"),
                    value=typed.why if typed else "",
                    multiline=True,
                    max_length=PROPOSAL_TEXT_MAX,
                ),
            ],
            errors,
        ),
        [execute(tr.t("consultation.propose_submit"), PROPOSE)],
    )


def proposal_saved(tr: Translator, proposal: Proposal) -> Card:
    return card(
        [
            title(tr.t("consultation.proposed_title")),
            paragraph(proposal.title, weight="Bolder"),
            paragraph(tr.t("consultation.proposed")),
        ]
    )


def _proposal_body(tr: Translator, proposal: Proposal, author: Member | None) -> list[Element]:
    found: list[Element] = [
        subheading(f"{tr.t(f'consultation.kind.{proposal.kind.value}')} — {proposal.title}"),
        paragraph(
            tr.t(
                "consultation.proposed_by",
                name=author.display_name if author else "—",
                organisation=author.organisation if author else "—",
            ),
            isSubtle=True, spacing="None",
        ),
        paragraph(proposal.description),
    ]  # fmt: skip
    if proposal.why:
        found.append(paragraph(tr.t("consultation.why", why=proposal.why)))
    return found


def proposal_notice(tr: Translator, proposal: Proposal, author: Member | None) -> Card:
    return card(
        [title(tr.t("consultation.proposal_notice_title")), *_proposal_body(tr, proposal, author)],
        [execute(tr.t("consultation.proposals_button"), PROPOSALS)],
    )


def proposals(tr: Translator, found: Sequence[tuple[Proposal, Member | None]]) -> Card:
    body: list[Element] = [title(tr.t("consultation.proposals_title"))]
    if not found:
        body.append(paragraph(tr.t("consultation.no_proposals")))
    for proposal, author in found:
        body += _proposal_body(tr, proposal, author)
    body.append(button_row(execute(tr.t("consultation.all_rounds"), OVERVIEW)))
    return card(body)
