"""Minutes, adopted, on both databases and the signed connector: the draft submitted to the
members, a correction proposed and kept with its author, the adoption with each correction
taken or not (with its reason), then locked and exported; the next meeting's agenda opens on
their adoption while they wait for it."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.features.minutes import tables as minutes_tables
from bot.storage.repositories import MemberRepository
from tests.conftest import MEMBER, SECRETARIAT, RunningBot
from tests.support import activities
from tests.support.cards import below, texts
from tests.test_confidentiality import _invoke, _who
from tests.test_meetings import _committee, _schedule_now, _soon

DRAFT = "https://contoso.sharepoint.com/sites/cgo/pv-projet.docx"
FINAL = "https://contoso.sharepoint.com/sites/cgo/pv-adopte.pdf"


def _buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    inline = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    return [*inline, *card.get("actions", [])]


async def _export(bot: RunningBot) -> list[str]:
    tr = bot.components.catalogues.all["fr-CA"]
    content = await bot.components.services.meetings.csv_export(tr)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    return rows[1]


async def test_minutes_go_from_draft_to_corrections_to_adoption_and_are_then_locked(
    bot: RunningBot,
) -> None:
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    bot.clock.now = meeting.starts_at + timedelta(hours=3)
    recorded = {"meeting": meeting.id, "minutes_url": DRAFT, "decisions": "Adopter le plan — consensus"}  # fmt: skip
    await _invoke(bot, SECRETARIAT, "meetings.minutes", recorded)
    await bot.components.dispatcher.dispatch_due()
    assert (await _export(bot))[7:9] == ["", ""], "a draft is not published"
    await bot.post(activities.message(bot.connector.service_url, "planifier", **_who(SECRETARIAT)))
    form = bot.connector.cards(f"personal-{SECRETARIAT.id}")[-1]
    agenda = next(e for e in form["body"] if e.get("id") == "agenda")
    assert agenda["value"].startswith("Adoption du procès-verbal de la réunion du "), (
        "the next meeting opens on the adoption of minutes still waiting for it"
    )
    following = await _schedule_now(bot, _soon(bot, 10))
    await bot.components.dispatcher.dispatch_due()
    bot.connector.clear()

    await bot.post(activities.message(bot.connector.service_url, "procès-verbal", **_who(SECRETARIAT)))  # fmt: skip
    [listed] = bot.connector.cards(f"personal-{SECRETARIAT.id}")
    assert "Pas encore soumis aux membres" in texts(listed)
    [submit] = [b for b in _buttons(listed) if b["verb"] == "minutes.open_form"]
    opening = await _invoke(bot, SECRETARIAT, submit["verb"], submit["data"])
    values = {e["id"]: e.get("value") for e in opening["body"] if "id" in e}
    assert values["url"] == DRAFT, "the link recorded after the meeting, pre-filled"
    next_day = following.plan.day
    assert values["deadline"] == (next_day - timedelta(days=1)).isoformat(), "before the next"
    late = await _invoke(bot, SECRETARIAT, "minutes.open", {**values, "meeting": meeting.id, "deadline": next_day.isoformat()})  # fmt: skip
    assert below(late)["deadline"].startswith(
        "Les corrections doivent se terminer avant la prochaine réunion"
    )
    refused = await _invoke(bot, SECRETARIAT, "minutes.open", {**values, "meeting": meeting.id, "url": "pv.docx"})  # fmt: skip
    assert below(refused)["url"] == "Donnez un lien complet qui commence par https://."
    opened = await _invoke(bot, SECRETARIAT, "minutes.open", {**values, "meeting": meeting.id})
    assert texts(opened)[0] == "Projet soumis aux membres"
    assert "1\u00a0membre en est avisé maintenant." in texts(opened), "honest counts"
    twice = await _invoke(bot, SECRETARIAT, "minutes.open", {**values, "meeting": meeting.id})
    assert "attend déjà son adoption" in " ".join(texts(twice)), "one draft at a time"

    await bot.components.dispatcher.dispatch_due()
    [draft] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(draft)[0] == "Projet de procès-verbal à relire"
    correct = draft["actions"][0]
    empty = await _invoke(bot, MEMBER, correct["verb"], {**correct["data"], "text": " "})
    assert below(empty)["text"] == "Écrivez la correction proposée."
    saved = await _invoke(bot, MEMBER, correct["verb"], {**correct["data"], "text": "Point 2 : lire « 2027 »."})  # fmt: skip
    assert "Votre correction" in texts(saved) and "1. Point 2 : lire « 2027 »." in texts(saved)
    second = await _invoke(bot, MEMBER, correct["verb"], {**correct["data"], "text": "Ajouter ma réserve au point 3."})  # fmt: skip
    assert "Vos corrections" in texts(second)
    async with bot.database.read() as conn:
        amelie = await MemberRepository().by_email(conn, MEMBER.email)
    assert amelie is not None
    former = replace(amelie, mandate_ends_on=date(2020, 1, 1))
    _, refused_former = await bot.components.services.minutes.correct(former, correct["data"]["review"], "x")  # fmt: skip
    assert [p.message for p in refused_former] == ["minutes.error.not_serving"], (
        "only while serving"
    )

    review = correct["data"]["review"]
    overview = await _invoke(bot, SECRETARIAT, "minutes.list")
    assert any(t.endswith("(2\u00a0reçues)") for t in texts(overview)), "the corrections counted"
    adopt_form = await _invoke(bot, SECRETARIAT, "minutes.adopt_form", {"review": review})
    ids = sorted(int(e["id"][8:]) for e in adopt_form["body"] if e.get("id", "").startswith("verdict_"))  # fmt: skip
    assert len(ids) == 2 and "Correction proposée par Amélie Côté\u00a0:" in texts(adopt_form)
    first, other = ids
    today = bot.clock.now.date().isoformat()
    typed = {"review": review, "adopted_on": today, "final_url": FINAL, f"verdict_{first}": "retenue", f"verdict_{other}": "non_retenue"}  # fmt: skip
    refused = await _invoke(bot, SECRETARIAT, "minutes.adopt", typed)
    assert below(refused)[f"reason_{other}"].startswith("Dites pourquoi cette correction")
    assert (await _export(bot))[7] == "", "nothing adopted by a refused form"
    adopted = await _invoke(bot, SECRETARIAT, "minutes.adopt", {**typed, f"reason_{other}": "Déjà au point 3."})  # fmt: skip
    assert texts(adopted)[0] == "Procès-verbal adopté"
    again = await _invoke(bot, SECRETARIAT, "minutes.adopt", {**typed, f"reason_{other}": "Autre."})
    assert "déjà adopté" in " ".join(texts(again)), "adopted once"
    assert (await _export(bot))[7:9] == [FINAL, today], "published once adopted"

    await bot.components.dispatcher.dispatch_due()
    told = bot.connector.cards(f"personal-{MEMBER.id}")[-1]
    assert texts(told)[0] == "Procès-verbal adopté"
    assert "2. Ajouter ma réserve au point 3.\nNon retenue\u00a0: Déjà au point 3." in texts(told)
    assert told["actions"][0]["url"] == FINAL
    late = await _invoke(bot, MEMBER, correct["verb"], {**correct["data"], "text": "Encore une."})
    assert "ne sont plus reçues" in " ".join(texts(late))
    locked = await _invoke(bot, SECRETARIAT, "meetings.minutes", {**recorded, "minutes_url": DRAFT + "?v2"})  # fmt: skip
    assert "est adopté" in " ".join(texts(locked)), "locked until a new adoption"
    async with bot.database.read() as conn:
        rows = (await conn.execute(select(minutes_tables.minutes_corrections))).mappings().all()
    assert [(r["verdict"], r["reason"]) for r in rows] == [("retenue", ""), ("non_retenue", "Déjà au point 3.")]  # fmt: skip

    # A change after the adoption is a new submission, adopted in turn.
    listed = await _invoke(bot, SECRETARIAT, "minutes.list")
    [resubmit] = [b for b in _buttons(listed) if b["verb"] == "minutes.open_form"]
    assert resubmit["title"].startswith("Soumettre une version corrigée")
