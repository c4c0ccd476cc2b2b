"""The layout's rules, checked on the code itself: a capability is one folder, botbuilder stays
in the Teams transport, every Graph call is in `bot/graph/`, rules do no I/O."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _offenders(files: Iterator[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in _imports(path)
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    )


def test_botbuilder_is_imported_by_the_teams_transport_alone() -> None:
    """A move to the Microsoft 365 Agents SDK is one folder."""
    outside = (p for p in BOT.rglob("*.py") if "teams" not in p.relative_to(BOT).parts[:1])
    assert _offenders(outside, ("botbuilder", "botframework", "msrest")) == []


def test_the_teams_transport_never_speaks_to_graph() -> None:
    """It reaches Graph through the ports it is given (the app's installer), never itself."""
    assert _offenders((BOT / "teams").rglob("*.py"), ("bot.graph",)) == []


def test_storage_and_the_platform_rules_know_neither_teams_nor_graph_nor_features() -> None:
    files = [*(BOT / "storage").rglob("*.py"), *(BOT / "domain").rglob("*.py")]
    assert _offenders(iter(files), ("bot.teams", "bot.graph", "bot.features")) == []


def test_a_capabilitys_rules_do_no_io() -> None:
    rules = (BOT / "features").glob("*/rules.py")
    io = ("sqlalchemy", "aiohttp", "asyncpg", "aiosqlite", "bot.storage", "bot.graph", "bot.teams")
    assert _offenders(rules, io) == []


def test_graph_is_spoken_to_from_bot_graph_alone() -> None:
    """Calendar, drive and teamwork calls live behind the ports in `bot/graph/`: a feature or
    the transport never builds a Graph request itself."""
    calls = sorted(
        str(path.relative_to(ROOT))
        for path in BOT.rglob("*.py")
        if "graph" not in path.relative_to(BOT).parts[:1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "request"
        and any(k.arg == "permission" for k in node.keywords)
    )
    assert calls == []


def test_every_capability_is_one_folder_with_its_parts() -> None:
    for folder in (BOT / "features").iterdir():
        if folder.is_dir() and not folder.name.startswith("__"):
            assert (folder / "__init__.py").read_text().startswith('"""'), folder.name
            assert (folder / "feature.py").exists(), folder.name
            # The reminders' view reads the platform's own outbox and reachability services.
            assert (folder / "service.py").exists() or folder.name == "reminders", folder.name


def test_no_module_grows_past_600_lines() -> None:
    """A module that long has seams: split it along them rather than let it grow."""
    long = sorted(
        f"{path.relative_to(ROOT)} ({count})"
        for path in BOT.rglob("*.py")
        if "migrations" not in path.parts
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > 600
    )
    assert long == []


def test_a_feature_hands_its_outbox_cards_to_the_transport_instead_of_sending_them() -> None:
    """Read → render → send → mark: a feature says what its outbox kinds read and how they
    render (`kit.outgoing`); the transport sends and redraws. A feature that sent a proactive
    card itself would grow a second path for failures, throttling and marking."""
    sends = ("send_to_channel", "update_in_channel", "update_at", "send_to")
    found = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}"
        for path in (BOT / "features").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and (
            node.func.attr in sends
            or (
                node.func.attr == "update"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "_messenger"
            )
        )
    )
    assert found == []


def test_a_capabilitys_tables_are_its_own() -> None:
    """Each capability keeps its tables in its `tables.py` and reads another's data through
    that capability's service or store, never its tables. The one exception is the person's
    right of access (`personal_data`, Law 25 s. 27), which reads everything kept about them."""
    found = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (BOT / "features").rglob("*.py")
        if path.relative_to(BOT / "features").parts[0] != "personal_data"
        for name in _imports(path)
        if name.startswith("bot.features.")
        and name.endswith(".tables")
        and name.split(".")[2] != path.relative_to(BOT / "features").parts[0]
    ) + sorted(
        f"{path.relative_to(ROOT)}: from {node.module} import tables"
        for path in (BOT / "features").rglob("*.py")
        if path.relative_to(BOT / "features").parts[0] not in ("personal_data",)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("bot.features.")
        and any(a.name == "tables" for a in node.names)
        and node.module.split(".")[2] != path.relative_to(BOT / "features").parts[0]
    )
    assert found == []
    platform = ast.parse((BOT / "storage" / "tables.py").read_text(encoding="utf-8"))
    defined = {
        n.targets[0].id
        for n in platform.body
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
    }
    assert defined == {
        "metadata", "members", "audit_log", "conversation_references", "processed_activities",
        "outbox", "committee_team", "unreachable_members",
    }  # fmt: skip
