"""What the people running the bot read: the log as JSON lines for a collector, and the
metrics on a listener of their own."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bot.graph.client import GraphClient
from bot.logs import JsonFormatter
from bot.metrics import Metrics
from bot.oauth import ClientSecretToken
from bot.settings import ConfigurationError, load_settings
from tests.conftest import (
    APP_ID,
    APP_PASSWORD,
    SECRETARIAT,
    RunningBot,
    import_roster,
    serve,
    signed_settings,
)
from tests.support import activities
from tests.support.connector import LoopbackConnector
from tests.support.graph import LoopbackGraph
from tests.support.postgres import free_port
from tests.test_confidentiality import _invoke, _open_chat, _who
from tests.test_meetings import GROUP


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


async def _scrape(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.text()


def _value(page: str, name: str) -> float:
    """The value of one sample (`name` with its labels, as the page writes it)."""
    for line in page.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not on the page")


async def test_metrics_are_on_a_loopback_listener_of_their_own(
    connector: LoopbackConnector, sqlite_url: str
) -> None:
    await import_roster(sqlite_url)
    port = free_port()
    settings = signed_settings(connector, sqlite_url, METRICS_PORT=port)
    async with serve(settings, connector) as bot:
        assert (await bot.session.get(bot.url + "/metrics")).status == 404, "not on the public one"
        await _open_chat(bot, SECRETARIAT)
        activity = activities.message(bot.connector.service_url, "aide", **_who(SECRETARIAT))
        assert (await bot.post(activity)).status == 200
        made_up = {**activity, "type": "invoke", "name": "made/up-" + "x" * 40, "id": "odd-1"}
        await bot.post(made_up)
        await bot.components.services.confidentiality.publish("Texte.", "Text.", SECRETARIAT.email)
        connector.fail_next(429, retry_after=0.01)
        await bot.components.dispatcher.dispatch_due()  # Teams says 429 to the first send
        bot.clock.advance(seconds=2)
        await bot.components.dispatcher.dispatch_due()  # after Retry-After: sent
        await bot.components.dispatcher.waiting_since()
        page = await _scrape(f"http://127.0.0.1:{port}/metrics")
    assert _value(page, 'committee_turn_seconds_count{kind="message"}') >= 1
    assert _value(page, 'committee_turn_seconds_count{kind="other"}') == 1
    assert "made/up" not in page, "no label a client makes up"
    assert _value(page, 'committee_outbox_deliveries_total{outcome="sent"}') >= 1
    assert _value(page, 'committee_outbox_deliveries_total{outcome="throttled"}') == 1
    assert "committee_outbox_due_messages " in page
    assert "committee_outbox_oldest_due_seconds " in page


async def test_graph_responses_are_counted_by_status(graph: LoopbackGraph) -> None:
    metrics = Metrics()
    async with aiohttp.ClientSession() as session:
        token = ClientSecretToken(
            session, graph.token_url, APP_ID, APP_PASSWORD, "https://graph.microsoft.com/.default"
        )
        client = GraphClient(session, token, graph.api_url, sleep=_no_pause, metrics=metrics)
        graph.fail_next(503, retry_after=0)
        await client.request("GET", f"/groups/{GROUP}/drive")
    page = metrics.page().decode()
    assert _value(page, 'committee_graph_responses_total{status="503"}') == 1
    assert _value(page, 'committee_graph_responses_total{status="200"}') == 1


async def _no_pause(seconds: float) -> None:
    return None


def test_metrics_never_share_the_public_port() -> None:
    with pytest.raises(ConfigurationError, match="METRICS_PORT"):
        load_settings(BOT_PORT=3978, METRICS_PORT=3978)
