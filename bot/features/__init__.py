"""The committee's capabilities, one package each (rules, store, service, cards, Teams
feature). Below them the platform: `bot.teams` (the transport), `bot.graph` (every Graph call),
`bot.storage` (engine, outbox, audit, members, migrations).
"""
