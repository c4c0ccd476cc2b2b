"""Every byte from outside is hostile until read: card data with ids beyond any row and texts
with control characters are refused in words where the payload is parsed (the same on SQLite
and PostgreSQL, no traceback in the log); the command line answers hostile arguments with a
message and an exit code, and writes nothing."""

from __future__ import annotations

import logging
import types
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import func, select

from bot.domain.text import ID_MAX, record_id
from bot.features.documents.rules import clean_name, file_refusal
from bot.features.meetings.rules import parse_duration
from bot.storage import tables
from bot.teams.cards import Payload
from tests.conftest import MEMBER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support.cards import texts
from tests.test_confidentiality import _invoke
from tests.test_meetings import _install_in_team

BAD_PAYLOAD = "Ce bouton a transmis des données que je ne peux pas lire. Rien n’a été enregistré."
CONTROL = "de contrôle invisible"


def _sample(annotation: Any) -> Any:
    """A value the field accepts, so that only the value under test can be refused."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        return _sample(next(a for a in typing.get_args(annotation) if a is not type(None)))
    if typing.get_origin(annotation) is list:
        return []
    return {int: 1, str: "x", bool: True}[annotation]


def _fields(payload: type[Payload], kind: type) -> list[str]:
    def is_kind(annotation: Any) -> bool:
        if typing.get_origin(annotation) in (types.UnionType, typing.Union):
            return any(is_kind(a) for a in typing.get_args(annotation))
        return annotation is kind

    return [n for n, f in payload.model_fields.items() if is_kind(f.annotation)]


def _valid(payload: type[Payload]) -> dict[str, Any]:
    return {n: _sample(f.annotation) for n, f in payload.model_fields.items()}


async def _database_rows(bot: RunningBot) -> dict[str, int]:
    async with bot.database.read() as conn:
        return {
            t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
            for t in tables.metadata.sorted_tables
            if t.name not in ("processed_activities", "conversation_references")
        }


async def test_ids_beyond_any_row_are_refused_in_words_by_every_verb(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """2^31 overflows PostgreSQL's INTEGER and 2^63 SQLite's: every verb whose data carries an
    id refuses both with the bad-data message, records nothing and logs no error."""
    await _install_in_team(bot, SECRETARIAT)
    actions = bot.components.transport.registry.actions
    walked = 0
    before = await _database_rows(bot)
    caplog.set_level(logging.INFO)
    for verb, action in sorted(actions.items()):
        ids = _fields(action.payload, int)
        if not ids:
            continue
        data = _valid(action.payload)
        action.payload.model_validate(data)  # the rest of the data is acceptable
        for field in ids:
            for huge in (2**31, 2**63, -(2**63) - 1):
                answer = await _invoke(bot, SECRETARIAT, verb, {**data, field: huge})
                assert BAD_PAYLOAD in texts(answer), (verb, field, huge, texts(answer))
                walked += 1
    assert walked >= 25, "every verb that carries an id"
    assert await _database_rows(bot) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_control_character_in_any_card_text_is_refused_the_same_on_both_databases(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A NUL byte in a proposal, a measure's reason, a comment… (PostgreSQL refuses it, SQLite
    would store it): refused in words wherever a card sends text, nothing recorded."""
    await _install_in_team(bot, SECRETARIAT)
    actions = bot.components.transport.registry.actions
    before = await _database_rows(bot)
    walked = set()
    for verb, action in sorted(actions.items()):
        data = _valid(action.payload)
        for field in _fields(action.payload, str):
            for text in ("avant\x00après", "bip\x07", "\x1b[31mrouge"):
                answer = await _invoke(bot, SECRETARIAT, verb, {**data, field: text})
                assert CONTROL in " ".join(texts(answer)), (verb, field, texts(answer))
            walked.add(verb)
    assert {"consultation.propose", "declarations.measure"} <= walked
    # A form's extra fields (declarations' description_N) are checked the same way.
    answer = await _invoke(
        bot, SECRETARIAT, "declarations.submit", {"rows": 1, "description_1": "a\x00"}
    )
    assert CONTROL in " ".join(texts(answer))
    assert await _database_rows(bot) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    typed = {"kind": "area", "title": "Données ouvertes", "description": "ligne\n\tsuite\r\n"}
    ok = await _invoke(bot, SECRETARIAT, "consultation.propose", typed)
    assert CONTROL not in " ".join(texts(ok)), "newline, tab and carriage return are text"
    after = await _database_rows(bot)
    assert after["consultation_proposals"] == before["consultation_proposals"] + 1


def test_numbers_typed_in_cards_are_read_as_people_write_them_and_bounded() -> None:
    assert record_id("42") == 42 and record_id(" 7 ") == 7
    for refused in ("0", "-1", "²", "١٢", str(ID_MAX + 1), "9" * 40, "", "1e3"):
        assert record_id(refused) is None, refused
    typed = {"120": 120, "90 min": 90, "2 h": 120, "2h30": 150, "1 h 30 min": 90, "1:30": 90}
    for text, minutes in typed.items():
        assert parse_duration(text) == minutes, text
    for refused in ("²", str(2**63), "deux heures", "2.5h", ""):
        assert parse_duration(refused) is None, refused


def test_an_invisible_or_extension_only_file_name_is_never_stored_as_such() -> None:
    assert file_refusal("\u200b\u200b", 10, 100) == "documents.refused.no_name"
    assert file_refusal("\u2060\u200e", 10, 100) == "documents.refused.no_name"
    assert clean_name(".pdf") == "document.pdf"
    assert clean_name("\u200b.pdf") == "document.pdf"
    assert clean_name("Ordre\u200b du jour.pdf") == "Ordre du jour.pdf"
    assert clean_name("  Notes 1.docx ") == "Notes 1.docx"


# --- the command line ------------------------------------------------------------------------


def test_every_subcommand_answers_hostile_arguments_in_words_and_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    by = ["--by", SECRETARIAT.email]
    nul = tmp_path / "nul.md"
    nul.write_text("# Plan\n\n## 1. Engagement\n\nTexte\x00.\n", encoding="utf-8")
    latin = tmp_path / "latin.md"
    latin.write_bytes("# Plan « latin »".encode("latin-1"))
    round_file = tmp_path / "round.md"
    round_file.write_text("# Plan\n\n## 1. Engagement\n\nTexte.\n", encoding="utf-8")
    unwritable = str(tmp_path / "absent" / "x.csv")
    schedule = ["meetings", "schedule", "--date", "2099-03-04", "--start", "13:30"]
    action = ["actions", "add", "--what", "Relire", "--owner", MEMBER.email, "--due", "2099-01-01"]
    hostile: list[tuple[list[str], str]] = [
        (["meetings", "export", "--csv", unwritable], "ce dossier n’existe pas"),
        (["meetings", "export", "--csv", str(tmp_path)], "ce dossier n’existe pas"),
        (["mandates", "report", "--csv", unwritable], "ce dossier n’existe pas"),
        (["confidentiality", "report", "--csv", unwritable], "ce dossier n’existe pas"),
        (["declarations", "report", "--csv", unwritable], "ce dossier n’existe pas"),
        (
            ["declarations", "report", "--csv", str(tmp_path / "d.csv"), "--meeting", "999"],
            "Aucune réunion 999.",
        ),
        (
            ["declarations", "report", "--csv", str(tmp_path / "d.csv"), "--meeting", str(2**31)],
            "trop grand",
        ),
        (["meetings", "cancel", str(2**63), *by], "trop grand"),
        (
            ["consultation", "export", str(2**31), "--csv", str(tmp_path / "c.csv"), *by],
            "trop grand",
        ),
        (["consultation", "export", "1", "--csv", unwritable, *by], "ce dossier n’existe pas"),
        (
            [
                "consultation",
                "open",
                str(round_file),
                "--deadline",
                "2099-02-15",
                "--meeting",
                "999",
                *by,
            ],
            "Cette réunion n’existe pas",
        ),
        (
            ["consultation", "open", str(nul), "--deadline", "2099-02-15", *by],
            "caractère de contrôle",
        ),
        (
            ["consultation", "open", str(latin), "--deadline", "2099-02-15", *by],
            "n’est pas un texte UTF-8",
        ),
        (
            [
                "consultation",
                "open",
                str(round_file),
                "--deadline",
                "2099-02-15",
                "--title",
                "a\x00b",
                *by,
            ],
            "caractère de contrôle",
        ),
        ([*schedule, "--duration", "90", "--title", "Ré\x00union", *by], "caractère de contrôle"),
        ([*schedule, "--duration", str(2**63), "--title", "Réunion", *by], "trop grand"),
        (["confidentiality", "publish", str(nul), str(round_file), *by], "caractère de contrôle"),
        ([*action, "--meeting", str(2**31), *by], "trop grand"),
        ([*action, "--meeting", "999", *by], "Cette réunion n’existe pas"),
        (
            [
                "actions",
                "add",
                "--what",
                "Re\x00lire",
                "--owner",
                MEMBER.email,
                "--due",
                "2099-01-01",
                *by,
            ],
            "caractère de contrôle",
        ),
        (
            ["actions", "add", "--what", "Relire", "--owner", MEMBER.email, "--due", "demain", *by],
            "Indiquez l’échéance",
        ),
        (["actions", "export", "--csv", unwritable, *by], "ce dossier n’existe pas"),
        (["minutes", "submit", str(2**31), "--url", "https://x.org/pv", *by], "trop grand"),
        (
            ["minutes", "submit", "999", "--url", "https://x.org/pv", *by],
            "Cette réunion n’existe pas",
        ),
        (
            ["minutes", "adopt", "999", "--on", "2026-01-01", "--url", "https://x.org/pv", *by],
            "Aucun projet",
        ),
        (
            [
                "minutes",
                "adopt",
                "1",
                "--on",
                "2026-01-01",
                "--url",
                "https://x.org/pv",
                "--taken",
                "x",
                *by,
            ],
            "--taken",
        ),
        (["commitments", "import", str(nul), *by], "caractère de contrôle"),
        (["commitments", "import", str(latin), *by], "n’est pas un texte UTF-8"),
        (["commitments", "export", "--csv", unwritable, *by], "ce dossier n’existe pas"),
        (
            ["commitments", "draft", "--round", str(2**31), "--out", str(tmp_path / "d.md")],
            "trop grand",
        ),
    ]
    for args, said in hostile:
        code, out, err = cli(*args)
        assert code in (1, 2), (args, out, err)
        assert said in err, (args, err)
        assert "Traceback" not in err + out
    assert not (tmp_path / "absent").exists()
    assert not list(tmp_path.glob("*.csv"))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER.read_text(encoding="utf-8").replace("Amélie", "Amé\x01lie"), encoding="utf-8")  # fmt: skip
    code, _, err = cli("members", "import", str(roster), *by)
    assert code == 1 and "caractère de contrôle" in err


def test_a_polls_agenda_has_the_bounds_of_a_meetings() -> None:
    from datetime import UTC, date, datetime, time
    from zoneinfo import ZoneInfo

    from bot.features.meetings.rules import AgendaItem, Slot, poll_problems

    slots = [Slot(1, date(2099, 3, 4), time(13, 30)), Slot(2, date(2099, 3, 5), time(13, 30))]
    now, zone = datetime(2099, 1, 1, tzinfo=UTC), ZoneInfo("America/Toronto")
    long_item = [AgendaItem("x" * 240_000)]
    many = [AgendaItem(f"Point {n}") for n in range(31)]
    for agenda in (long_item, many):
        found = poll_problems("Réunion", 90, agenda, slots, now, zone)
        assert [(p.field, p.message) for p in found] == [("agenda", "meetings.error.agenda_long")]
    assert poll_problems("Réunion", 90, [], slots, now, zone) == []


async def test_exporting_a_round_that_does_not_exist_is_said_not_logged(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.connector.clear()
    answer = await _invoke(bot, SECRETARIAT, "consultation.export", {"round": 999, "format": "csv"})
    assert answer["type"] == "AdaptiveCard"
    said = [r.get("text") for r in bot.connector.replies() if r.get("text")]
    assert said == ["Je ne sais plus de quel fichier il s’agit. Demandez-le de nouveau."]
    assert not [r for r in bot.connector.replies() if r.get("attachments")], "no file offered"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
