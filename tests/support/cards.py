"""Reading a card as a person would: every text, in order (text blocks and fact sets)."""

from __future__ import annotations

from typing import Any


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
