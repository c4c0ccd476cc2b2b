"""The baseline: a bare botbuilder echo bot on the same CloudAdapter and authentication.

It answers a message with its text and a card action with a fixed card: no database, no
identity, no catalogue. `bench/run.py` measures it beside the committee bot in the same run.
"""

from __future__ import annotations

import os

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse


class _Configuration:
    APP_ID = os.environ["MicrosoftAppId"]
    APP_PASSWORD = os.environ["MicrosoftAppPassword"]
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = os.environ["BOT_OPENID_METADATA_URL"]
    # With a custom metadata URL the SDK takes every endpoint from here: no defaults.
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
    TO_CHANNEL_FROM_BOT_LOGIN_URL = "https://login.microsoftonline.com/botframework.com"
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"


CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Echo", "wrap": True}],
}


class EchoBot(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(turn_context.activity.text or "")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        body = AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=CARD
        )
        return InvokeResponse(status=200, body=body)


def main() -> None:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Configuration()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)  # type: ignore[no-any-return]

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["BOT_PORT"]), print=None)


if __name__ == "__main__":
    main()
