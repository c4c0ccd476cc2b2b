"""The door: only signed activities for this bot get in, and every refusal is a 4xx."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.conftest import APP_ID, MEMBER, RunningBot, import_roster, serve, signed_settings
from tests.support import activities
from tests.support.connector import OUTBOUND_TOKEN, LoopbackConnector


def _hello(bot: RunningBot, text: str = "aide") -> dict[str, Any]:
    return activities.message(
        bot.connector.service_url, text, user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
    )


async def test_a_signed_message_is_answered_with_the_bots_own_token(bot: RunningBot) -> None:
    response = await bot.post(_hello(bot))
    assert response.status == 200
    replies = await bot.connector.wait_for_replies(1)
    assert replies[0]["attachments"][0]["content"]["body"][0]["text"] == "Ce que je peux faire"
    sent = [c for c in bot.connector.calls if c.method == "POST"]
    assert all(c.authorization == f"Bearer {OUTBOUND_TOKEN}" for c in sent)
    assert bot.connector.token_requests[0]["client_id"] == APP_ID
    assert bot.connector.token_requests[0]["grant_type"] == "client_credentials"


def _expired(bot: RunningBot, activity: dict[str, Any]) -> str:
    past = int(time.time()) - 7200
    return bot.connector.sign(activity, exp=past, iat=past - 60, nbf=past - 60)


# Each case: the Authorization header to send for an activity (None: no header at all).
REJECTIONS: dict[str, Callable[[RunningBot, dict[str, Any]], str | None]] = {
    "no header": lambda bot, a: None,
    "not bearer": lambda bot, a: "Basic dXNlcjpwYXNz",
    "not a jwt": lambda bot, a: "Bearer not-a-jwt",
    "expired": lambda bot, a: "Bearer " + _expired(bot, a),
    "wrong audience": lambda bot, a: "Bearer " + bot.connector.sign(a, aud="another-bot"),
    "wrong issuer": lambda bot, a: (
        "Bearer " + bot.connector.sign(a, iss="https://sts.windows.net/evil/")
    ),
    "service url mismatch": lambda bot, a: (
        "Bearer " + bot.connector.sign(a, serviceurl="https://evil.example/")
    ),
    "no service url claim": lambda bot, a: "Bearer " + bot.connector.sign(a, serviceurl=None),
    "unknown key id": lambda bot, a: "Bearer " + bot.connector.sign(a, _kid="unknown-key"),
    "bad signature": lambda bot, a: "Bearer " + bot.connector.sign(a, _wrong_key=True),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
async def test_every_bad_token_is_refused_with_401_and_nothing_happens(
    bot: RunningBot, case: str
) -> None:
    activity = _hello(bot)
    header = REJECTIONS[case](bot, activity)
    response = await bot.post(activity, token=header if header else False)
    assert response.status == 401
    assert bot.connector.replies() == []


async def test_a_key_endorsed_for_another_channel_is_refused(
    connector: LoopbackConnector, sqlite_url: str
) -> None:
    connector.endorsements = ["webchat"]
    await import_roster(sqlite_url)
    async with serve(signed_settings(connector, sqlite_url), connector) as bot:
        response = await bot.post(_hello(bot))
    assert response.status == 401
    assert connector.replies() == []


async def test_malformed_json_is_400(bot: RunningBot) -> None:
    # A genuine channel token: the body is read, and found not to be JSON.
    token = "Bearer " + bot.connector.sign(_hello(bot))
    response = await bot.session.post(
        bot.url + "/api/messages",
        data=b"{not json",
        headers={"Content-Type": "application/json", "Authorization": token},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_json"


async def test_an_activity_without_what_the_bot_needs_is_400(bot: RunningBot) -> None:
    activity = _hello(bot)
    del activity["conversation"]
    response = await bot.post(activity, token="Bearer " + bot.connector.sign(_hello(bot)))
    assert response.status == 400
    assert "conversation.id" in (await response.json())["error"]["message"]


async def test_a_body_over_the_limit_is_413(bot: RunningBot) -> None:
    activity = _hello(bot, text="x" * 300_000)
    response = await bot.post(activity)
    assert response.status == 413


async def test_a_retried_message_is_processed_once(bot: RunningBot) -> None:
    activity = _hello(bot)
    first = await bot.post(activity)
    second = await bot.post(activity)
    assert (first.status, second.status) == (200, 200)
    assert len(bot.connector.replies()) == 1


async def test_a_retried_invoke_gets_the_same_answer_once(bot: RunningBot) -> None:
    activity = activities.card_action(
        bot.connector.service_url, "help", user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
    )
    first, second = await asyncio.gather(bot.post(activity), bot.post(activity))
    assert first.status == second.status == 200
    assert await first.json() == await second.json()
    assert (await first.json())["value"]["body"][0]["text"] == "Ce que je peux faire"


async def test_healthz_answers_200_when_the_database_answers(bot: RunningBot) -> None:
    response = await bot.session.get(bot.url + "/healthz")
    assert response.status == 200


async def test_a_body_arriving_in_many_small_chunks_is_read_whole(bot: RunningBot) -> None:
    activity = _hello(bot, text="aide " + "é" * 20_000)
    payload = json.dumps(activity).encode()

    async def trickle() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]
            await asyncio.sleep(0)

    headers = {
        "Authorization": f"Bearer {bot.connector.sign(activity)}",
        "Content-Type": "application/json",
    }
    response = await bot.session.post(bot.url + "/api/messages", data=trickle(), headers=headers)
    assert response.status == 200


async def test_a_chunked_body_over_the_limit_is_413_without_a_length_header(
    bot: RunningBot,
) -> None:
    async def endless() -> AsyncIterator[bytes]:
        for _ in range(400):
            yield b" " * 1000

    headers = {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + bot.connector.sign(_hello(bot)),
    }
    response = await bot.session.post(bot.url + "/api/messages", data=endless(), headers=headers)
    assert response.status == 413
