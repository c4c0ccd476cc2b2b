"""A committee of many, for fan-outs: a roster of N members who all have a chat with the bot
and have declared their interests (so that only what a test plans is due)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

HEADER = "email,display_name,organisation,seat,role,active,aad_object_id,mandate_starts_on,mandate_ends_on"


def crowd_roster(folder: Path, count: int) -> Path:
    lines = [HEADER] + [
        f"m{n}@x.org,Membre {n},Org {n},societe_civile,member,oui,"
        f"00000000-0000-0000-0009-{n:012d},2025-09-01,2027-08-31"
        for n in range(count)
    ]
    path = folder / "crowd.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crowd_chat(n: int) -> str:
    return f"personal-29:m{n}@x.org"


async def open_chats(database_url: str, service_url: str) -> None:
    """Each crowd member has a personal chat with the bot and a declaration on record."""
    from bot.features.declarations.store import DeclarationRepository
    from bot.storage.database import Database
    from bot.storage.repositories import ConversationReferences, MemberRepository

    database = Database(database_url)
    async with database.transaction() as conn:
        references = ConversationReferences()
        for member in await MemberRepository().all(conn):
            if member.id is None or not member.email.startswith("m"):
                continue
            user = f"29:{member.email}"
            reference = {
                "activityId": None, "channelId": "msteams", "serviceUrl": service_url,
                "bot": {"id": "28:committee-bot"}, "user": {"id": user},
                "conversation": {"id": f"personal-{user}", "conversationType": "personal",
                                 "tenantId": "tenant-1"},
            }  # fmt: skip
            await references.save(conn, f"personal-{user}", "personal", reference, member.id)
            await DeclarationRepository().add_general(conn, member.id, [], "0" * 64, "fr-CA")
    await database.dispose()


def commitment_cards(calls: Sequence[object]) -> dict[str, int]:
    """Conversation → how many commitment cards the connector took for it."""
    found: dict[str, int] = {}
    for call in calls:
        path, body = getattr(call, "path", ""), getattr(call, "body", None) or {}
        if getattr(call, "method", "") != "POST" or "/activities" not in path:
            continue
        for attachment in body.get("attachments") or []:
            first = ((attachment.get("content") or {}).get("body") or [{}])[0]
            if str(first.get("text", "")).startswith("Engagement de confidentialité"):
                conversation = path.split("/v3/conversations/")[1].split("/")[0]
                found[conversation] = found.get(conversation, 0) + 1
    return found
