"""The committee's rulebook, without any I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import audit
from bot.domain.members import ROSTER_COLUMNS, Member, Role, SeatCategory, parse_roster
from bot.features.confidentiality import rules as confidentiality

HEADER = list(ROSTER_COLUMNS)
AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _row(**values: str) -> dict[str, str]:
    base = {
        "email": "Amelie.Cote@Example.org ",
        "display_name": "Amélie Côté",
        "organisation": "Coalition",
        "seat": "societe_civile",
        "role": "member",
        "active": "oui",
        "aad_object_id": "",
        "mandate_starts_on": "2025-09-01",
        "mandate_ends_on": "2027-08-31",
    }
    base.update(values)
    return base


def test_a_good_roster_row_becomes_a_member() -> None:
    parsed = parse_roster(HEADER, [(2, _row())])
    assert parsed.problems == []
    [member] = parsed.members
    assert member.email == "amelie.cote@example.org"
    assert (member.seat, member.role, member.active) == (
        SeatCategory.CIVIL_SOCIETY,
        Role.MEMBER,
        True,
    )


def test_every_bad_row_is_named_by_its_line() -> None:
    rows = [
        (2, _row(email="not-an-email")),
        (3, _row(email="b@example.org", seat="lobby")),
        (
            4,
            _row(
                email="c@example.org", mandate_starts_on="2027-01-01", mandate_ends_on="2026-01-01"
            ),
        ),
        (5, _row(email="d@example.org", display_name="")),
        (6, _row(email="e@example.org", aad_object_id="abc")),
        (7, _row(email="f@example.org", active="peut-être")),
        (8, _row(email="f@example.org")),
        (9, _row(email="f@example.org")),
    ]
    parsed = parse_roster(HEADER, rows)
    assert [(p.line, p.message) for p in parsed.problems] == [
        (2, "roster.bad_email"),
        (3, "roster.bad_seat"),
        (4, "roster.mandate_order"),
        (5, "roster.empty_field"),
        (6, "roster.bad_aad"),
        (7, "roster.bad_active"),
        (9, "roster.duplicate_email"),
    ]


def test_missing_columns_are_reported_once() -> None:
    parsed = parse_roster(["email", "display_name"], [(2, _row())])
    assert [(p.line, p.message, p.params["columns"]) for p in parsed.problems] == [
        (1, "roster.missing_columns", "organisation, seat, role")
    ]


def test_serving_means_active_and_within_the_mandate() -> None:
    member = Member(
        "a@x.org",
        "A",
        "O",
        SeatCategory.PUBLIC_BODY,
        Role.MEMBER,
        mandate_starts_on=date(2025, 9, 1),
        mandate_ends_on=date(2027, 8, 31),
    )
    assert member.is_serving(date(2027, 8, 31))
    assert not member.is_serving(date(2027, 9, 1))
    assert not member.is_serving(date(2025, 8, 31))
    assert not replace(member, active=False).is_serving(date(2026, 1, 1))


def _chain(n: int) -> list[audit.AuditEntry]:
    entries: list[audit.AuditEntry] = []
    for i in range(n):
        event = audit.AuditEvent(
            "secretariat@x.org",
            "confidentiality.accepted",
            "commitment_version",
            "1",
            {"i": i, "texte": "« é »"},
        )
        entries.append(
            audit.chain(entries[-1] if entries else None, AT + timedelta(seconds=i), event)
        )
    return entries


def test_an_untouched_chain_verifies() -> None:
    assert audit.verify(_chain(5)) == []


def test_a_changed_row_is_named() -> None:
    entries = _chain(5)
    entries[2] = replace(entries[2], details={"i": 99})
    assert audit.verify(entries) == [audit.ChainBreak(3, "changed")]


def test_a_deleted_row_is_named_by_the_row_after_it() -> None:
    entries = _chain(5)
    del entries[1]
    assert audit.verify(entries) == [audit.ChainBreak(3, "missing_before")]


def test_an_inserted_row_is_named() -> None:
    entries = _chain(4)
    forged = audit.chain(entries[1], AT, audit.AuditEvent("intrus", "x", "y", "z"))
    # Renumber to slip it in after row 2: its own hash is right, the link to row 3 is not.
    entries = [*entries[:2], forged, *[replace(e, seq=e.seq + 1) for e in entries[2:]]]
    breaks = audit.verify(entries)
    assert audit.ChainBreak(4, "relinked") in breaks
    assert breaks[0].seq == 4


def test_publishing_numbers_versions_and_refuses_empty_long_or_unchanged_texts() -> None:
    first = confidentiality.next_version(None, " Texte\r\n", "Text", "s@x.org", AT)
    assert (first.number, first.text_fr, first.sha256_fr) == (
        1,
        "Texte",
        confidentiality.fingerprint("Texte"),
    )
    second = confidentiality.next_version(first, "Texte 2", "Text", "s@x.org", AT)
    assert second.number == 2
    for fr, en, message in (
        ("", "Text", "confidentiality.error.empty"),
        ("x" * 12_001, "Text", "confidentiality.error.too_long"),
        ("Texte", "Text", "confidentiality.error.unchanged"),
    ):
        with pytest.raises(confidentiality.CommitmentTextError) as error:
            confidentiality.next_version(first, fr, en, "s@x.org", AT)
        assert error.value.message == message


def test_only_the_current_version_in_the_current_mandate_opens_the_gate() -> None:
    member = Member(
        "a@x.org",
        "A",
        "O",
        SeatCategory.CIVIL_SOCIETY,
        Role.MEMBER,
        id=7,
        mandate_starts_on=date(2025, 9, 1),
    )
    v1 = confidentiality.next_version(None, "Un", "One", "s", AT)
    v2 = confidentiality.next_version(v1, "Deux", "Two", "s", AT)
    accepted_v1 = confidentiality.Acceptance(7, 1, "2025-09-01", v1.sha256_fr, "fr-CA", AT, "a1")
    assert confidentiality.has_accepted_current(member, None, [])
    assert confidentiality.has_accepted_current(member, v1, [accepted_v1])
    assert not confidentiality.has_accepted_current(member, v2, [accepted_v1])
    renewed = replace(member, mandate_starts_on=date(2027, 9, 1))
    assert not confidentiality.has_accepted_current(renewed, v1, [accepted_v1])


def test_the_follow_up_plan() -> None:
    plan = confidentiality.follow_up_plan(AT, [7, 3, 3, 30], 14)
    assert [(p.name, p.due_at - AT) for p in plan] == [
        ("card-0", timedelta(0)),
        ("reminder-3", timedelta(days=3)),
        ("reminder-7", timedelta(days=7)),
        ("escalation-14", timedelta(days=14)),
    ]
