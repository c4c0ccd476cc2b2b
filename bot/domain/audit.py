"""The audit trail: an append-only hash chain that anyone holding the rows can re-check.

Each entry's hash is SHA-256 over a canonical encoding of its own fields and the previous
entry's hash, so changing, inserting or deleting a row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it has a place in the chain."""

    actor: str
    action: str
    object_type: str
    object_id: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


def canonical_details(details: Mapping[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    event: AuditEvent,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            seq,
            occurred_at.isoformat(timespec="microseconds"),
            event.actor,
            event.action,
            event.object_type,
            event.object_id,
            canonical_details(event.details),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(value: object) -> str:
    """What the audit chain keeps of a person's text (or of a few texts together) instead of
    the text itself: its SHA-256, so a copy can be checked against the chain without the chain
    ever holding it."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def chain(prev: AuditEntry | None, occurred_at: datetime, event: AuditEvent) -> AuditEntry:
    """The entry that follows `prev` in the chain."""
    seq = 1 if prev is None else prev.seq + 1
    prev_hash = GENESIS_HASH if prev is None else prev.hash
    return AuditEntry(
        seq=seq,
        occurred_at=occurred_at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        details=dict(event.details),
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash, seq, occurred_at, event),
    )


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str  # "changed", "missing_before", "inserted", "relinked", "out_of_order"


def verify(entries: Iterable[AuditEntry]) -> list[ChainBreak]:
    """Every place where the stored rows disagree with an unbroken chain, in order."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        event = AuditEvent(
            entry.actor, entry.action, entry.object_type, entry.object_id, entry.details
        )
        if entry.seq != expected_seq:
            if entry.seq < expected_seq:
                reason = "out_of_order"
            elif entry.prev_hash == expected_prev:
                # It follows the last entry but skips numbers: added by hand, not deleted before.
                reason = "inserted"
            else:
                reason = "missing_before"
            breaks.append(ChainBreak(entry.seq, reason))
        elif entry.prev_hash != expected_prev:
            breaks.append(ChainBreak(entry.seq, "relinked"))
        if entry_hash(entry.prev_hash, entry.seq, entry.occurred_at, event) != entry.hash:
            breaks.append(ChainBreak(entry.seq, "changed"))
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return breaks
