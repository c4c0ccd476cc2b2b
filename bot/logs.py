"""The log: text for a person at a terminal (the default), or one JSON object a line for a log
collector (`LOG_FORMAT=json`), each carrying what it is about — the activity being answered or
the outbox message being delivered, the feature, and a duration where there is one.

What a line is about is set once where the work starts (`about(...)`), in a context variable,
so every line logged under it carries it without being told.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal

# What the lines logged now are about; None when nothing in particular.
_ABOUT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "about", default=None
)
# `extra` fields a line may carry, copied into the JSON object as they are.
_EXTRA = ("duration_ms", "outcome", "kind")


@contextmanager
def about(**what: str | None) -> Iterator[None]:
    """Lines logged inside carry these fields (activity, outbox, feature), added to any the
    caller is already inside."""
    current = dict(_ABOUT.get() or {})
    current.update({k: v for k, v in what.items() if v})
    token = _ABOUT.set(current)
    try:
        yield
    finally:
        _ABOUT.reset(token)


def tag(**what: str | None) -> None:
    """Adds fields to what the current lines are about (the feature, once a turn knows it)."""
    current = dict(_ABOUT.get() or {})
    current.update({k: v for k, v in what.items() if v})
    _ABOUT.set(current)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **(_ABOUT.get() or {}),
        }
        for name in _EXTRA:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        about_now = _ABOUT.get()
        if about_now:
            text += " [" + " ".join(f"{k}={v}" for k, v in about_now.items()) + "]"
        return text


def configure(form: Literal["text", "json"] = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if form == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
