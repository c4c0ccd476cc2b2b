"""The Graph client against a loopback Graph that throttles, refuses, fails and vanishes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.graph import build_graph
from bot.graph.client import (
    GraphClient,
    GraphPermissionDenied,
    GraphThrottled,
    GraphUnavailable,
)
from bot.oauth import ClientSecretToken
from bot.settings import load_settings
from tests.support.graph import LoopbackGraph

CLIENT_ID = "5d1a2b3c-0000-4000-8000-00000000a001"
SECRET = "graph-secret"
ORGANIZER = "secretariat@sct.example.org"
CALENDARS = "Calendars.ReadWrite"


def _event(transaction: str = "meeting-1") -> dict[str, Any]:
    return {
        "subject": "Réunion régulière du comité",
        "body": {"contentType": "html", "content": "<p>Ordre du jour</p>"},
        "start": {"dateTime": "2027-01-20T13:30:00", "timeZone": "America/Toronto"},
        "end": {"dateTime": "2027-01-20T15:30:00", "timeZone": "America/Toronto"},
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "attendees": [
            {"emailAddress": {"address": "amelie@x.org", "name": "Amélie"}, "type": "required"}
        ],
        "transactionId": transaction,
    }


@pytest.fixture
async def graph() -> AsyncIterator[LoopbackGraph]:
    loopback = LoopbackGraph(CLIENT_ID, SECRET)
    await loopback.start()
    yield loopback
    await loopback.stop()


class Pauses:
    """Stands for asyncio.sleep: records each pause and yields without waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def _client(graph: LoopbackGraph, session: aiohttp.ClientSession, pauses: Pauses) -> GraphClient:
    token = ClientSecretToken(
        session, graph.token_url, CLIENT_ID, SECRET, "https://graph.microsoft.com/.default"
    )
    return GraphClient(session, token, graph.api_url, sleep=pauses)


async def _create(client: GraphClient, transaction: str = "meeting-1") -> Any:
    return await client.request(
        "POST",
        f"/users/{ORGANIZER}/events",
        json=_event(transaction),
        mailbox=ORGANIZER,
        permission=CALENDARS,
    )


async def test_an_event_is_created_with_one_token_for_many_calls(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    client = _client(graph, session, Pauses())
    created = await _create(client)
    assert created.status == 201
    assert created.body["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/")
    again = await _create(client)  # the same transactionId: Graph gives the same event
    assert again.body["id"] == created.body["id"]
    assert len(graph.events) == 1
    assert graph.token_requests == 1, "the token is kept until shortly before it expires"


async def test_a_throttled_call_waits_as_graph_says_then_succeeds(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    pauses = Pauses()
    graph.fail_next(429, retry_after=2)
    graph.fail_next(503, retry_after=3)
    created = await _create(_client(graph, session, pauses))
    assert created.status == 201
    assert pauses.seconds == [2.0, 3.0]


async def test_a_long_retry_after_is_handed_back_not_slept_on(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    pauses = Pauses()
    graph.fail_next(429, retry_after=120)
    with pytest.raises(GraphThrottled) as raised:
        await _create(_client(graph, session, pauses))
    assert raised.value.retry_after == 120
    assert pauses.seconds == []


async def test_server_errors_are_tried_again_with_growing_pauses_then_given_up(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    pauses = Pauses()
    graph.fail_next(500, count=4)
    with pytest.raises(GraphUnavailable):
        await _create(_client(graph, session, pauses))
    assert len(pauses.seconds) == 3
    assert pauses.seconds == sorted(pauses.seconds) and pauses.seconds[0] >= 0.5
    graph.fail_next(500, count=2)
    assert (await _create(_client(graph, session, pauses), "meeting-2")).status == 201


async def test_a_refusal_names_the_permission_to_grant(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    graph.fail_next(403)
    with pytest.raises(GraphPermissionDenied) as raised:
        await _create(_client(graph, session, Pauses()))
    assert raised.value.permission == CALENDARS
    assert "Calendars.ReadWrite" in str(raised.value)
    assert graph.events == {}, "nothing created"


async def test_an_unreachable_graph_says_so(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    await graph.vanish()
    client = _client(graph, session, Pauses())
    with pytest.raises(GraphUnavailable):
        await _create(client)
    await graph.come_back()
    assert (await _create(client)).status == 201


async def test_a_request_graph_would_refuse_is_refused_here_too(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    """The loopback checks the wire format, so a wrong property fails a test, not production."""
    client = _client(graph, session, Pauses())
    wrong = {**_event(), "onlineMeetingProvider": "teams"}
    response = await session.post(
        graph.api_url + f"/users/{ORGANIZER}/events",
        json=wrong,
        headers={"Authorization": "Bearer loopback-graph-token"},
    )
    assert response.status == 400
    assert (await _create(client)).status == 201


async def test_at_most_four_requests_are_in_flight_for_one_mailbox(
    graph: LoopbackGraph, session: aiohttp.ClientSession
) -> None:
    graph.delay = 0.05
    client = _client(graph, session, Pauses())
    await asyncio.gather(*(_create(client, f"meeting-{n}") for n in range(12)))
    assert graph.most_in_flight[ORGANIZER] == 4
    assert len(graph.events) == 12


def test_graph_is_on_only_with_credentials_which_default_to_the_bots() -> None:
    local = load_settings()
    assert local.graph_credential is None
    developer = load_settings(GRAPH_CLIENT_ID=CLIENT_ID, GRAPH_CLIENT_SECRET=SECRET)
    assert developer.graph_credential is not None
    assert (developer.graph_credential.client_id, developer.graph_credential.secret) == (
        CLIENT_ID,
        SECRET,
    )
    assert developer.graph_token_url.startswith("https://login.microsoftonline.com/")
    bot = load_settings(
        MicrosoftAppId=CLIENT_ID,
        MicrosoftAppPassword=SECRET,
        MicrosoftAppTenantId="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    )
    assert bot.graph_credential is not None
    assert (bot.graph_credential.client_id, bot.graph_credential.secret) == (CLIENT_ID, SECRET)
    assert "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" in bot.graph_token_url


async def test_without_credentials_no_graph_client_is_built() -> None:
    async with aiohttp.ClientSession() as session:
        assert build_graph(load_settings(), session) is None
        settings = load_settings(GRAPH_CLIENT_ID=CLIENT_ID, GRAPH_CLIENT_SECRET=SECRET)
        assert isinstance(build_graph(settings, session), GraphClient)
