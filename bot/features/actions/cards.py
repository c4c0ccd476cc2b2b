"""Cards of the action items: the owner's card (with its answer), the member's list, the
secretariat's view and form, the late list, and the channel's summary before a meeting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.members import Member
from bot.domain.text import record_id
from bot.features.actions.rules import (
    NOTE_MAX,
    OWNER_STATUSES,
    WHAT_MAX,
    ActionItem,
    ActionStatus,
    owner_label,
)
from bot.features.actions.service import DigestWork, ItemWork
from bot.features.meetings.rules import Meeting
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
    short,
    stale_banner,
    table,
    text_input,
    title,
    with_errors,
)

LIST = "actions.list"
SHOW = "actions.show"
UPDATE = "actions.update"
ADD_FORM = "actions.add_form"
ADD = "actions.add"
EXPORT = "actions.export"
# Never by colour alone: each status has its word, and this icon repeats it.
ICONS = {
    ActionStatus.TODO: "○",
    ActionStatus.IN_PROGRESS: "◐",
    ActionStatus.DONE: "✔",
    ActionStatus.BLOCKED: "⛔",
}


class ItemRef(Payload):
    item: int
    # The version of the item the card showed (0: a card that only shows it).
    seen: int = 0


class UpdatePayload(ItemRef):
    status: str = ""
    note: str = ""


class AddPayload(Payload):
    """The secretariat's form (every input is text)."""

    what: str = ""
    owner: str = ""
    # Or, outside the registry: the organisation and its contact's address.
    organisation: str = ""
    contact: str = ""
    due: str = ""
    meeting: str = ""


def status_words(tr: Translator, item: ActionItem, today: date) -> str:
    words = f"{ICONS[item.status]} {tr.t(f'actions.status.{item.status.value}')}"
    if item.is_late(today):
        late = tr.t("actions.late_word")
        words += f" · {late}"
    return words


def _from(
    tr: Translator, meeting: Meeting | None, zone: ZoneInfo, decision: int | None = None
) -> list[Element]:
    if meeting is None:
        return []
    when = format_day(tr, meeting.starts_at, zone)
    said = tr.t("actions.from_meeting", title=meeting.plan.title, day=when)
    if decision is not None and 1 <= decision <= len(meeting.decisions):
        said = tr.t("actions.from_decision", n=decision, text=meeting.decisions[decision - 1].text,
                    title=meeting.plan.title, day=when)  # fmt: skip
    return [paragraph(said, isSubtle=True, spacing="None")]


def origins(tr: Translator, meetings: Sequence[Meeting], zone: ZoneInfo) -> list[tuple[str, str]]:
    """Where an item may come from: none, a meeting (`ID`), or one of its decisions
    (`ID:N`), each decision under its meeting."""
    found = [("", tr.t("actions.no_meeting"))]
    for m in meetings:
        found.append((str(m.id), f"{m.plan.title} — {format_day(tr, m.starts_at, zone)}"))
        found += [
            (f"{m.id}:{n}", tr.t("actions.decision_choice", n=n, text=short(d.text, 60)))
            for n, d in enumerate(m.decisions, 1)
        ]
    return found


def parse_origin(value: str) -> tuple[int | None, int | None]:
    """The meeting and the decision a form's choice names (`ID`, `ID:N`, or empty); what
    cannot be a row's id (a forged choice, a number past the database's) names none."""
    meeting, _, decision = value.partition(":")
    return record_id(meeting), record_id(decision)


def item_card(
    tr: Translator,
    work: ItemWork,
    zone: ZoneInfo,
    today: date,
    *,
    heading: str = "actions.assigned_title",
    days: int | None = None,
    saved: bool = False,
    stale: bool = False,
    typed: UpdatePayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    """The owner's item: what, by when, where it comes from, its status; below, their answer
    (pre-filled with the status in force). Done, it is read-only."""
    item = work.item
    body: list[Element] = []
    if stale:
        body.append(stale_banner(tr))
    body += [
        title(tr.t(heading)),
        paragraph(f"**{item.what}**"),
        *_from(tr, work.meeting, zone, item.decision),
        *(
            [paragraph(tr.t("actions.owner_line", name=owner_label(item, None)))]
            if item.owner_id is None
            else []
        ),
        paragraph(tr.t("actions.due", day=format_short_date(tr, item.due_on))),
    ]
    if days is not None:
        body.append(paragraph(tr.n("actions.reminder_days", days) if days else
                              tr.t("actions.reminder_today"), weight="Bolder"))  # fmt: skip
    body.append(paragraph(tr.t("actions.status_line", status=status_words(tr, item, today))))
    if item.note:
        body.append(paragraph(tr.t("actions.note_line", note=item.note), isSubtle=True))
    if saved:
        body.append(paragraph(tr.t("actions.saved"), weight="Bolder"))
    if not item.is_open:
        return card(body, [execute(tr.t("actions.mine_button"), LIST, NoData())])
    current = item.status.value if item.status in OWNER_STATUSES else None
    body += [
        choice_set(
            "status", tr.t("actions.field.status"),
            [(s.value, f"{ICONS[s]} {tr.t(f'actions.status.{s.value}')}") for s in OWNER_STATUSES],
            value=typed.status if typed else current, required=True,
            error=tr.t("actions.error.status"),
        ),
        text_input(
            "note", tr.t("actions.field.note"), value=typed.note if typed else item.note,
            multiline=True, max_length=NOTE_MAX, placeholder=tr.t("actions.field.note_hint"),
        ),
    ]  # fmt: skip
    ref = ItemRef(item=item.id, seen=item.version)
    return card(
        with_errors(body, errors),
        [
            execute(tr.t("actions.update_button"), UPDATE, ref),
            execute(tr.t("actions.mine_button"), LIST, NoData()),
        ],
    )


def my_items(tr: Translator, works: Sequence[ItemWork], zone: ZoneInfo, today: date) -> Card:
    """A member's own items, late first; each open one has its button."""
    body: list[Element] = [title(tr.t("actions.mine_title"))]
    if not works:
        body.append(paragraph(tr.t("actions.mine_none")))
        return card(body)
    body.append(
        table(
            [tr.t("actions.column.what"), tr.t("actions.column.due"), tr.t("actions.column.status")],
            [
                (f"{n}. {w.item.what}", format_short_date(tr, w.item.due_on),
                 status_words(tr, w.item, today))
                for n, w in enumerate(works, 1)
            ],
            [4, 2, 2],
        )
    )  # fmt: skip
    buttons = [
        execute(tr.t("actions.open_button", n=n), SHOW, ItemRef(item=w.item.id))
        for n, w in enumerate(works, 1)
        if w.item.is_open
    ]
    if buttons:
        body.append({"type": "ActionSet", "actions": buttons[:5]})
    return card(body)


def open_items(
    tr: Translator,
    groups: Sequence[tuple[Meeting | None, Sequence[tuple[ActionItem, Member | None]]]],
    zone: ZoneInfo,
    today: date,
) -> Card:
    """The secretariat's view: every open item by the meeting it comes from, late first."""
    body: list[Element] = [title(tr.t("actions.all_title"))]
    if not groups:
        body.append(paragraph(tr.t("actions.all_none")))
    late = sum(1 for _, rows in groups for item, _ in rows if item.is_late(today))
    total = sum(len(rows) for _, rows in groups)
    if groups:
        body.append(paragraph(tr.n("actions.all_counts", total, late=late), weight="Bolder"))
    for meeting, rows in groups:
        heading = (
            tr.t("actions.from_meeting", title=meeting.plan.title,
                 day=format_day(tr, meeting.starts_at, zone))
            if meeting else tr.t("actions.no_meeting")
        )  # fmt: skip
        body.append(paragraph(f"**{heading}**"))
        body.append(_rows_table(tr, rows, zone, today))
    return card(
        body,
        [
            execute(tr.t("actions.add_button"), ADD_FORM, NoData()),
            execute(tr.t("actions.export_button"), EXPORT, NoData()),
        ],
    )


def _rows_table(
    tr: Translator,
    rows: Sequence[tuple[ActionItem, Member | None]],
    zone: ZoneInfo,
    today: date,
) -> Element:
    return table(
        [tr.t("actions.column.what"), tr.t("actions.column.owner"), tr.t("actions.column.due"),
         tr.t("actions.column.status")],
        [
            (item.what, owner_label(item, owner), format_short_date(tr, item.due_on),
             status_words(tr, item, today) + (f"\n{item.note}" if item.note else ""))
            for item, owner in rows
        ],
        [4, 2, 2, 2],
    )  # fmt: skip


def add_form(
    tr: Translator,
    members: Sequence[Member],
    meetings: Sequence[Meeting],
    zone: ZoneInfo,
    *,
    typed: AddPayload | None = None,
    errors: Sequence[str | FieldError] = (),
) -> Card:
    data = typed or AddPayload()
    required = tr.t("confidentiality.error.empty_field")
    body: list[Element] = [
        title(tr.t("actions.add_title")),
        text_input("what", tr.t("actions.field.what"), value=data.what, required=True,
                   error=required, multiline=True, max_length=WHAT_MAX),
        choice_set("owner", tr.t("actions.field.owner"),
                   [("", tr.t("actions.owner_outside")),
                    *[(m.email, f"{m.display_name} ({m.organisation})") for m in members]],
                   value=data.owner, expanded=False),
        text_input("organisation", tr.t("actions.field.organisation"), value=data.organisation,
                   max_length=300),
        text_input("contact", tr.t("actions.field.contact"), value=data.contact,
                   max_length=320, placeholder="prenom.nom@organisme.gouv.qc.ca"),
        date_input("due", tr.t("actions.field.due"), value=data.due, required=True,
                   error=required),
        choice_set("meeting", tr.t("actions.field.meeting"), origins(tr, meetings, zone),
                   value=data.meeting, expanded=False),
    ]  # fmt: skip
    return card(with_errors(body, errors), [execute(tr.t("actions.add_submit"), ADD)])


def added(
    tr: Translator, item: ActionItem, owner: Member | None, reachable: bool, zone: ZoneInfo
) -> Card:
    """What happened, honestly: the owner told now, or when they first open the chat; an
    organisation outside the registry is not told by the bot at all."""
    if owner is None:
        told = tr.t("actions.added_outside", name=owner_label(item, None))
    else:
        key = "actions.added_told" if reachable else "actions.added_waits"
        told = tr.t(key, name=owner.display_name)
    return card(
        [
            title(tr.t("actions.added_title")),
            paragraph(f"**{item.what}**"),
            paragraph(tr.t("actions.due", day=format_short_date(tr, item.due_on))),
            paragraph(told),
        ],
        [
            execute(tr.t("actions.add_button"), ADD_FORM, NoData()),
            execute(tr.t("actions.all_button"), LIST, NoData()),
        ],
    )


def late_card(
    tr: Translator, rows: Sequence[tuple[ActionItem, Member | None]], zone: ZoneInfo, today: date
) -> Card:
    """To the secretariat, once per item: what is past its due date and not done."""
    return card(
        [
            title(tr.n("actions.late_title", len(rows))),
            _rows_table(tr, rows, zone, today),
        ],
        [execute(tr.t("actions.all_button"), LIST, NoData())],
    )


def digest_card(tr: Translator, work: DigestWork, zone: ZoneInfo, today: date) -> Card:
    """In the channel before a meeting: done since the last meeting, late, coming."""
    found = work.digest
    body: list[Element] = [
        title(tr.t("actions.digest_title")),
        paragraph(
            tr.t("actions.digest_intro", title=work.meeting.plan.title,
                 day=format_day(tr, work.meeting.starts_at, zone)),
            isSubtle=True,
        ),
    ]  # fmt: skip
    for key, items in (
        ("actions.digest_done", found.done),
        ("actions.digest_late", found.late),
        ("actions.digest_coming", found.coming),
    ):
        body.append(paragraph(f"**{tr.n(key, len(items))}**"))
        if items:
            rows = [(item, work.owners.get(item.owner_id or 0)) for item in items]
            body.append(_rows_table(tr, rows, zone, today))
    return card(body)
