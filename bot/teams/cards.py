"""The card kit, and the platform's own cards (welcome, help, refusal, notices).

Every Adaptive Card the bot sends is built by code (version 1.5, `Action.Execute`) from these
pieces. Cards take a Translator and plain data; they never look anything up. Conventions:

- every input has a visible `label` (read by screen readers; SGQRI 008);
- a button's data is a typed `Payload` (see `bot.teams.platform`), so what a card emits and
  what its handler accepts are the same declaration;
- a test finds every function of this module and of `*_cards.py` that returns a `Card`,
  renders it in both languages and validates it against the Adaptive Card 1.5 schema, and
  checks that every verb a card emits has a handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from pydantic import BaseModel, ConfigDict, model_validator

from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.domain.text import ID_MAX, has_control_characters
from bot.locale import Translator

if TYPE_CHECKING:
    from bot.teams.platform import Command

Card = dict[str, Any]
Element = dict[str, Any]
HELP = "help"
SHOW_HELP = "help.show"
RUN_COMMAND = "help.run"
SET_LANGUAGE = "language.set"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def as_message(content: Card) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=content))


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


def execute(label: str, verb: str, payload: BaseModel | None = None) -> dict[str, Any]:
    """A button. Its data is the payload its handler declares, serialised as JSON."""
    action: dict[str, Any] = {"type": "Action.Execute", "title": label, "verb": verb}
    if payload is not None:
        data = payload.model_dump(mode="json", exclude_none=True)
        if data:
            action["data"] = data
    return action


def text_input(
    input_id: str,
    label: str,
    *,
    value: str = "",
    required: bool = False,
    error: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
) -> Element:
    """A labelled text field; `error` is what Teams shows when a required field is empty."""
    element: Element = {"type": "Input.Text", "id": input_id, "label": label, "value": value}
    if multiline:
        element["isMultiline"] = True
    _mark_required(element, required, error)
    if max_length is not None:
        element["maxLength"] = max_length
    if placeholder:
        element["placeholder"] = placeholder
    return element


def choice_set(
    input_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    value: str | None = None,
    expanded: bool = True,
    multiple: bool = False,
    required: bool = False,
    error: str | None = None,
) -> Element:
    """A labelled choice among (value, title) pairs: radio buttons by default, so every option
    is visible without opening a menu."""
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "choices": [{"title": title, "value": key} for key, title in choices],
        "style": "expanded" if expanded else "compact",
    }
    if multiple:
        element["isMultiSelect"] = True
    if value is not None:
        element["value"] = value
    _mark_required(element, required, error)
    return element


def date_input(
    input_id: str, label: str, *, value: str = "", required: bool = False, error: str | None = None
) -> Element:
    """A labelled date (`value` as YYYY-MM-DD, the format Teams sends back)."""
    element: Element = {"type": "Input.Date", "id": input_id, "label": label, "value": value}
    _mark_required(element, required, error)
    return element


def time_input(
    input_id: str, label: str, *, value: str = "", required: bool = False, error: str | None = None
) -> Element:
    """A labelled time of day (`value` as HH:MM)."""
    element: Element = {"type": "Input.Time", "id": input_id, "label": label, "value": value}
    _mark_required(element, required, error)
    return element


def _mark_required(element: Element, required: bool, error: str | None) -> None:
    # Teams shows `errorMessage` under a required input left empty, before anything is sent.
    if required:
        element["isRequired"] = True
        if error:
            element["errorMessage"] = error


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> Element:
    """A table whose first row names the columns; one fact per cell."""

    def cell(text: str, **style: Any) -> Element:
        return {"type": "TableCell", "items": [paragraph(text, **style)]}

    header = {
        "type": "TableRow",
        "style": "emphasis",
        "cells": [cell(text, weight="Bolder") for text in headers],
    }
    lines = [{"type": "TableRow", "cells": [cell(text) for text in row]} for row in rows]
    return {
        "type": "Table",
        "firstRowAsHeader": True,
        "gridStyle": "accent",
        "columns": [{"width": width} for width in widths],
        "rows": [header, *lines],
    }


def short(value: str, keep: int = 16) -> str:
    """A long value (a SHA-256 fingerprint) cut to what fits a line; `show_in_full` has it all."""
    return value if len(value) <= keep else value[:keep] + "…"


def show_in_full(tr: Translator, values: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A button that unfolds long values, in groups of 16 characters so they wrap and can be
    compared by eye; no round trip to the bot."""

    def grouped(value: str) -> str:
        return " ".join(value[i : i + 16] for i in range(0, len(value), 16))

    return {
        "type": "Action.ShowCard",
        "title": tr.t("action.show_in_full"),
        "card": card([facts([(name, grouped(value)) for name, value in values])]),
    }


def error_line(text: str) -> Element:
    """What was wrong with the input, in bold words (a coloured text would be unreadable on
    one of Teams' themes)."""
    return paragraph(text, weight="Bolder")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field of a form: shown just below that field (`field` is the
    input's id), where the eye is when fixing it."""

    field: str
    text: str


def field_errors(tr: Translator, problems: Sequence[Problem]) -> list[FieldError]:
    """Each problem said beside the field it is about."""
    return [FieldError(problem.field, tr.t(problem.message)) for problem in problems]


def with_errors(body: Sequence[Element], errors: Sequence[str | FieldError]) -> list[Element]:
    """The form's elements with each error below its field. An error about the whole form,
    or about a field the form does not show, goes above the first field."""
    ids = {element.get("id") for element in body if "id" in element}
    placed: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        if isinstance(error, FieldError) and error.field in ids:
            placed.setdefault(error.field, []).append(error.text)
        else:
            general.append(error.text if isinstance(error, FieldError) else error)
    first_input = next((i for i, e in enumerate(body) if "id" in e), len(body))
    shown: list[Element] = list(body[:first_input]) + [error_line(text) for text in general]
    for element in body[first_input:]:
        shown.append(element)
        shown += [error_line(text) for text in placed.get(element.get("id", ""), [])]
    return shown


def facts(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


# What a payload's refusal says when a text held a control character (see `Payload`).
CONTROL_CHARACTERS = "a control character in a text"


class Payload(BaseModel):
    """The data an `Action.Execute` button carries, parsed in one place (`parse_payload`).

    Strict: a JSON `true` is not the integer 1, a list is not a string. Unknown keys are
    ignored (a forged `member_id` changes nothing: identity comes from the activity). Every
    payload, whatever its fields, refuses here an integer no row id can be (beyond
    PostgreSQL's INTEGER: it would fail in the database, with a traceback, instead of being
    refused in words) and a text holding a control character (PostgreSQL refuses NUL, which
    SQLite would store).
    """

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    # A form whose handler checks its texts by the same rule (`has_control_characters`), field
    # by field, and shows the form again with what was typed: its texts are let through here.
    texts_checked_by_form: ClassVar[bool] = False

    @model_validator(mode="after")
    def _storable(self) -> Payload:
        values = [*self.__dict__.values(), *(self.model_extra or {}).values()]
        while values:
            value = values.pop()
            if isinstance(value, list | tuple):
                values.extend(value)
            elif isinstance(value, bool):
                continue
            elif isinstance(value, int) and not -ID_MAX <= value <= ID_MAX:
                raise ValueError("an integer out of range")
            elif (
                isinstance(value, str)
                and not self.texts_checked_by_form
                and has_control_characters(value)
            ):
                raise ValueError(CONTROL_CHARACTERS)
        return self


class NoData(Payload):
    """For buttons that carry nothing."""


class RunCommand(Payload):
    """A help button: runs the command as if its words had been typed."""

    command: str


class LanguageChoice(Payload):
    language: Literal["fr-CA", "en"]


def welcome(tr: Translator, name: str | None) -> Card:
    greeting = tr.t("welcome.greeting", name=name) if name else tr.t("welcome.greeting_team")
    return card(
        [
            title(tr.t("welcome.title")),
            paragraph(greeting),
            paragraph(tr.t("welcome.purpose")),
            paragraph(tr.t("welcome.next_step")),
        ],
        # Help comes as a message of its own: the welcome stays as it was.
        [execute(tr.t("action.show_help"), SHOW_HELP)],
    )


def help_card(tr: Translator, member: Member, commands: Sequence[Command]) -> Card:
    """What this person may do: a button for each, and the words to type for each."""
    rows = [(c.words(tr.is_french), tr.t(c.description)) for c in commands]
    role = tr.t("role.secretariat") if member.is_secretariat else tr.t("role.member")
    buttons = [
        execute(tr.t(c.button), RUN_COMMAND, RunCommand(command=c.key))
        for c in commands
        if c.button is not None
    ]
    # Rows of three: Teams shows six buttons at most in one row of actions, and a member of
    # the secretariat has more commands than that.
    rows_of_buttons = [
        {"type": "ActionSet", "actions": buttons[i : i + 3]} for i in range(0, len(buttons), 3)
    ]
    return card(
        [
            title(tr.t("help.title")),
            paragraph(tr.t("help.intro", role=role)),
            *rows_of_buttons,
            facts(rows),
            paragraph(tr.t("help.footer"), isSubtle=True, size="Small"),
        ]
    )


def buttons_of(content: Card) -> list[dict[str, Any]]:
    """A card's buttons, under it and in its rows of buttons, in reading order."""
    found = [a for e in content["body"] if e.get("type") == "ActionSet" for a in e["actions"]]
    return found + list(content.get("actions", []))


def greeting(tr: Translator, member: Member, commands: Sequence[Command]) -> Card:
    """Hello answered with hello, and what the person can do."""
    answer = help_card(tr, member, commands)
    answer["body"][0] = title(tr.t("greeting.title", name=member.display_name))
    return answer


def suggestion(tr: Translator, command: Command) -> Card:
    """Unknown words close to a command: asks, with the button that runs it."""
    words = command.words(tr.is_french)
    return card(
        [paragraph(tr.t("unknown.did_you_mean", words=words))],
        [
            execute(
                tr.t("unknown.yes_run", words=words), RUN_COMMAND, RunCommand(command=command.key)
            ),
            execute(tr.t("action.show_help"), SHOW_HELP),
        ],
    )


def language_choice(tr: Translator) -> Card:
    """Each language named in itself, so either reader finds theirs."""
    return card(
        [title(tr.t("language.title")), paragraph(tr.t("language.current"))],
        [
            execute("Français", SET_LANGUAGE, LanguageChoice(language="fr-CA")),
            execute("English", SET_LANGUAGE, LanguageChoice(language="en")),
        ],
    )


def not_a_member(tr: Translator, contacts: Sequence[Member], extra_contact: str) -> Card:
    body = [title(tr.t("refusal.title")), paragraph(tr.t("refusal.body"))]
    # A link opens the person's mail program on the right address.
    lines = [f"- [{c.display_name}](mailto:{c.email})" for c in contacts]
    if extra_contact:
        contact = (
            f"[{extra_contact}](mailto:{extra_contact})" if "@" in extra_contact else extra_contact
        )
        lines.append(f"- {contact}")
    if lines:
        body.append(paragraph(tr.t("refusal.contact")))
        body.append(paragraph("\n".join(lines)))
    else:
        body.append(paragraph(tr.t("refusal.contact_unknown")))
    return card(body)


def bilingual(french: Card, english: Card) -> Card:
    """For someone whose language the bot cannot know (a stranger, a whole channel): French
    first, then English below a line; the buttons of both, French first."""
    rest = [dict(element) for element in english["body"]]
    if rest:
        rest[0] = {**rest[0], "separator": True, "spacing": "Large"}
    # A button doing the same in both languages is one button, named in both.
    actions = [dict(action) for action in french.get("actions", [])]
    for action in english.get("actions", []):
        same = [a for a in actions if _same_button(a, action)]
        if same and same[0]["title"] != action["title"]:
            same[0]["title"] = f"{same[0]['title']} / {action['title']}"
        elif not same:
            actions.append(action)
    return card([*french["body"], *rest], actions or None)


def _same_button(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("type", "verb", "data", "url")
    return all(one.get(key) == other.get(key) for key in keys)


def notice(tr: Translator, heading_key: str, text: str) -> Card:
    """A short card for a message that stands on its own (an error, a confirmation)."""
    return card([title(tr.t(heading_key)), paragraph(text)])


# --- cards that stay true ------------------------------------------------------------------
#
# A card that records an answer carries the version of what it showed (`seen`). Pressed after
# a newer answer, it changes nothing: the person gets the current card, headed by
# `stale_banner`. A card a newer one replaces is redrawn in place as `superseded`, with no
# live button, so there is never a second live copy of the same question.


def stale_banner(tr: Translator, when: str | None = None) -> Element:
    """Above the current card, when an older card was pressed: nothing was changed. `when`:
    the newer answer's moment; without it, the card predates a change (of the meeting, or of
    an answer it showed)."""
    said = tr.t("cards.stale", when=when) if when else tr.t("cards.stale_changed")
    return {"type": "Container", "style": "warning", "items": [paragraph(said, weight="Bolder")]}


def superseded(tr: Translator, heading: str, why: str) -> Card:
    """What an earlier card becomes once a newer one asks the same question."""
    return card(
        [title(heading), paragraph(why), paragraph(tr.t("cards.superseded"), isSubtle=True)]
    )


def not_allowed(tr: Translator, reason_key: str) -> Card:
    """Answer to a button this person may not press, or not here."""
    return notice(tr, "access.title", tr.t(reason_key))
