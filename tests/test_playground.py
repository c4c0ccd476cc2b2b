"""End to end with the real Microsoft 365 Agents Playground (the Teams client we can run here).

The bot runs as `python -m bot run` in local mode; the Playground (Node.js, pinned in
playground/package.json) runs with the committee in playground/.m365agentsplayground.yml.
The tests drive the Playground through its HTTP API and read what it shows on its WebSocket.
Its user sends `locale: en-US`; French goes through a custom activity with `locale: fr-CA`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ROOT, ROSTER
from tests.support.cards import layout_problems, texts
from tests.support.postgres import free_port

pytestmark = pytest.mark.playground

PLAYGROUND_DIR = ROOT / "playground"
CLI = PLAYGROUND_DIR / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PERSONAL = "personal-chat-committee"
GROUP_CHAT = "group-chat-committee"
OUTSIDER_AAD = "00000000-0000-0000-0000-0000000000a5"
BOT_NAME = "Comité gouv. ouvert"
SECRETARIAT_USER = "user-id-0"
OUTSIDER_USER = "user-id-5"


def _wait_until(url: str, deadline: float, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


@dataclass
class Stack:
    playground: str
    bot: str
    # The bot's own folder (its database): what the command line of a test runs against.
    folder: Path
    bot_port: int

    def cli(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        """`python -m bot …` on this bot's database, as the secretariat would run it."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], env=_env(self.folder, self.bot_port),
            cwd=self.folder, capture_output=True, check=False,
        )  # fmt: skip


def _env(folder: Path, bot_port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'committee.db'}",
        "BOT_PORT": str(bot_port),
        # The scheduler ticks every second so a published commitment arrives at once.
        "BOT_REMINDER_POLL_SECONDS": "1",
        # The test's own file server (a loopback port chosen later), as Teams' SharePoint.
        "DOCUMENTS_DOWNLOAD_HOSTS": '["127.0.0.1"]',
    }


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class Playground:
    url: str
    bot_port: int
    template: Path


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """The Playground, started once, and a migrated database with the demo committee that each
    test copies: every test gets a bot of its own and passes alone or in any order."""
    node = shutil.which("node")
    if node is None or not CLI.exists():
        if os.environ.get("REQUIRE_PLAYGROUND") == "1":
            pytest.fail(
                "REQUIRE_PLAYGROUND=1 but Node.js or the pinned Playground is missing (make test installs it)"
            )
        pytest.skip("Node.js or the Agents Playground is not installed (make test installs it)")
    folder = tmp_path_factory.mktemp("playground")
    bot_port, playground_port = free_port(), free_port()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "members",
            "import",
            str(ROSTER),
            "--by",
            "camille.tremblay@sct.example.org",
        ],
        env=_env(folder, bot_port),
        cwd=folder,
        check=True,
        capture_output=True,
    )
    playground_log = (folder / "playground.log").open("wb")
    process = subprocess.Popen(
        [
            node,
            str(CLI),
            "start",
            "--disable-telemetry",
            "-c",
            "msteams",
            "-p",
            str(playground_port),
            "-e",
            f"http://127.0.0.1:{bot_port}/api/messages",
        ],
        cwd=PLAYGROUND_DIR,
        env={**_env(folder, bot_port), "TEAMSAPPTESTER_BROWSER": "none"},
        stdout=playground_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until(
            f"http://127.0.0.1:{playground_port}/_debug/ping", time.monotonic() + 60, process
        )
        yield Playground(f"http://127.0.0.1:{playground_port}", bot_port, folder / "committee.db")
    finally:
        _stop(process)
        playground_log.close()


@pytest.fixture
def stack(playground: Playground, tmp_path: Path) -> Iterator[Stack]:
    """A bot of this test's own (`python -m bot run`, local mode) behind the Playground."""
    shutil.copy(playground.template, tmp_path / "committee.db")
    bot_log = (tmp_path / "bot.log").open("wb")
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=_env(tmp_path, playground.bot_port),
        cwd=tmp_path,
        stdout=bot_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until(f"http://127.0.0.1:{playground.bot_port}/healthz", time.monotonic() + 60, bot)
        yield Stack(
            playground.url, f"http://127.0.0.1:{playground.bot_port}", tmp_path,
            playground.bot_port,
        )  # fmt: skip
    finally:
        _stop(bot)
        bot_log.close()


class PlaygroundClient:
    """Talks to the Playground as its web page does, and reads what the page would show."""

    def __init__(
        self, stack: Stack, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse
    ) -> None:
        self.stack = stack
        self.session = session
        self.ws = ws

    async def shown(self, count: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        """The next `count` messages the bot posted, as the Playground received them."""
        found: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"expected {count} messages, got {found}")
            try:
                frame = await self.ws.receive(timeout=remaining)
            except TimeoutError:
                continue
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            event = json.loads(frame.data)
            if event.get("action") == "createMessage":
                message = event["message"]
                if _unasked(message):
                    continue
                # Every card the Playground renders must read well at its width (no screenshot
                # needed: the rules are column counts and text lengths).
                for attachment in message.get("attachments") or []:
                    if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                        assert layout_problems(attachment["content"]) == []
                found.append(message)
        return found

    async def drain(self) -> None:
        while True:
            try:
                await self.ws.receive(timeout=0.5)
            except TimeoutError:
                return

    async def say(self, text: str) -> None:
        """What the person in the Playground types in their personal chat with the bot."""
        response = await self.session.post(
            f"{self.stack.playground}/_conversation/v1/conversations/{PERSONAL}/messages",
            json={"from": {"id": SECRETARIAT_USER}, "text": text, "textFormat": "plain"},
        )
        assert response.status == 200, await response.text()

    async def send_custom(self, text: str, conversation: str = PERSONAL, **fields: Any) -> None:
        """A message the Playground's own UI cannot send (another locale, another person),
        built on its template for that conversation and delivered by the Playground."""
        template = await self.session.get(
            f"{self.stack.playground}/_internal/v1/customActivities/template",
            params={"conversationId": conversation},
        )
        activity = await template.json()
        activity.update(type="message", text=text, id=str(uuid.uuid4()), locale="en-US")
        activity.update(fields)
        response = await self.session.post(
            f"{self.stack.playground}/_internal/v1/customActivities", json=activity
        )
        assert response.status == 200, await response.text()

    async def press(
        self,
        message: dict[str, Any],
        action: dict[str, Any],
        user: str = SECRETARIAT_USER,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Clicks a button of a card the Playground showed (it checks the message exists)."""
        value = {
            "action": {
                "type": "Action.Execute",
                "verb": action["verb"],
                "data": {**action.get("data", {}), **(data or {})},
            },
            "trigger": "manual",
        }
        response = await self.session.post(
            f"{self.stack.playground}/_conversation/v1/invoke",
            json={
                "name": "adaptiveCard/action",
                "value": value,
                "from": {"id": user},
                "conversation": {"id": PERSONAL},
                "replyToId": message["messageId"],
            },
        )
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        if answer.get("type") == "application/vnd.microsoft.card.adaptive":
            assert layout_problems(answer["value"]) == []
        return answer


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[PlaygroundClient]:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(
            f"{stack.playground}/_ws_conversation/v1/conversations/stream"
        )
        playground = PlaygroundClient(stack, session, ws)
        await playground.drain()
        yield playground
        await ws.close()


def _card(message: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = message["attachments"][0]["content"]
    return content


# Proactive cards the outbox sends the Playground's user whenever the scheduler's tick comes
# round (the demo committee's members owe a declaration from the start): they may land between
# any two steps of a flow, so a flow's replies are read without them.
# Cards the bot sends on its own, on its scheduler's ticks, whenever they fall: a test that
# waits for the answer to what it asked lets them pass.
UNASKED_TITLES = (
    "Your declaration of interests is due",
    "Votre déclaration d’intérêts est attendue",
    "Conflicts of interest for the meeting",
    "Conflits d’intérêts pour la réunion",
)


def _unasked(message: dict[str, Any]) -> bool:
    for attachment in message.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            shown = texts(attachment["content"])
            return bool(shown) and shown[0] in UNASKED_TITLES
    return False


async def _install(client: PlaygroundClient) -> dict[str, Any]:
    """Installs the app in the personal chat; Teams sends two activities, the bot greets once."""
    response = await client.session.post(
        f"{client.stack.playground}/_debug/conversation/{PERSONAL}/installation", json={}
    )
    assert response.status == 200
    [welcome] = await client.shown(1)
    return welcome


async def _publish(client: PlaygroundClient, text_fr: str, text_en: str) -> dict[str, Any]:
    """Publishes as the secretariat would: the form, its preview (the cards members will get,
    in French and English), then « Publish » on the preview; each answer replaces the form."""
    await client.say("confidentiality publish")
    [form] = await client.shown(1)
    typed = {
        "text_fr": text_fr,
        "text_en": text_en,
        "summary_fr": "Ce qui change.",
        "summary_en": "What changed.",
    }
    preview = await client.press(form, _card(form)["actions"][0], data=typed)
    assert texts(preview["value"])[0].startswith("Preview of version")
    previews = await client.shown(2)
    assert [texts(_card(m))[0].split(" — ")[0] for m in previews] == [
        "Engagement de confidentialité",
        "Confidentiality commitment",
    ]
    assert not any("actions" in _card(m) for m in previews), "the samples have no live button"
    publish = preview["value"]["actions"][0]
    assert publish["title"] == "Publish"
    done = await client.press(form, publish)
    assert texts(done["value"])[1] == "Published: the confirmation is further down."
    # The confirmation comes at the bottom of the conversation, where she is looking.
    [confirmation] = await client.shown(1)
    return {"value": _card(confirmation)}


async def test_installing_shows_the_welcome_card_once(client: PlaygroundClient) -> None:
    welcome = await _install(client)
    assert texts(_card(welcome))[:2] == [
        "Open Government Committee",
        "Hello Camille Tremblay, welcome!",
    ]
    # The next thing shown is the answer to what she types, not a second welcome.
    await client.say("help")
    [after] = await client.shown(1)
    assert texts(_card(after))[0] == "What I can do"


async def test_help_in_english_and_aide_in_french(client: PlaygroundClient) -> None:
    await client.say("help")
    [help_card] = await client.shown(1)
    assert "confidentiality status" in texts(_card(help_card))
    await client.send_custom("aide", locale="fr-CA")
    [aide] = await client.shown(1)
    shown = texts(_card(aide))
    assert shown[0] == "Ce que je peux faire"
    assert "confidentialité statut" in shown


async def test_a_card_button_round_trip(client: PlaygroundClient) -> None:
    welcome = await _install(client)
    answer = await client.press(welcome, _card(welcome)["actions"][0])
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    # The welcome keeps its text; help comes below it as a message of its own.
    assert texts(answer["value"]) == texts(_card(welcome))
    [help_message] = await client.shown(1)
    assert texts(_card(help_message))[0] == "What I can do"


async def test_a_stranger_in_a_group_chat_is_refused(client: PlaygroundClient) -> None:
    stranger = {"id": OUTSIDER_USER, "name": "Olivier Roy", "aadObjectId": OUTSIDER_AAD}
    await client.send_custom(f"<at>{BOT_NAME}</at> help", GROUP_CHAT, **{"from": stranger})
    [refusal] = await client.shown(1)
    shown = texts(_card(refusal))
    # French first, English below: the bot cannot know a stranger's language.
    assert shown[0] == "Accès réservé aux membres du comité"
    assert "Reserved for committee members" in shown
    assert "- [Camille Tremblay](mailto:camille.tremblay@sct.example.org)" in shown[-1].split("\n")


async def test_publish_receive_accept_and_the_card_updates(client: PlaygroundClient) -> None:
    answer = await _publish(
        client, "Je m’engage à « la discrétion ».", "I undertake to be discreet."
    )
    assert texts(answer["value"])[0] == "Version 1 published"
    # The bot's own scheduler delivers the commitment to her personal chat.
    [commitment] = await client.shown(1)
    card = _card(commitment)
    assert texts(card)[:2] == [
        "Confidentiality commitment — version 1",
        "I undertake to be discreet.",
    ]
    first = await client.press(commitment, card["actions"][0])
    again = await client.press(commitment, card["actions"][0])
    assert texts(first["value"])[1].startswith("Accepted on ")
    assert texts(again["value"])[1] == texts(first["value"])[1]


async def test_an_old_card_after_a_new_version_records_nothing(client: PlaygroundClient) -> None:
    await _publish(client, "Version un.", "Version one.")
    [old] = await client.shown(1)
    answer = await _publish(client, "Version deux.", "Version two.")
    assert texts(answer["value"])[0] == "Version 2 published"
    stale = await client.press(old, _card(old)["actions"][0])
    shown = texts(stale["value"])
    assert shown[1].startswith("This version was replaced by version 2")
    assert "Nothing was recorded" in shown[1]
    assert "actions" not in stale["value"], "no live button left on the old card"


async def test_the_secretariat_table(client: PlaygroundClient) -> None:
    await _publish(client, "Version un.", "Version one.")
    [commitment] = await client.shown(1)
    await client.press(commitment, _card(commitment)["actions"][0])
    await client.say("confidentiality status")
    [message] = await client.shown(1)
    table = _card(message)
    assert texts(table)[0] == "Confidentiality commitment follow-up"
    assert "Version 1 in force: 4 members pending out of 5." in texts(table)


async def test_schedule_a_meeting_get_the_invitation_and_answer_it(
    client: PlaygroundClient,
) -> None:
    """The secretariat schedules from the pre-filled card; the bot's own outbox brings her
    the invitation; she answers it; the list in French shows it with her buttons."""
    await client.say("schedule")
    [form] = await client.shown(1)
    values = {
        e["id"]: e.get("value") for e in _card(form)["body"] if e["type"].startswith("Input.")
    }
    typed = {**values, "agenda": "Action plan — Secretariat\nOther business"}
    done = await client.press(form, _card(form)["actions"][-1], data=typed)
    assert texts(done["value"])[0] == "Meeting scheduled"
    [invitation] = await client.shown(1)
    card = _card(invitation)
    assert texts(card)[0] == "You are invited to a committee meeting"
    attend = next(a for a in card["actions"] if a.get("data", {}).get("answer") == "present")
    answered = await client.press(invitation, attend)
    assert "You answered: attending." in texts(answered["value"])
    await client.send_custom("réunions", locale="fr-CA")
    [listed] = await client.shown(1)
    shown = texts(_card(listed))
    assert shown[0] == "Réunions du comité"
    assert "Action plan — Secretariat" in " ".join(shown)
    assert "meetings.attendance" in json.dumps(_card(listed)), "the secretariat's buttons"


async def test_declare_interests_then_see_every_version(client: PlaygroundClient) -> None:
    """In English (the Playground's locale): the form, a refusal that names the block, the
    declaration recorded, then an update that keeps the first version."""
    await client.say("declare")
    [form] = await client.shown(1)
    card = _card(form)
    assert texts(card)[0] == "Declaration of interests"
    submit = next(a for a in card["actions"] if a["verb"] == "declarations.submit")
    typed = {"kind_1": "board", "organisation_1": "Open data collective", "description_1": ""}
    refused = await client.press(form, submit, data=typed)
    assert "Interest 1: describe the interest." in texts(refused["value"])
    done = await client.press(form, submit, data={**typed, "description_1": "Board member"})
    assert "(version 1)" in " ".join(texts(done["value"]))
    again = await client.press(form, submit, data={"nothing": "true", "organisation_1": ""})
    assert "(version 2)" in " ".join(texts(again["value"]))
    await client.say("my declarations")
    [history] = await client.shown(1)
    shown = texts(_card(history))
    assert [line[:9] for line in shown if line.startswith("Version ")] == ["Version 2", "Version 1"]
    assert "I have no interest to declare" in shown


async def test_my_mandate_and_the_secretariats_tables(client: PlaygroundClient) -> None:
    """The Playground's user is a member of the secretariat (see playground/roster.csv)."""
    await client.say("my mandate")
    [mine] = await client.shown(1)
    shown = texts(_card(mine))
    assert shown[0] == "My mandate"
    await client.say("mandates")
    [table] = await client.shown(1)
    assert texts(_card(table))[0] == "Mandates"
    await client.say("composition")
    [seats] = await client.shown(1)
    assert texts(_card(seats))[0] == "Committee composition"
    await client.say("reminders")
    [overview] = await client.shown(1)
    assert texts(_card(overview))[0] == "The bot’s reminders and messages"


async def test_share_a_file_then_open_it_from_the_list(client: PlaygroundClient) -> None:
    """A file attached as Teams sends it (its download URL on a loopback host); the sharer's
    card, then the bot's own confirmation, then `documents` with a personal signed link that
    opens the very bytes."""
    from tests.support.graph import LoopbackGraph

    await client.say("documents")
    [empty] = await client.shown(1)
    assert "No document has been shared yet." in texts(_card(empty))[1]
    files = LoopbackGraph("unused", "unused")
    await files.start()
    try:
        content = b"%PDF-1.7 ordre du jour"
        attachment = {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": "Ordre du jour.pdf",
            "content": {
                "downloadUrl": files.offer_file("Ordre du jour.pdf", content),
                "fileType": "pdf",
            },
        }
        await client.send_custom("", attachments=[attachment])
        [form] = await client.shown(1)
        card = _card(form)
        assert texts(card)[0] == "Share “Ordre du jour.pdf”"
        answer = await client.press(
            form,
            card["actions"][0],
            data={"place": "general", "confidential": "true", "description": "For Wednesday."},
        )
        assert texts(answer["value"])[0] == "Sending “Ordre du jour.pdf”"
        [stored] = await client.shown(1)
        assert texts(_card(stored))[0] == "“Ordre du jour.pdf” is shared"
        await client.say("documents")
        [listed] = await client.shown(1)
        shown = _card(listed)
        assert "For Wednesday." in texts(shown)
        [link] = [
            a["url"]
            for e in shown["body"]
            if e.get("type") == "ActionSet"
            for a in e["actions"]
            if a["type"] == "Action.OpenUrl"
        ]
        async with client.session.get(link) as response:
            assert response.status == 200 and await response.read() == content
    finally:
        await files.stop()


async def test_the_secretariat_opens_a_consultation_and_reads_it(client: PlaygroundClient) -> None:
    """The open form as the Playground renders it, filled and sent; then the round's items
    waiting for comments; then the list again."""
    await client.say("consultation")
    [overview] = await client.shown(1)
    card = _card(overview)
    assert texts(card)[0] == "Action-plan consultations"
    open_button = next(
        a for e in card["body"] if e.get("type") == "ActionSet" for a in e["actions"]
        if a["verb"] == "consultation.open_form"
    )  # fmt: skip
    form = await client.press(overview, open_button)
    values = {
        e["id"]: e.get("value") for e in form["value"]["body"] if e["type"].startswith("Input.")
    }
    typed = {
        **values,
        "title": "Action plan 2027-2029 — proposed commitments",
        "items": "1. Open contracts\nPublish every contract.\n\n2. Lobbyists registry",
    }
    opened = await client.press(overview, form["value"]["actions"][0], data=typed)
    assert texts(opened["value"])[0] == "Consultation opened"
    said = " ".join(texts(opened["value"]))
    # Honest numbers: only the Playground's user has a chat with the bot, and she is on the
    # secretariat (who does not comment); the three members get it when they arrive.
    assert "The consultation is now going to 0 members." in said
    assert "3 members cannot be reached yet" in said
    review = await client.press(overview, opened["value"]["actions"][0])
    shown = texts(review["value"])
    assert "1. Open contracts" in shown and shown.count("0 comments") == 2
    # The same word in both languages: her language (English, chosen by typing) stays.
    await client.send_custom("consultation", locale="fr-CA")
    [listed] = await client.shown(1)
    assert texts(_card(listed))[0] == "Action-plan consultations"
    assert "Action plan 2027-2029 — proposed commitments" in texts(_card(listed))


async def test_the_secretariat_records_an_action_item_and_its_owner_answers_it(
    client: PlaygroundClient,
) -> None:
    """`actions`, *Add an action item*, the form as the Playground renders it; the item reaches
    its owner (herself here) through the outbox; she says where it stands from the card."""
    await client.say("actions")
    [listed] = await client.shown(1)
    assert texts(_card(listed))[:2] == ["Open action items", "No open action item."]
    form = await client.press(listed, _card(listed)["actions"][0])
    owner = next(e for e in form["value"]["body"] if e.get("id") == "owner")
    camille = next(c["value"] for c in owner["choices"] if c["title"].startswith("Camille"))
    typed = {"what": "Send the list of priority datasets", "owner": camille,
             "due": time.strftime("%Y-%m-%d", time.localtime(time.time() + 20 * 86400)),
             "meeting": ""}  # fmt: skip
    added = await client.press(listed, form["value"]["actions"][0], data=typed)
    assert texts(added["value"])[0] == "Action item saved"
    assert "Camille Tremblay is told in their chat with the bot." in texts(added["value"])
    [assigned] = await client.shown(1)
    card = _card(assigned)
    assert texts(card)[0] == "An action item is yours"
    saved = await client.press(
        assigned, card["actions"][0], data={"status": "en_cours", "note": ""}
    )
    assert "Saved. The secretariat sees it in its follow-up." in texts(saved["value"])
    assert "Status: ◐ In progress" in texts(saved["value"])


async def test_draft_minutes_are_submitted_to_the_members(client: PlaygroundClient) -> None:
    """A meeting held last week (written as the after-meeting form leaves it): `minutes`
    lists it, *Submit the draft* sends it, with honest counts of who is told now."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    held = datetime.now(UTC) - timedelta(days=7)
    with sqlite3.connect(client.stack.folder / "committee.db") as db:
        db.execute(
            "INSERT INTO meetings (title, kind, day, start, minutes, starts_at, note, status,"
            " calendar, created_by, created_at, revision, minutes_url) VALUES"
            " ('Regular meeting', 'reguliere', ?, '13:30', 120, ?, '', 'scheduled', 'none',"
            " 'camille.tremblay@sct.example.org', ?, 0, ?)",
            (held.date().isoformat(), held.replace(tzinfo=None).isoformat(" "),
             held.replace(tzinfo=None).isoformat(" "),
             "https://contoso.sharepoint.com/sites/cgo/minutes-draft.docx"),
        )  # fmt: skip
    await client.say("minutes")
    [listed] = await client.shown(1)
    assert texts(_card(listed))[0] == "Minutes"
    assert "Not yet submitted to the members" in texts(_card(listed))
    submit = next(a for e in _card(listed)["body"] if e.get("type") == "ActionSet" for a in e["actions"])  # fmt: skip
    form = await client.press(listed, submit)
    values = {e["id"]: e.get("value") for e in form["value"]["body"] if "id" in e}
    assert values["url"].endswith("minutes-draft.docx"), "the link recorded after the meeting"
    opened = await client.press(listed, form["value"]["actions"][0], data=values)
    said = texts(opened["value"])
    assert said[0] == "Draft submitted to the members"
    # Only the Playground's user (the secretariat, who does not correct) has a chat open.
    assert "0 members are told now." in said
    assert "3 members have not opened the chat with the bot yet: the draft will wait for them." in said  # fmt: skip


async def test_the_plan_is_imported_then_a_member_comments_a_commitment(
    client: PlaygroundClient, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(
        "# Action plan 2026-2028\n\n## 1. Open contracts\nResponsable : Treasury Board\n"
        "Publish every contract.\n- 2027-03-31 : Publish the inventory\n",
        encoding="utf-8",
    )
    imported = client.stack.cli("commitments", "import", str(plan), "--by", "camille.tremblay@sct.example.org")  # fmt: skip
    assert imported.returncode == 0, imported.stderr.decode()
    await client.say("commitments")
    [listed] = await client.shown(1)
    card = _card(listed)
    assert texts(card)[:2] == ["The action plan’s commitments", "**Action plan 2026-2028**"]
    [choice] = [e for e in card["body"] if e.get("id") == "commitment"]
    shown = await client.press(listed, card["actions"][0], data={"commitment": choice["choices"][0]["value"]})  # fmt: skip
    assert texts(shown["value"])[0] == "1. Open contracts"
    assert "Completion level: ○ Not started" in texts(shown["value"])
    comment = shown["value"]["actions"][0]
    said = await client.press(listed, comment, data={"kind": "solution", "text": "Publish the amendments too."})  # fmt: skip
    assert "Comment saved; the secretariat is told and will answer it." in texts(said["value"])


@pytest.mark.parametrize(
    ("who", "name"),
    [("membre", "Amélie Côté"), ("inconnu", "Olivier Roy"), ("secretariat", "Camille Tremblay")],
)
def test_make_run_as_another_person_swaps_the_playgrounds_user(who: str, name: str) -> None:
    """`make run AS=…`: the person becomes the current user and Camille one of the users, so
    every id stays unique (the Playground exits on a duplicate)."""
    made = subprocess.run(
        [sys.executable, str(PLAYGROUND_DIR / "as_user.py"), who],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    current = made.split("currentUser:\n", 1)[1].split("users:\n", 1)[0]
    assert f"  name: {name}\n" in current
    ids = re.findall(r"id: (user-id-\d+)", made)
    assert sorted(ids) == [f"user-id-{n}" for n in range(6)], "each person once"
