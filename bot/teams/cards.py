"""Every Adaptive Card the bot sends, built by code (version 1.5, `Action.Execute`).

Cards take a Translator and plain data; they never look anything up. A test renders each
one in both languages and validates it against the Adaptive Card 1.5 schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.members import Member
from bot.locale import Translator
from bot.teams.commands import Command

Card = dict[str, Any]
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        result["actions"] = actions
    return result


def title(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}


def paragraph(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def execute(label: str, verb: str, **data: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Execute", "title": label, "verb": verb}
    if data:
        action["data"] = data
    return action


def facts(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def welcome(tr: Translator, name: str | None) -> Card:
    greeting = tr.t("welcome.greeting", name=name) if name else tr.t("welcome.greeting_team")
    return card(
        [
            title(tr.t("welcome.title")),
            paragraph(greeting),
            paragraph(tr.t("welcome.purpose")),
            paragraph(tr.t("welcome.next_step")),
        ],
        [execute(tr.t("action.show_help"), "help")],
    )


def help_card(tr: Translator, member: Member, commands: Sequence[Command]) -> Card:
    rows = [(c.french if tr.is_french else c.english, tr.t(c.description)) for c in commands]
    role = tr.t("role.secretariat") if member.is_secretariat else tr.t("role.member")
    return card(
        [
            title(tr.t("help.title")),
            paragraph(tr.t("help.intro", role=role)),
            facts(rows),
            paragraph(tr.t("help.footer"), isSubtle=True, size="Small"),
        ]
    )


def not_a_member(tr: Translator, contacts: Sequence[Member], extra_contact: str) -> Card:
    body = [title(tr.t("refusal.title")), paragraph(tr.t("refusal.body"))]
    lines = [f"- {c.display_name} ({c.email})" for c in contacts]
    if extra_contact:
        lines.append(f"- {extra_contact}")
    if lines:
        body.append(paragraph(tr.t("refusal.contact")))
        body.append(paragraph("\n".join(lines)))
    else:
        body.append(paragraph(tr.t("refusal.contact_unknown")))
    return card(body)


def notice(tr: Translator, heading_key: str, text: str) -> Card:
    """A short card for a message that stands on its own (an error, a confirmation)."""
    return card([title(tr.t(heading_key)), paragraph(text)])
