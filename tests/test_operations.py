"""What the people running the bot read: the log as JSON lines for a collector."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import JsonFormatter
from tests.conftest import SECRETARIAT, RunningBot
from tests.support import activities
from tests.test_confidentiality import _invoke, _open_chat, _who


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines, as LOG_FORMAT=json configures it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_json_log_lines_name_the_activity_the_feature_and_the_duration(
    bot: RunningBot, json_lines: io.StringIO
) -> None:
    await _open_chat(bot, SECRETARIAT)
    activity = activities.message(bot.connector.service_url, "réunions", **_who(SECRETARIAT))
    assert (await bot.post(activity)).status == 200
    await _invoke(bot, SECRETARIAT, "confidentiality.table")
    answered = [line for line in _lines(json_lines) if line["message"].startswith("Answered")]
    typed = next(line for line in answered if line.get("activity") == activity["id"])
    assert typed["feature"] == "meetings" and typed["kind"] == "message"
    assert typed["outcome"] == 200 and isinstance(typed["duration_ms"], float)
    clicked = answered[-1]
    assert clicked["kind"] == "adaptiveCard/action" and clicked["feature"] == "confidentiality"
    for line in _lines(json_lines):
        assert {"time", "level", "logger", "message"} <= line.keys()


async def test_json_log_lines_name_the_outbox_message_delivered(
    bot: RunningBot, json_lines: io.StringIO
) -> None:
    await _open_chat(bot, SECRETARIAT)
    await bot.components.services.confidentiality.publish("Texte.", "Text.", SECRETARIAT.email)
    await bot.components.dispatcher.dispatch_due()
    delivered = [line for line in _lines(json_lines) if line["message"].startswith("Delivered")]
    assert delivered, "every delivery is logged"
    first = delivered[0]
    assert first["outbox"].startswith("confidentiality:") and first["feature"] == "confidentiality"
    assert first["outcome"] in ("sent", "skipped", "fanned_out", "postponed")
    assert isinstance(first["duration_ms"], float)
