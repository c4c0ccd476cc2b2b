"""Teams activities as the channel sends them (the JSON Bot Framework posts to the bot)."""

from __future__ import annotations

import uuid
from typing import Any

BOT_ID = "28:committee-bot"
TENANT = "tenant-1"


def _base(
    kind: str,
    service_url: str,
    *,
    user_id: str,
    aad_object_id: str | None,
    name: str = "",
    conversation_id: str | None = None,
    conversation_type: str = "personal",
    locale: str | None = "fr-CA",
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": kind,
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-23T15:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "name": name},
        "recipient": {"id": BOT_ID, "name": "Comité"},
        "conversation": {
            "id": conversation_id or f"personal-{user_id}",
            "conversationType": conversation_type,
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
    }
    if aad_object_id:
        activity["from"]["aadObjectId"] = aad_object_id
    if locale:
        activity["locale"] = locale
    return activity


def message(service_url: str, text: str, **who: Any) -> dict[str, Any]:
    activity = _base("message", service_url, **who)
    activity["text"] = text
    activity["textFormat"] = "plain"
    return activity


def card_action(
    service_url: str, verb: str, data: dict[str, Any] | None = None, **who: Any
) -> dict[str, Any]:
    activity = _base("invoke", service_url, **who)
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
        "trigger": "manual",
    }
    activity["replyToId"] = "card-activity-1"
    return activity


def installed(service_url: str, **who: Any) -> list[dict[str, Any]]:
    """What Teams sends when a person installs the app: two activities at once."""
    update = _base("conversationUpdate", service_url, **who)
    update["membersAdded"] = [{"id": BOT_ID}]
    installation = _base("installationUpdate", service_url, **who)
    installation["action"] = "add"
    return [update, installation]


def installed_in_team(
    service_url: str, team_id: str, group_id: str, **who: Any
) -> list[dict[str, Any]]:
    """What Teams sends when someone adds the app to a team: the General channel's
    conversation, the team named in channelData."""
    channel = who.pop("conversation_id", team_id)
    sent = []
    for activity in installed(
        service_url, conversation_id=channel, conversation_type="channel", **who
    ):
        activity["channelData"]["team"] = {"id": team_id, "aadGroupId": group_id, "name": "CGO"}
        sent.append(activity)
    return sent


def file_consent_accepted(
    service_url: str, context: dict[str, Any], upload_info: dict[str, Any], **who: Any
) -> dict[str, Any]:
    """What Teams sends when the person accepts a file-consent card: where to upload."""
    activity = _base("invoke", service_url, **who)
    activity["name"] = "fileConsent/invoke"
    activity["value"] = {
        "type": "fileUpload",
        "action": "accept",
        "context": context,
        "uploadInfo": upload_info,
    }
    return activity
