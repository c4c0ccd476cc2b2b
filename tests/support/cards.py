"""Reading a card as a person would: every text, in order (text blocks and fact sets)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any


def below(card: dict[str, Any]) -> dict[str, str]:
    """What each input of a form has just below it: where the form says what is wrong with
    that field."""
    body = card["body"]
    return {e["id"]: after.get("text", "") for e, after in pairwise(body) if "id" in e}


def texts(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
                found.extend([fact["title"], fact["value"]])
            for key, value in node.items():
                if key != "facts":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("body", []))
    return found


# What a card must respect to read well in Teams (SGQRI 008 for contrast): a card is about
# 500 pixels wide in a chat, and Teams' coloured text falls under 4.5:1 on one theme or the
# other ("Good" green on white is about 2:1).
MAX_TABLE_COLUMNS = 4
MAX_HEADER_CHARACTERS = 24
MAX_UNBROKEN_CHARACTERS = 30
# Teams' host configuration shows this many buttons in a row of actions; more are dropped.
MAX_BUTTONS = 6


def layout_problems(card: dict[str, Any]) -> list[str]:
    """Every way this card breaks the reading rules; empty when it reads well."""
    problems: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "ActionSet" and len(node.get("actions", [])) > MAX_BUTTONS:
                problems.append(f"{len(node['actions'])} buttons in an action set")
            if kind == "TextBlock":
                if node.get("color", "Default") != "Default":
                    problems.append(f"coloured text: {node['text'][:40]!r}")
                if not node.get("wrap"):
                    problems.append(f"text that does not wrap: {node['text'][:40]!r}")
                longest = max((len(word) for word in node["text"].split()), default=0)
                if longest > MAX_UNBROKEN_CHARACTERS and "](" not in node["text"]:
                    problems.append(f"a word of {longest} characters: {node['text'][:40]!r}")
            if kind == "Table":
                if len(node["columns"]) > MAX_TABLE_COLUMNS:
                    problems.append(f"{len(node['columns'])} columns")
                header = node["rows"][0]["cells"] if node.get("firstRowAsHeader") else []
                for cell in header:
                    text = cell["items"][0]["text"]
                    if len(text) > MAX_HEADER_CHARACTERS:
                        problems.append(f"header too wide: {text!r}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("body", []))
    if len(card.get("actions", [])) > MAX_BUTTONS:
        problems.append(f"{len(card['actions'])} buttons under the card")
    for action in card.get("actions", []):
        walk(action.get("card", {}).get("body", []))
    return problems
