"""APScheduler wiring: the clock that drives the bot's own initiatives."""
