"""Requests meant to stall or exhaust the bot: each gets a plain 4xx, and the bot stays up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.features.confidentiality import tables as confidentiality_tables
from tests.conftest import (
    MEMBER,
    SECRETARIAT,
    RunningBot,
    import_roster,
    serve,
    signed_settings,
)
from tests.support import activities
from tests.support.cards import texts
from tests.support.connector import LoopbackConnector
from tests.test_confidentiality import _invoke


def _hello(bot: RunningBot, text: str = "aide", **fields: Any) -> dict[str, Any]:
    activity = activities.message(
        bot.connector.service_url, text, user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
    )
    activity.update(fields)
    return activity


@pytest.fixture
async def impatient_bot(connector: LoopbackConnector, sqlite_url: str) -> AsyncIterator[RunningBot]:
    """The signed bot with short patience, so slow clients are cut off within the test."""
    await import_roster(sqlite_url)
    settings = signed_settings(
        connector,
        sqlite_url,
        BOT_HEADER_TIMEOUT_SECONDS="0.5",
        BOT_BODY_TIMEOUT_SECONDS="0.5",
    )
    async with serve(settings, connector) as running:
        yield running


async def _raw(bot: RunningBot, head: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = bot.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head)
    await writer.drain()
    return reader, writer


async def test_a_message_of_angle_brackets_is_answered_not_stalled_on(bot: RunningBot) -> None:
    """240,000 '<' once blocked the event loop for 53 s in the mention-cleaning regexes."""
    response = await bot.post(_hello(bot, "<" * 240_000))
    assert response.status == 200
    assert texts(bot.connector.cards()[-1])[0] == "Ce que je peux faire"
    mention = "<at>" * 20_000 + "x"
    assert (await bot.post(_hello(bot, mention))).status == 200


async def test_without_a_token_the_body_is_never_read(bot: RunningBot) -> None:
    # Announces a large body and sends none of it: the answer comes at once, a 401.
    head = (
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200000\r\n\r\n"
    )
    reader, writer = await _raw(bot, head)
    status_line = await asyncio.wait_for(reader.readline(), 5)
    assert status_line.startswith(b"HTTP/1.1 401")
    writer.close()


async def test_a_body_that_does_not_arrive_in_time_gets_408(impatient_bot: RunningBot) -> None:
    bot = impatient_bot
    token = bot.connector.sign(_hello(bot))
    head = (
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\n".encode()
        + b"Content-Length: 5000\r\n\r\n{"
    )
    reader, writer = await _raw(bot, head)
    status_line = await asyncio.wait_for(reader.readline(), 5)
    assert status_line.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_connection_that_never_finishes_its_headers_is_closed(
    impatient_bot: RunningBot,
) -> None:
    reader, writer = await _raw(impatient_bot, b"POST /api/messages HTTP/1.1\r\nHost: x\r\n")
    assert await asyncio.wait_for(reader.read(), 5) == b"", "closed by the bot"
    writer.close()
    # Meanwhile, and after, the bot answers as usual.
    assert (await impatient_bot.session.get(impatient_bot.url + "/healthz")).status == 200


async def test_a_client_that_hangs_up_mid_body_costs_one_log_line(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    token = bot.connector.sign(_hello(bot))
    head = (
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\n".encode()
        + b"Content-Length: 5000\r\n\r\n{"
    )
    with caplog.at_level(logging.INFO):
        _, writer = await _raw(bot, head)
        writer.close()
        await writer.wait_closed()
        for _ in range(100):
            if any("disconnected" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.01)
    assert any("disconnected" in r.getMessage() for r in caplog.records)
    assert [r for r in caplog.records if r.exc_info] == [], "no traceback"
    assert (await bot.session.get(bot.url + "/healthz")).status == 200


@pytest.mark.parametrize("signed", [True, False])
async def test_deeply_nested_json_is_400_or_401_never_500(bot: RunningBot, signed: bool) -> None:
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["Authorization"] = "Bearer " + bot.connector.sign(_hello(bot))
    response = await bot.session.post(
        bot.url + "/api/messages", data=b"[" * 100_000, headers=headers
    )
    assert response.status == (400 if signed else 401)


async def test_long_ids_are_stored_alike_on_both_databases_and_absurd_ones_refused(
    bot: RunningBot,
) -> None:
    long_id = "a" * 1_000
    first = await bot.post(_hello(bot, id=long_id))
    again = await bot.post(_hello(bot, id=long_id))
    assert (first.status, again.status) == (200, 200)
    assert len(bot.connector.replies()) == 1, "the retry is recognised through the stored hash"
    assert (await bot.post(_hello(bot, id="a" * 2_000))).status == 400
    activity = _hello(bot)
    activity["conversation"]["id"] = "c" * 600
    assert (await bot.post(activity)).status == 400


async def _versions(bot: RunningBot) -> int:
    async with bot.database.read() as conn:
        query = select(func.count()).select_from(confidentiality_tables.commitment_versions)
        return int((await conn.execute(query)).scalar_one())


async def test_a_nul_byte_in_a_commitment_is_refused_alike_on_both_databases(
    bot: RunningBot,
) -> None:
    card = await _invoke(
        bot, SECRETARIAT, "confidentiality.preview", {"text_fr": "Texte\x00nul", "text_en": "Text"}
    )
    assert (
        "Le texte en français contient des caractères de contrôle invisibles (par exemple un "
        "octet nul). Collez-le de nouveau depuis un traitement de texte." in texts(card)
    )
    inputs = {e["id"]: e["value"] for e in card["body"] if e["type"] == "Input.Text"}
    assert inputs == {"text_fr": "Texte\x00nul", "text_en": "Text"}, "the form keeps what was typed"
    assert await _versions(bot) == 0


async def test_card_values_of_another_json_type_publish_nothing(bot: RunningBot) -> None:
    card = await _invoke(
        bot, SECRETARIAT, "confidentiality.preview", {"text_fr": {"a": 1}, "text_en": [1, 2]}
    )
    assert texts(card)[0] == "Un problème est survenu"
    assert await _versions(bot) == 0
