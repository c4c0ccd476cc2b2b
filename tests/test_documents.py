"""Documents: a file or link shared in personal chat, filed in the team's SharePoint library
(a loopback Graph that speaks its drive API, upload sessions included) or, in local mode,
under the data directory behind signed links; opened only by those entitled."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.domain.members import Member, Role, SeatCategory
from bot.features.declarations.rules import Conflict, ItemAnswer
from bot.features.documents import tables as documents_tables
from bot.features.documents.files import DownloadPolicy, _PublicOnlyResolver
from bot.features.documents.rules import (
    Denial,
    Document,
    DocumentStatus,
    Entitlement,
    SourceRefused,
    StoredIn,
    clean_name,
    denial,
    folder_for,
    fragments,
    link_signature,
    resume_at,
)
from bot.features.meetings.rules import AgendaItem, MeetingKind, MeetingPlan
from bot.settings import load_settings
from bot.storage import tables
from bot.storage.repositories import MemberRepository
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
from tests.support.graph import LoopbackGraph
from tests.test_confidentiality import _invoke, _open_chat, _who
from tests.test_meetings import GROUP, TEAM, _install_in_team

DOCX = b"PK\x03\x04 ordre du jour " * 100
DAY = date(2030, 11, 6)
FOLDER = "Réunions/2030-11-06 — Réunion régulière"


@pytest.fixture
async def bot_with_graph(
    connector: LoopbackConnector, database_url: str, graph: LoopbackGraph
) -> AsyncIterator[RunningBot]:
    await import_roster(database_url)
    settings = signed_settings(
        connector,
        database_url,
        GRAPH_BASE_URL=graph.api_url,
        GRAPH_TOKEN_URL=graph.token_url,
        DOCUMENTS_MAX_MB=20,
        DOCUMENTS_DOWNLOAD_HOSTS=_files_host(graph),
    )
    async with serve(settings, connector) as running:
        await _committee(running)
        yield running


def _files_host(files: LoopbackGraph) -> list[str]:
    """The loopback server handing files out, allowed by its exact address and port (as an
    administrator would name a host the bot may download from)."""
    return [urlsplit(files.base_url).netloc]


@pytest.fixture
async def local_bot(
    connector: LoopbackConnector, database_url: str, graph: LoopbackGraph
) -> AsyncIterator[RunningBot]:
    """Local mode, no Graph: files under the data directory, served at signed links."""
    await import_roster(database_url)
    settings = load_settings(DATABASE_URL=database_url, DOCUMENTS_DOWNLOAD_HOSTS=_files_host(graph))
    async with serve(settings, connector) as running:
        await _committee(running)
        yield running


async def _committee(bot: RunningBot) -> None:
    await _install_in_team(bot, SECRETARIAT)
    for user in (MEMBER, SECRETARIAT):
        await _open_chat(bot, user)
    bot.connector.clear()


async def _member(bot: RunningBot, email: str) -> Member:
    async with bot.database.read() as conn:
        found = await MemberRepository().by_email(conn, email)
    assert found is not None
    return found


async def _meeting(bot: RunningBot) -> int:
    camille = await _member(bot, SECRETARIAT.email)
    plan = MeetingPlan(
        "Réunion régulière",
        MeetingKind.REGULAR,
        DAY,
        time(13, 30),
        120,
        [AgendaItem("Plan d’action"), AgendaItem("Varia")],
    )
    outcome = await bot.components.services.meetings.schedule(plan, camille)
    assert outcome.meeting is not None
    bot.clock.now = min(bot.clock.now, outcome.meeting.starts_at - timedelta(days=30))
    # Its announcements out of the way: the tests look at what documents send.
    await bot.components.dispatcher.dispatch_due()
    bot.connector.clear()
    return outcome.meeting.id


def _file_message(bot: RunningBot, user: Any, name: str, url: str, **extra: Any) -> dict[str, Any]:
    activity = activities.message(bot.connector.service_url, "", **_who(user, **extra))
    activity["attachments"] = [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/x/{name}",
            "name": name,
            "content": {"downloadUrl": url, "uniqueId": "1a2b", "fileType": name.rsplit(".")[-1]},
        }
    ]
    return activity


async def _send_file(
    bot: RunningBot, files: LoopbackGraph, user: Any, name: str, content: bytes, **extra: Any
) -> dict[str, Any]:
    """The member attaches a file in personal chat: the bot answers with the sharer's card."""
    bot.connector.clear()
    url = files.offer_file(name, content)
    assert (await bot.post(_file_message(bot, user, name, url, **extra))).status == 200
    [form] = bot.connector.cards(f"personal-{user.id}")
    return form


def _choice(form: dict[str, Any], starts: str) -> str:
    [places] = [e for e in form["body"] if e.get("id") == "place"]
    return str(next(c["value"] for c in places["choices"] if c["title"].startswith(starts)))


async def _share(
    bot: RunningBot,
    user: Any,
    form: dict[str, Any],
    place: str,
    confidential: bool = False,
    description: str = "",
    **extra: Any,
) -> dict[str, Any]:
    [button] = form["actions"]
    data = {
        **button["data"],
        "place": place,
        "confidential": "true" if confidential else "false",
        "description": description,
    }
    answer = await _invoke(bot, user, button["verb"], data, **extra)
    await bot.components.services.documents.settle()
    await bot.components.dispatcher.dispatch_due()
    return answer


async def _documents(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        return [
            dict(r) for r in (await conn.execute(select(documents_tables.documents))).mappings()
        ]


async def _audit(bot: RunningBot, action: str) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        query = select(tables.audit_log).where(tables.audit_log.c.action == action)
        return [dict(r) for r in (await conn.execute(query)).mappings()]


def _announced(bot: RunningBot) -> list[dict[str, Any]]:
    """The documents announced in the committee's channel (not its meetings)."""
    return [c for c in bot.connector.cards(TEAM) if texts(c)[0] == "Nouveau document"]


def _open_url(card: dict[str, Any]) -> list[str]:
    found = [a for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    for element in card["body"]:
        if element.get("type") == "ActionSet":
            found += [a for a in element["actions"] if a.get("type") == "Action.OpenUrl"]
    return [a["url"] for a in found]


async def _list(bot: RunningBot, user: Any, **extra: Any) -> dict[str, Any]:
    bot.connector.clear()
    activity = activities.message(bot.connector.service_url, "documents", **_who(user, **extra))
    assert (await bot.post(activity)).status == 200
    [card] = bot.connector.cards(f"personal-{user.id}")
    return card


# --- with SharePoint -----------------------------------------------------------------------


async def test_a_shared_file_lands_in_its_meetings_folder_and_the_channel_is_told(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    await _meeting(bot)
    form = await _send_file(bot, graph, MEMBER, "Ordre du jour.docx", DOCX)
    shown = texts(form)
    assert shown[0] == "Partager «\u00a0Ordre du jour.docx\u00a0»"
    place = _choice(form, "Réunion régulière")
    item = _choice(form, "Réunion régulière — 6 nov. 2030 · point\u00a0: Varia")
    answer = await _share(bot, MEMBER, form, item, description="Pour le point Varia.")
    assert texts(answer)[0] == "Envoi de «\u00a0Ordre du jour.docx\u00a0»"
    assert place != item

    stored = graph.file_at(f"{FOLDER}/Ordre du jour.docx")
    assert stored is not None and stored.content == DOCX, "the very bytes, in the meeting's folder"
    assert graph.permissions[stored.id] == {f"link-{stored.id}": "organization"}
    [channel] = _announced(bot)
    assert texts(channel)[0] == "Nouveau document" and "New document" in texts(channel)
    assert "Ordre du jour.docx" in texts(channel) and "Point\u00a0: Varia" in texts(channel)
    assert _open_url(channel)[0] == f"{graph.base_url}/org-link/{stored.id}"
    *_, notice = bot.connector.cards(f"personal-{MEMBER.id}")
    assert [texts(c)[0] for c in bot.connector.cards(f"personal-{MEMBER.id}")][:-1] == [
        "Partager «\u00a0Ordre du jour.docx\u00a0»"
    ]
    assert texts(notice)[0] == "«\u00a0Ordre du jour.docx\u00a0» est partagé"
    [shared] = await _audit(bot, "document.shared")
    assert hashlib.sha256(DOCX).hexdigest() in shared["details"]

    again = await _share(bot, MEMBER, form, item)
    assert "déjà" in " ".join(texts(again)), "a second click shares nothing twice"
    listed = await _list(bot, SECRETARIAT)
    assert "Ordre du jour.docx" in texts(listed) and "Pour le point Varia." in texts(listed)
    assert _open_url(listed) == [f"{graph.base_url}/org-link/{stored.id}"]
    assert len(_announced(bot)) == 0, "the channel was told once"


async def test_folders_are_made_once_and_a_name_clash_renames_never_overwrites(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    await _meeting(bot)
    for content in (b"first", b"second"):
        form = await _send_file(bot, graph, MEMBER, "Notes.docx", content)
        await _share(bot, MEMBER, form, _choice(form, "Réunion régulière"))
    first, second = graph.file_at(f"{FOLDER}/Notes.docx"), graph.file_at(f"{FOLDER}/Notes 1.docx")
    assert first is not None and first.content == b"first"
    assert second is not None and second.content == b"second"
    made = [c for c in graph.calls if c.method == "POST" and c.path.endswith("/children")]
    assert [c.body["name"] for c in made] == ["Réunions", "2030-11-06 — Réunion régulière"]
    assert [d["name"] for d in await _documents(bot)] == ["Notes.docx", "Notes 1.docx"]


async def test_a_large_file_goes_in_fragments_and_resumes_after_a_failed_one(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    content = bytes(range(256)) * (7 * 4096 + 3)  # 7 MB and a bit: three fragments
    graph.fragment_faults = [0, 503]  # the second fragment fails once
    form = await _send_file(bot, graph, MEMBER, "Annexe.pdf", content)
    await _share(bot, MEMBER, form, "general")
    stored = graph.file_at("Général/Annexe.pdf")
    assert stored is not None and stored.content == content
    unit = 320 * 1024
    assert all(auth is None for *_, auth in graph.fragments), "no Graph token to another host"
    for first, last, total, _ in graph.fragments:
        assert total == len(content)
        assert last + 1 == total or (last - first + 1) % unit == 0
    starts = [first for first, *_ in graph.fragments]
    assert starts[1] == starts[2], "the failed fragment was sent again from where Graph stood"
    assert [d["status"] for d in await _documents(bot)] == ["ready"]


async def test_a_failed_upload_lists_nothing_and_is_retried_from_the_card(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    form = await _send_file(bot, graph, MEMBER, "Budget.xlsx", b"cells")
    graph.fail_next(503, count=12, retry_after=0)
    bot.connector.clear()
    await _share(bot, MEMBER, form, "general")
    [failed] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(failed)[0] == "L’envoi de «\u00a0Budget.xlsx\u00a0» a échoué"
    assert _announced(bot) == []
    assert "Budget.xlsx" not in texts(await _list(bot, MEMBER))
    graph.faults.clear()
    [retry] = failed["actions"]
    bot.connector.clear()
    answer = await _invoke(bot, MEMBER, retry["verb"], retry["data"])
    assert texts(answer)[0] == "Envoi de «\u00a0Budget.xlsx\u00a0»"
    await bot.components.services.documents.settle()
    await bot.components.dispatcher.dispatch_due()
    assert graph.file_at("Général/Budget.xlsx") is not None
    assert len(_announced(bot)) == 1


async def test_graph_throttling_is_waited_out_and_a_refused_permission_is_named(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    form = await _send_file(bot, graph, MEMBER, "Un.docx", b"1")
    graph.fail_next(429, count=2, retry_after=0)
    await _share(bot, MEMBER, form, "general")
    assert graph.file_at("Général/Un.docx") is not None, "429 with Retry-After: waited, then done"
    form = await _send_file(bot, graph, MEMBER, "Deux.docx", b"2")
    graph.fail_next(403)
    bot.connector.clear()
    await _share(bot, MEMBER, form, "general")
    [refused] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert "(Files.ReadWrite.All)" in texts(refused)[1]
    assert [d["status"] for d in await _documents(bot)] == ["ready", "failed"]


async def test_refused_files_say_why_and_nobody_uses_anothers_draft(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    refused = await _send_file(bot, graph, MEMBER, "outil.exe", b"MZ")
    assert texts(refused)[0] == "Document non partagé"
    assert "type de fichier n’est pas accepté" in texts(refused)[1]
    form = await _send_file(bot, graph, MEMBER, "Notes.docx", b"x")
    forged = await _share(bot, SECRETARIAT, form, "general")
    assert "pas le vôtre" in " ".join(texts(forged))
    too_long = await _share(bot, MEMBER, form, "general", description="x" * 501)
    assert "La description dépasse 500\u00a0caractères." in texts(too_long)
    assert [d["status"] for d in await _documents(bot)] == ["draft"]
    large = await _send_file(bot, graph, MEMBER, "Vidéo.png", b"\0" * (21 * 1024 * 1024))
    bot.connector.clear()
    await _share(bot, MEMBER, large, "general")
    [too_large] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert "taille maximale de 20\u00a0Mo" in " ".join(texts(too_large))
    assert "actions" not in too_large, "trying again would not help"
    assert graph.file_at("Général/Vidéo.png") is None


async def test_confidential_access_follows_commitments_conflicts_and_mandates(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    services = bot.components.services
    meeting_id = await _meeting(bot)
    await services.confidentiality.publish("Je m’engage.", "I commit.", SECRETARIAT.email)
    form = await _send_file(bot, graph, SECRETARIAT, "Avis juridique.pdf", b"%PDF secret")
    await _share(bot, SECRETARIAT, form, _choice(form, "Réunion régulière — 6 nov. 2030 · point\u00a0: Varia"), confidential=True)  # fmt: skip
    stored = graph.file_at(f"Confidentiel/{FOLDER}/Avis juridique.pdf")
    assert stored is not None

    def invited() -> set[str]:
        return set(graph.permissions.get(stored.id, {}).values())

    clerks = {"camille.tremblay@sct.example.org", "mathieu.gagnon@sct.example.org"}
    assert invited() == clerks, "no organisation link; the secretariat only, nobody else yet"
    [warning] = [
        c for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")
        if texts(c)[0] == "Dossier confidentiel ouvert à toute l’équipe"
    ]  # fmt: skip
    assert "Arrêter l’héritage" in texts(warning)[2], "the library still lets the team in"
    confidential_folder = graph.file_at("Confidentiel")
    assert confidential_folder is not None
    graph.inheritance_stopped.add(confidential_folder.id)  # a site owner closed it
    bot.connector.clear()
    form = await _send_file(bot, graph, SECRETARIAT, "Annexe.pdf", b"%PDF")
    await _share(bot, SECRETARIAT, form, "general", confidential=True)
    assert not any(texts(c)[0].startswith("Dossier confidentiel") for c in bot.connector.cards()), (
        "a closed folder raises no alarm"
    )
    amelie = await _member(bot, MEMBER.email)
    listed = await _list(bot, MEMBER)
    assert "Confidentiel\u00a0: acceptez l’engagement de confidentialité en vigueur pour l’ouvrir." in texts(listed)  # fmt: skip
    assert _open_url(listed) == []

    await services.confidentiality.accept(amelie, 1, "fr-CA", "a-1")
    assert await services.documents.reconcile() == 2, "both confidential documents"
    assert invited() == clerks | {MEMBER.email}
    assert stored.json(graph.base_url)["webUrl"] in _open_url(await _list(bot, MEMBER))

    await services.confidentiality.publish("Je m’engage, v2.", "I commit, v2.", SECRETARIAT.email)
    await services.documents.reconcile()
    assert invited() == clerks, "a new version withdraws until accepted again"
    await services.confidentiality.accept(amelie, 2, "fr-CA", "a-2")
    await services.documents.reconcile()
    assert MEMBER.email in invited()

    declared = await services.declarations.declare_for_meeting(
        amelie,
        meeting_id,
        [
            ItemAnswer("Plan d’action", Conflict.NONE),
            ItemAnswer("Varia", Conflict.DIRECT, "Mon employeur est visé."),
        ],
    )
    assert declared.kind == "recorded", declared.problems
    await services.documents.reconcile()
    assert invited() == clerks, "a conflict on the item withdraws"
    assert "vous avez déclaré un conflit d’intérêts sur ce point" in " ".join(
        texts(await _list(bot, MEMBER))
    )
    bot.clock.now = bot.clock.now.replace(year=2027, month=9, day=2)  # the mandates ended
    await services.documents.reconcile()
    assert invited() == set(), "ended mandates withdraw everyone's access"
    granted = await _audit(bot, "document.granted")
    withdrawn = await _audit(bot, "document.withdrawn")
    # Each grant and each withdrawal of the two documents (the annex belongs to no item).
    assert (len(granted), len(withdrawn)) == (8, 8)
    assert await services.documents.reconcile() == 0, "nothing changes twice"


async def test_a_document_deleted_or_renamed_in_sharepoint_shows_as_such(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    for name in ("Un.docx", "Deux.docx"):
        form = await _send_file(bot, graph, MEMBER, name, b"x")
        await _share(bot, MEMBER, form, "general", confidential=True)
    one = graph.file_at("Confidentiel/Général/Un.docx")
    two = graph.file_at("Confidentiel/Général/Deux.docx")
    assert one is not None and two is not None
    del graph.items[one.id]
    two.name = "Deux (révisé).docx"
    listed = texts(await _list(bot, MEMBER))
    assert "Deux (révisé).docx" in listed
    assert listed.count(
        "Supprimé ou déplacé hors de la bibliothèque de l’équipe\u00a0: demandez au secrétariat où il se trouve."
    ) == 1  # fmt: skip
    assert {d["status"] for d in await _documents(bot)} == {"missing", "ready"}


async def test_a_pasted_sharepoint_link_is_shared_without_copying_the_file(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    drive_item = graph._new_item(f"drive-{GROUP}", "root", "Mémoire.docx", folder=False)
    link = "https://contoso.sharepoint.com/:w:/s/cgo/EaBc123"
    graph.shared_links[link] = drive_item.id
    activity = activities.message(bot.connector.service_url, f"Voici : {link}", **_who(MEMBER))
    assert (await bot.post(activity)).status == 200
    [form] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(form)[0] == "Partager «\u00a0Mémoire.docx\u00a0»"
    await _share(bot, MEMBER, form, "general")
    assert len(graph.items) == 1, "nothing copied"
    [channel] = _announced(bot)
    assert _open_url(channel) == [f"{graph.base_url}/org-link/{drive_item.id}"]


async def test_files_belong_in_personal_chat_and_english_is_complete(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    url = graph.offer_file("Notes.docx", b"x")
    in_channel = _file_message(
        bot, MEMBER, "Notes.docx", url, conversation_id=TEAM, conversation_type="channel"
    )
    bot.connector.clear()
    assert (await bot.post(in_channel)).status == 200
    [reply] = bot.connector.replies(TEAM)
    assert "conversation privée" in reply["text"]
    assert await _documents(bot) == []
    await _invoke(bot, MEMBER, "language.set", {"language": "en"})  # her choice, kept
    form = await _send_file(bot, graph, MEMBER, "Notes.docx", b"x", locale="en-US")
    assert texts(form)[0] == "Share “Notes.docx”"
    await _share(bot, MEMBER, form, "general", locale="en-US")
    listed = await _list(bot, MEMBER, locale="en-US")
    assert texts(listed)[0] == "The committee’s documents"


# --- only Microsoft's files, only the committee's links ---------------------------------------


async def test_a_link_elsewhere_than_the_committees_library_is_never_announced(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    """A genuine OneDrive link to a member's own file, and lookalike hosts: each is answered
    with why it cannot be shared, and nothing reaches the channel."""
    bot = bot_with_graph
    hers = graph._new_item("drive-amelie", "root", "Mémoire.docx", folder=False)
    link = "https://contoso-my.sharepoint.com/:w:/g/personal/amelie/EaBc123"
    graph.shared_links[link] = hers.id
    said = {
        link: "hors de la bibliothèque de l’équipe du comité",
        "https://evil-sharepoint.com/phish/Ordre.pdf": "ne fait que leur ressembler",
        "https://contoso.sharepoint.com.evil.example/Ordre.pdf": "ne fait que leur ressembler",
        "https://onedrive.live.com@evil.example/Ordre.pdf": "ne fait que leur ressembler",
    }
    for pasted, why in said.items():
        bot.connector.clear()
        activity = activities.message(bot.connector.service_url, f"Voir {pasted}", **_who(MEMBER))
        assert (await bot.post(activity)).status == 200
        [answer] = bot.connector.cards(f"personal-{MEMBER.id}")
        assert texts(answer)[0] == "Document non partagé", pasted
        assert why in " ".join(texts(answer)), pasted
    await bot.components.dispatcher.dispatch_due()
    assert _announced(bot) == []
    assert await _documents(bot) == [], "no draft kept"


async def test_a_file_from_a_host_teams_does_not_hand_files_from_is_not_fetched(
    local_bot: RunningBot, graph: LoopbackGraph
) -> None:
    """An attachment naming another host, the bot's own health check or the cloud's metadata
    address: refused in words before anything is fetched."""
    bot = local_bot
    graph.offer_file("Ordre.pdf", b"%PDF")
    for url in (
        "https://evil.example/Ordre.pdf",
        bot.url + "/healthz",  # loopback, but not the allowed host and port
        "http://169.254.169.254/latest/meta-data/",
        "https://user@contoso.sharepoint.com.evil.example/Ordre.pdf",
    ):
        bot.connector.clear()
        assert (await bot.post(_file_message(bot, MEMBER, "Ordre.pdf", url))).status == 200
        [answer] = bot.connector.cards(f"personal-{MEMBER.id}")
        assert texts(answer)[0] == "Document non partagé", url
        assert "ne vient pas de SharePoint ou de OneDrive" in " ".join(texts(answer)), url
    assert await _documents(bot) == []
    assert graph.downloads == []


async def test_a_redirect_towards_the_bots_own_network_is_not_followed(
    local_bot: RunningBot, graph: LoopbackGraph
) -> None:
    """The allowed host answers 302 to an internal address: every hop is checked again, the
    upload fails saying why (no *Réessayer*: it would not help) and nothing is stored."""
    bot = local_bot
    graph.offer_file("interne.txt", b"secret du serveur")
    port = urlsplit(graph.base_url).port
    for target in (
        f"http://0.0.0.0:{port}/download/interne.txt",
        f"http://localhost:{port}/download/interne.txt",
        bot.url + "/healthz",
        "http://169.254.169.254/latest/meta-data/",
    ):
        bot.connector.clear()
        url = graph.redirecting_to(target)
        assert (await bot.post(_file_message(bot, MEMBER, "Ordre.pdf", url))).status == 200
        [form] = bot.connector.cards(f"personal-{MEMBER.id}")
        bot.connector.clear()
        await _share(bot, MEMBER, form, "general")
        [failed] = bot.connector.cards(f"personal-{MEMBER.id}")
        assert texts(failed)[0] == "L’envoi de « Ordre.pdf » a échoué", target
        assert "ne vient pas de SharePoint ou de OneDrive" in " ".join(texts(failed))
        assert failed.get("actions", []) == [], "no retry offered"
    assert {d["status"] for d in await _documents(bot)} == {"failed"}
    assert graph.downloads == [], "the internal address was never reached"
    assert _announced(bot) == []


async def test_a_wildcard_host_never_reaches_an_internal_address() -> None:
    """`*.sharepoint.com` admits names, not addresses: a name that resolves to loopback is
    refused by the resolver the download connects through (DNS rebinding gains nothing), and
    hosts match on a dot boundary only."""
    policy = DownloadPolicy(["*.sharepoint.com", "127.0.0.1:8080"])
    policy.check("https://contoso.sharepoint.com/x.pdf")
    policy.check("https://contoso-my.sharepoint.com./x.pdf")
    policy.check("http://127.0.0.1:8080/x.pdf")
    for refused in (
        "https://evil-sharepoint.com/x.pdf",
        "https://sharepoint.com.evil.example/x.pdf",
        "http://contoso.sharepoint.com/x.pdf",
        "https://127.0.0.1/x.pdf",
        "http://127.0.0.1:8081/x.pdf",
        "https://a@contoso.sharepoint.com/x.pdf",
        "file:///etc/passwd",
        "https://contoso.sharepoint.com:99999/x.pdf",
    ):
        with pytest.raises(SourceRefused):
            policy.check(refused)
    with pytest.raises(SourceRefused, match="internal"):
        await _PublicOnlyResolver(policy).resolve("localhost", 443)
    trusted = DownloadPolicy(["localhost"])
    assert await _PublicOnlyResolver(trusted).resolve("localhost", 443), "named exactly: kept"


async def test_with_no_channel_known_the_sharer_is_told_nothing_was_announced(
    connector: LoopbackConnector, database_url: str, graph: LoopbackGraph
) -> None:
    """The bot was never added to the committee's team: the file is filed, and the
    confirmation says that nothing was announced, and why, instead of claiming it was."""
    await import_roster(database_url)
    settings = load_settings(DATABASE_URL=database_url, DOCUMENTS_DOWNLOAD_HOSTS=_files_host(graph))
    async with serve(settings, connector) as bot:
        await _open_chat(bot, MEMBER)
        form = await _send_file(bot, graph, MEMBER, "Notes.pdf", b"%PDF")
        bot.connector.clear()
        await _share(bot, MEMBER, form, "general")
        [stored] = bot.connector.cards(f"personal-{MEMBER.id}")
        shown = " ".join(texts(stored))
        assert "Rien n’est annoncé\u00a0: le canal du comité n’est pas encore connu." in shown
        assert "L’annonce part aussi" not in shown


# --- local mode ----------------------------------------------------------------------------


async def test_local_links_open_for_the_entitled_and_refuse_tampered_expired_withdrawn(
    local_bot: RunningBot, graph: LoopbackGraph
) -> None:
    bot = local_bot
    services = bot.components.services
    meeting_id = await _meeting(bot)
    form = await _send_file(bot, graph, MEMBER, "Brouillon.docx", DOCX)
    await _share(bot, MEMBER, form, _choice(form, "Réunion régulière — 6 nov. 2030 · point\u00a0: Varia"), confidential=True)  # fmt: skip
    [channel] = _announced(bot)
    assert _open_url(channel) == [], "no link everyone could use in the channel"
    [button] = channel["actions"]
    opened = await _invoke(bot, MEMBER, button["verb"], button["data"])
    [url] = _open_url(opened)
    assert url.startswith("http://127.0.0.1:3978/documents/1?"), "where the bot listens"
    [listed_url] = _open_url(await _list(bot, MEMBER))

    async def get(address: str) -> tuple[int, str | bytes]:
        address = re.sub(r"^http://[^/]+", bot.url, address)
        async with bot.session.get(address) as response:
            body = await response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, body.decode() if kind.startswith("text/html") else body

    assert await get(url) == (200, DOCX)
    assert await get(listed_url) == (200, DOCX)
    status, page = await get(url.replace("&s=", "&s=A"))
    assert (
        status == 403 and "Ce lien n’est pas valide." in page and "This link is not valid." in page
    )
    other = await _member(bot, "jf.bouchard@donneesouvertes.example.org")
    forged = url.replace(f"m={(await _member(bot, MEMBER.email)).id}", f"m={other.id}")
    assert (await get(forged))[0] == 403, "a link is for the member it names"
    amelie = await _member(bot, MEMBER.email)
    await services.declarations.declare_for_meeting(
        amelie,
        meeting_id,
        [
            ItemAnswer("Plan d’action", Conflict.NONE),
            ItemAnswer("Varia", Conflict.INDIRECT, "Mon conjoint."),
        ],
    )
    status, page = await get(url)
    assert status == 403 and "conflit d’intérêts sur ce point" in str(page), (
        "checked at each download"
    )
    bot.clock.advance(hours=2)
    status, page = await get(listed_url)
    assert status == 403 and "Ce lien a expiré." in str(page)
    assert (await get(f"{bot.url}/documents/1?m=x"))[0] == 403
    stored = [d for d in await _documents(bot)]
    assert [d["stored_in"] for d in stored] == ["local"]


async def test_a_stopped_upload_is_taken_over_after_its_lease(
    local_bot: RunningBot, graph: LoopbackGraph
) -> None:
    bot = local_bot
    documents = bot.components.services.documents
    form = await _send_file(bot, graph, MEMBER, "Notes.docx", b"notes")
    [button] = form["actions"]
    data = {**button["data"], "place": "general", "confidential": "false", "description": ""}
    graph.download_delay = 30
    await _invoke(bot, MEMBER, button["verb"], data)
    await documents.stop()  # the process stops while fetching the file
    graph.download_delay = 0
    assert [d["status"] for d in await _documents(bot)] == ["uploading"]
    await documents.resume_stalled()
    await documents.settle()
    assert [d["status"] for d in await _documents(bot)] == ["uploading"], "within the lease"
    bot.clock.advance(minutes=16)
    await documents.resume_stalled()
    await documents.resume_stalled()  # a second tick takes nothing twice
    await documents.settle()
    await bot.components.dispatcher.dispatch_due()
    assert [d["status"] for d in await _documents(bot)] == ["ready"]
    assert len(_announced(bot)) == 1
    assert len(await _audit(bot, "document.shared")) == 1


# --- the rules -----------------------------------------------------------------------------


def _person(
    role: Role = Role.MEMBER, active: bool = True, ends: date = date(2027, 8, 31)
) -> Member:
    return Member(
        "a@x.org", "A", "Org", SeatCategory.CIVIL_SOCIETY, role, active=active,
        id=7, mandate_starts_on=date(2025, 9, 1), mandate_ends_on=ends,
    )  # fmt: skip


def test_the_gate_matrix() -> None:
    from datetime import UTC, datetime

    today = date(2026, 11, 23)
    secret = Document(
        1, "a.pdf", 4, "Varia", True, "", 7, datetime(2026, 11, 1, tzinfo=UTC),
        DocumentStatus.READY, StoredIn.SHAREPOINT,
    )  # fmt: skip
    public = Document(**{**secret.__dict__, "confidential": False})
    conflicted = frozenset({(4, "Varia")})
    cases = [
        (Entitlement(_person(), True), secret, None),
        (Entitlement(_person(), False), secret, Denial.COMMITMENT),  # never or not the latest
        (Entitlement(_person(), False), public, None),
        (Entitlement(_person(), True, conflicted), secret, Denial.CONFLICT),
        (Entitlement(_person(), True, frozenset({(4, "Plan")})), secret, None),
        (Entitlement(_person(), True, conflicted), public, None),
        (Entitlement(_person(Role.SECRETARIAT), False), secret, None),
        (Entitlement(_person(Role.SECRETARIAT), False, conflicted), secret, Denial.CONFLICT),
        (Entitlement(_person(ends=date(2026, 11, 1)), True), secret, Denial.MANDATE_ENDED),
        (Entitlement(_person(ends=date(2026, 11, 1)), True), public, Denial.MANDATE_ENDED),
        (Entitlement(_person(active=False), True), public, Denial.NOT_MEMBER),
    ]
    for who, document, expected in cases:
        assert denial(who, document, today) == expected, (who, document.confidential)


def test_names_folders_fragments_and_signatures() -> None:
    assert clean_name('Plan: "v2" <final>?.docx') == "Plan- -v2- -final--.docx"
    assert folder_for(None, None) == "Général"
    assert (
        folder_for(date(2027, 1, 20), "Réunion / spéciale")
        == "Réunions/2027-01-20 — Réunion - spéciale"
    )
    unit = 320 * 1024
    assert fragments(25 * unit + 7, 0) == [(0, 10 * unit - 1), (10 * unit, 20 * unit - 1), (20 * unit, 25 * unit + 6)]  # fmt: skip
    assert fragments(100, 100) == []
    assert resume_at(["26-"]) == 26 and resume_at(["5-9", "12-"]) == 5 and resume_at([]) is None
    one = link_signature(b"k", 1, 2, 3)
    assert one != link_signature(b"k", 1, 2, 4) != link_signature(b"j", 1, 2, 3)


async def test_an_invitation_left_half_sent_by_a_crash_is_sent_again(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    """A process claimed Mathieu's invitation and died before Graph answered: after the
    lease the next tick invites him, once."""
    from sqlalchemy import update

    bot = bot_with_graph
    form = await _send_file(bot, graph, SECRETARIAT, "Avis.pdf", b"%PDF")
    await _share(bot, SECRETARIAT, form, "general", confidential=True)
    stored = graph.file_at("Confidentiel/Général/Avis.pdf")
    assert stored is not None
    mathieu = await _member(bot, "mathieu.gagnon@sct.example.org")
    graph.permissions[stored.id] = {
        p: e for p, e in graph.permissions[stored.id].items() if e != mathieu.email
    }
    grants = documents_tables.document_grants.c
    async with bot.database.transaction() as conn:
        await conn.execute(
            update(documents_tables.document_grants)
            .where(grants.member_id == mathieu.id)
            .values(permission_id=None, granted_at=bot.clock.now.replace(tzinfo=None))
        )
    documents = bot.components.services.documents
    assert await documents.reconcile() == 0, "within the lease: another process may be sending"
    bot.clock.advance(minutes=16)
    assert await documents.reconcile() == 1
    assert mathieu.email in graph.permissions[stored.id].values()
    assert await documents.reconcile() == 0


# --- Sites.Selected: the library reached through the committee's site alone ------------------

SITE = "contoso.sharepoint.com,2c7b9a3e-5d41-4b8f-9a6e-0c1d2e3f4a5b,7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"


@pytest.fixture
async def bot_with_site(
    connector: LoopbackConnector, database_url: str, graph: LoopbackGraph
) -> AsyncIterator[RunningBot]:
    """Graph grants Sites.Selected on the committee's site and nothing tenant-wide."""
    graph.granted_site = SITE
    await import_roster(database_url)
    settings = signed_settings(
        connector,
        database_url,
        GRAPH_BASE_URL=graph.api_url,
        GRAPH_TOKEN_URL=graph.token_url,
        DOCUMENTS_DOWNLOAD_HOSTS=_files_host(graph),
        COMMITTEE_SITE_ID=SITE,
    )
    async with serve(settings, connector) as running:
        await _committee(running)
        yield running


async def test_with_sites_selected_alone_a_confidential_document_is_stored_and_invited(
    bot_with_site: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_site
    await _meeting(bot)
    form = await _send_file(bot, graph, SECRETARIAT, "Avis.pdf", b"%PDF secret")
    await _share(bot, SECRETARIAT, form, "general", confidential=True)
    stored = graph.file_at("Confidentiel/Général/Avis.pdf")
    assert stored is not None and stored.content == b"%PDF secret"
    invited = set(graph.permissions.get(stored.id, {}).values())
    assert {SECRETARIAT.email, MEMBER.email} <= invited, "no commitment published yet: all serve"
    paths = {call.path for call in graph.calls}
    assert f"/v1.0/sites/{SITE}/drive" in paths
    assert not [p for p in paths if p.startswith(("/v1.0/groups/", "/v1.0/shares/"))], paths


async def test_with_sites_selected_a_files_address_is_shared_and_a_sharing_link_explained(
    bot_with_site: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_site
    general = graph._new_item(f"drive-site-{SITE}", "root", "Général", folder=True)
    item = graph._new_item(f"drive-site-{SITE}", general.id, "Mémoire 2027.docx", folder=False)
    address = f"{graph.LIBRARY_URL}/G%C3%A9n%C3%A9ral/M%C3%A9moire%202027.docx?web=1"
    activity = activities.message(bot.connector.service_url, f"Voici {address}", **_who(MEMBER))
    assert (await bot.post(activity)).status == 200
    [form] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(form)[0] == "Partager «\u00a0Mémoire 2027.docx\u00a0»"
    await _share(bot, MEMBER, form, "general")
    assert len(graph.items) == 2, "nothing copied"
    assert [d["name"] for d in await _documents(bot)] == [item.name]

    bot.connector.clear()
    link = "https://contoso.sharepoint.com/:w:/s/cgo/EaBc123"
    graph.shared_links[link] = item.id  # Graph could resolve it, but not with Sites.Selected
    activity = activities.message(bot.connector.service_url, f"Voir {link}", **_who(MEMBER))
    assert (await bot.post(activity)).status == 200
    [answer] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(answer)[0] == "Document non partagé"
    assert "Copiez plutôt l’adresse du fichier" in " ".join(texts(answer))
