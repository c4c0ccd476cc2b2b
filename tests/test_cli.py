"""The secretariat's command line: roster, audit verification, commitment, report, package."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Executable, Table, delete, func, insert, select, update

from bot.__main__ import main
from bot.features.confidentiality import tables as confidentiality_tables
from bot.storage import tables
from bot.storage.database import Database
from tests.conftest import APP_ID, ROOT, ROSTER, SECRETARIAT, Cli


def _count(url: str, table: Table) -> int:
    async def go() -> int:
        db = Database(url)
        try:
            async with db.transaction() as conn:
                return int(
                    (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                )
        finally:
            await db.dispose()

    return asyncio.run(go())


def _sql(url: str, statement: Executable) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            async with db.transaction() as conn:
                await conn.execute(statement)
        finally:
            await db.dispose()

    asyncio.run(go())


def _publish(cli: Cli, folder: Path, french: str, english: str) -> tuple[int, str, str]:
    (folder / "fr.md").write_text(french, encoding="utf-8")
    (folder / "en.md").write_text(english, encoding="utf-8")
    by = "camille.tremblay@sct.example.org"
    return cli(
        "confidentiality", "publish", str(folder / "fr.md"), str(folder / "en.md"), "--by", by
    )


def test_importing_the_roster_twice_changes_nothing_the_second_time(
    cli: Cli, database_url: str
) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email) == (
        0,
        "Registre importé\u00a0: ajoutés 5, mis à jour 0, inchangés 0.\n",
        "",
    )
    assert (
        cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[1]
        == "Registre importé\u00a0: ajoutés 0, mis à jour 0, inchangés 5.\n"
    )
    code, out, _ = cli("members", "list", "--lang", "en")  # after the subcommand, too
    assert code == 0
    assert "Amélie Côté" in out and "Civil society" in out and "Secretariat" in out
    assert _count(database_url, tables.audit_log) == 1


def test_a_roster_with_bad_rows_writes_nothing_and_names_each_line(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("secretariat_conseil_tresor", "inconnu")
    lines[4] = lines[4].replace("2025-09-01", "01/09/2025")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("members", "import", str(bad), "--by", SECRETARIAT.email)
    assert code == 1 and out == ""
    assert "Ligne 3\u00a0: siège inconnu «\u00a0inconnu\u00a0»" in err
    assert (
        "Ligne 5\u00a0: date invalide dans «\u00a0mandate_starts_on\u00a0»\u00a0: 01/09/2025" in err
    )
    assert "Aucun changement enregistré\u00a0: 2 problèmes à corriger." in err
    assert _count(database_url, tables.members) == 0


def test_a_spreadsheet_csv_with_semicolons_and_a_bom_is_read(cli: Cli, tmp_path: Path) -> None:
    french = tmp_path / "excel.csv"
    french.write_bytes(
        ("\ufeff" + ROSTER.read_text(encoding="utf-8").replace(",", ";")).encode("utf-8")
    )
    assert cli("members", "import", str(french), "--by", SECRETARIAT.email)[0] == 0


def test_audit_verify_names_a_changed_and_a_deleted_row(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    second = tmp_path / "second.csv"
    second.write_text(
        ROSTER.read_text(encoding="utf-8").replace("Coalition pour", "Coalition renouvelée pour"),
        encoding="utf-8",
    )
    cli("members", "import", str(second), "--by", SECRETARIAT.email)
    _publish(cli, tmp_path, "Texte « confidentiel ».", "Confidential text.")
    code, out, _ = cli("audit", "verify")
    assert code == 0 and out.startswith("Journal d’audit intègre\u00a0: 3 entrées")

    _sql(
        database_url,
        update(tables.audit_log)
        .where(tables.audit_log.c.seq == 2)
        .values(actor="quelqu’un d’autre"),
    )
    code, _, err = cli("--lang", "en", "audit", "verify")
    assert code == 1
    assert "Entry 2: its content was changed." in err

    _sql(
        database_url,
        update(tables.audit_log).where(tables.audit_log.c.seq == 2).values(actor=SECRETARIAT.email),
    )
    assert cli("audit", "verify")[0] == 0
    _sql(database_url, delete(tables.audit_log).where(tables.audit_log.c.seq == 2))
    code, _, err = cli("audit", "verify")
    assert (
        code == 1
        and "Entrée 3\u00a0: une ou plusieurs entrées la précédant ont été supprimées." in err
    )


def test_publish_and_report_keep_french_typography(cli: Cli, tmp_path: Path) -> None:
    cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    code, out, _ = _publish(
        cli, tmp_path, "Je m’engage à « la discrétion ».", "I undertake to be discreet."
    )
    assert code == 0 and out.startswith("Version 1 publiée")
    code, _, err = _publish(
        cli, tmp_path, "Je m’engage à « la discrétion ».", "I undertake to be discreet."
    )
    assert code == 1 and "identiques à la version en vigueur" in err
    report = tmp_path / "rapport.csv"
    code, out, _ = cli("confidentiality", "report", "--csv", str(report))
    assert code == 0 and "5 en attente sur 5" in out
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert (
        text.splitlines()[0]
        == "Nom;Courriel;Organisation;Statut;Version acceptée;Date d’acceptation;"
        "Acceptation (ISO 8601, UTC);Version en vigueur"
    )
    assert (
        "Amélie Côté;amelie.cote@transparence.example.org;Coalition pour la transparence (exemple);En attente;;;;1"
        in text
    )


def test_package_writes_the_app_with_the_configured_id(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    assert main(["package", "--out", str(out)]) == 2
    assert "MicrosoftAppId est requis" in capsys.readouterr().err
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("MicrosoftAppPassword", "x")
    monkeypatch.setenv("MicrosoftAppTenantId", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert main(["package", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "en.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        english = json.loads(archive.read("en.json"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    # The command lists come from the features' registered commands; the committed manifest
    # (checked against the registry in test_catalogues_cards_manifest) says the same.
    committed = json.loads((ROOT / "manifest" / "manifest.json").read_text(encoding="utf-8"))
    committed_en = json.loads((ROOT / "manifest" / "en.json").read_text(encoding="utf-8"))
    assert manifest["bots"][0]["commandLists"] == committed["bots"][0]["commandLists"]
    assert english == committed_en


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"BOT_PORT": "quatre"},
            "Configuration error: BOT_PORT: Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            {"BOT_TIMEZONE": "Mars/Olympus"},
            "Configuration error: BOT_TIMEZONE: unknown time zone 'Mars/Olympus'",
        ),
        (
            {"DATABASE_URL": "sqlite:///x.db"},
            "Configuration error: DATABASE_URL: use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB",
        ),
        (
            {"MicrosoftAppId": APP_ID},
            "Configuration error: MicrosoftAppPassword or MicrosoftAppCertificatePath is required "
            "when MicrosoftAppId is set (or MicrosoftAppType=UserAssignedMSI)",
        ),
        (
            {"BOT_HOST": "0.0.0.0"},
            "Configuration error: BOT_HOST=0.0.0.0 is not a loopback address; local mode (no MicrosoftAppId) listens on 127.0.0.1 only",
        ),
    ],
)
def test_a_wrong_setting_stops_the_start_with_one_line_naming_it(
    env: dict[str, str], line: str, tmp_path: Path
) -> None:
    result = _start(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == line


def _roster_plus(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(
        ROSTER.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


AAD = "00000000-0000-0000-0000-0000000000f1"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            f"a@x.org,A,Org,societe_civile,member,oui,{AAD}\nb@x.org,B,Org,societe_civile,member,oui,{AAD}",
            f"Ligne 8\u00a0: l’identifiant Entra {AAD} figure déjà à la ligne 7",
        ),
        (
            "a@x.org," + "N" * 201 + ",Org,societe_civile,member",
            "Ligne 7\u00a0: la colonne «\u00a0display_name\u00a0» dépasse 200 caractères",
        ),
        (
            "a" * 320 + "@x.org,A,Org,societe_civile,member",
            "Ligne 7\u00a0: la colonne «\u00a0email\u00a0» dépasse 320 caractères",
        ),
        (
            "a@x.org,Nul\x00Byte,Org,societe_civile,member",
            "Ligne 7\u00a0: la colonne «\u00a0display_name\u00a0» contient un caractère de contrôle invisible",
        ),
        (
            "a@x.org," + "N" * 140_000 + ",Org,societe_civile,member",
            "Ligne 7\u00a0: ligne illisible",
        ),
    ],
    ids=["duplicate Entra id", "long name", "long e-mail", "NUL byte", "field over the csv limit"],
)
def test_a_roster_row_the_registry_cannot_hold_is_named_and_nothing_is_written(
    cli: Cli, database_url: str, tmp_path: Path, row: str, message: str
) -> None:
    code, out, err = cli(
        "members", "import", str(_roster_plus(tmp_path, row)), "--by", SECRETARIAT.email
    )
    assert code == 1 and out == ""
    assert message in err
    assert "Traceback" not in err
    assert _count(database_url, tables.members) == 0


def test_an_entra_id_already_held_by_another_member_is_refused(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    assert (
        cli(
            "members",
            "import",
            str(_roster_plus(tmp_path, f"a@x.org,A,Org,societe_civile,member,oui,{AAD}")),
            "--by",
            SECRETARIAT.email,
        )[0]
        == 0
    )
    other = tmp_path / "other.csv"
    other.write_text(
        f"email,display_name,organisation,seat,role,active,aad_object_id\nb@x.org,B,Org,societe_civile,member,oui,{AAD}\n",
        encoding="utf-8",
    )
    code, _, err = cli("members", "import", str(other), "--by", SECRETARIAT.email)
    assert code == 1
    assert f"Ligne 2\u00a0: l’identifiant Entra {AAD} appartient déjà à a@x.org" in err
    assert _count(database_url, tables.members) == 6


def test_publishing_a_file_that_is_not_utf8_says_so(cli: Cli, tmp_path: Path) -> None:
    cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    (tmp_path / "fr.md").write_bytes("Texte « latin ».".encode("latin-1"))
    (tmp_path / "en.md").write_text("Text.", encoding="utf-8")
    by = "camille.tremblay@sct.example.org"
    code, _, err = cli(
        "confidentiality", "publish", str(tmp_path / "fr.md"), str(tmp_path / "en.md"), "--by", by
    )
    assert code == 2
    assert "fr.md n’est pas un texte UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "by", ["olivier.roy@example.org", "amelie.cote@transparence.example.org", ""]
)
def test_only_a_serving_secretariat_member_publishes_from_the_command_line(
    cli: Cli, database_url: str, tmp_path: Path, by: str
) -> None:
    cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    (tmp_path / "fr.md").write_text("Texte.", encoding="utf-8")
    (tmp_path / "en.md").write_text("Text.", encoding="utf-8")
    code, _, err = cli(
        "confidentiality", "publish", str(tmp_path / "fr.md"), str(tmp_path / "en.md"), "--by", by
    )
    assert code == 1
    assert "n’est pas un membre du secrétariat en fonction" in err
    assert _count(database_url, confidentiality_tables.commitment_versions) == 0
    assert _count(database_url, tables.audit_log) == 1, "only the roster import"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_arrives_as_text(
    cli: Cli, tmp_path: Path
) -> None:
    roster = _roster_plus(
        tmp_path, "evil@x.org,=cmd|' /C calc'!A0,+1 (514) 555-0100,societe_civile,member"
    )
    cli("members", "import", str(roster), "--by", SECRETARIAT.email)
    _publish(cli, tmp_path, "Texte.", "Text.")
    report = tmp_path / "rapport.csv"
    assert cli("--lang", "en", "confidentiality", "report", "--csv", str(report))[0] == 0
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    evil = next(r for r in rows if r[1] == "evil@x.org")
    assert evil[0] == "'=cmd|' /C calc'!A0"
    assert evil[2] == "'+1 (514) 555-0100"


def test_audit_verify_says_a_row_was_inserted(cli: Cli, database_url: str, tmp_path: Path) -> None:
    cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    _publish(cli, tmp_path, "Texte.", "Text.")

    async def last() -> tuple[int, str]:
        db = Database(database_url)
        try:
            async with db.read() as conn:
                row = (
                    await conn.execute(
                        select(tables.audit_log.c.seq, tables.audit_log.c.hash)
                        .order_by(tables.audit_log.c.seq.desc())
                        .limit(1)
                    )
                ).one()
                return int(row.seq), str(row.hash)
        finally:
            await db.dispose()

    seq, head = asyncio.run(last())
    _sql(
        database_url,
        insert(tables.audit_log).values(
            seq=seq + 5,
            occurred_at=datetime(2026, 11, 23),
            actor="quelqu’un",
            action="confidentiality.accepted",
            object_type="commitment_version",
            object_id="1",
            details="{}",
            prev_hash=head,
            hash="f" * 64,
        ),
    )
    code, _, err = cli("--lang", "en", "audit", "verify")
    assert code == 1
    assert (
        f"Entry {seq + 5}: added out of sequence after the previous entry (inserted entry)." in err
    )


def _by_commands() -> set[tuple[str, str]]:
    """Every subcommand that takes --by, read from the parser itself: a new one is walked
    below or this test fails."""
    from bot.__main__ import SUBCOMMANDS
    from bot.commandline import parser as command_line

    found = set()
    top = next(
        a for a in command_line(SUBCOMMANDS)._actions if isinstance(a, argparse._SubParsersAction)
    )
    for name, command in top.choices.items():
        subs = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for action, parser in subs[0].choices.items() if subs else []:
            if any("--by" in a.option_strings for a in parser._actions):
                found.add((name, action))
    return found


def _everything(url: str) -> dict[str, int]:
    return {table.name: _count(url, table) for table in tables.metadata.sorted_tables}


def test_every_by_is_a_serving_secretariat_member_or_nothing_is_done(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    """An unknown address, a plain member and a former secretariat member are refused by
    every subcommand that names who acts: a message, exit 1, not a row written anywhere
    (the audit chain included), no traceback."""
    former = ROSTER.read_text(encoding="utf-8")
    roster = tmp_path / "roster.csv"
    # Mathieu's mandate on the secretariat ended last year.
    roster.write_text(
        former.replace(
            "mathieu.gagnon@sct.example.org,Mathieu Gagnon,Secrétariat du Conseil du trésor,"
            "secretariat_conseil_tresor,secretariat,oui,,2025-09-01,2027-08-31",
            "mathieu.gagnon@sct.example.org,Mathieu Gagnon,Secrétariat du Conseil du trésor,"
            "secretariat_conseil_tresor,secretariat,oui,,2023-09-01,2025-08-31",
        ),
        encoding="utf-8",
    )
    assert cli("members", "import", str(roster), "--by", SECRETARIAT.email)[0] == 0
    (tmp_path / "fr.md").write_text("Texte.", encoding="utf-8")
    (tmp_path / "en.md").write_text("Text.", encoding="utf-8")
    (tmp_path / "round.md").write_text("# Plan\n\n## Engagement 1\n\nTexte.\n", encoding="utf-8")
    walked: dict[tuple[str, str], list[str]] = {
        ("members", "import"): [str(roster)],
        ("confidentiality", "publish"): [str(tmp_path / "fr.md"), str(tmp_path / "en.md")],
        ("meetings", "schedule"): [
            "--date",
            "2099-03-04",
            "--start",
            "13:30",
            "--duration",
            "90",
            "--title",
            "Réunion",
        ],
        ("meetings", "cancel"): ["1"],
        ("declarations", "purge"): [],
        ("consultation", "open"): [str(tmp_path / "round.md"), "--deadline", "2099-02-15"],
        ("consultation", "export"): ["1", "--csv", str(tmp_path / "out.csv")],
        ("actions", "add"): [
            "--what",
            "Relire",
            "--owner",
            "amelie.cote@transparence.example.org",
            "--due",
            "2099-01-01",
        ],
        ("actions", "export"): ["--csv", str(tmp_path / "out.csv")],
        ("commitments", "import"): [str(tmp_path / "round.md")],
        ("commitments", "export"): ["--csv", str(tmp_path / "out.csv")],
        ("minutes", "submit"): ["1", "--url", "https://contoso.sharepoint.com/pv.docx"],
        ("minutes", "adopt"): [
            "1",
            "--on",
            "2026-12-01",
            "--url",
            "https://contoso.sharepoint.com/pv.pdf",
        ],
        ("members", "export-data"): [
            "amelie.cote@transparence.example.org",
            "--out",
            str(tmp_path / "out.html"),
        ],
    }
    assert set(walked) == _by_commands()
    before = _everything(database_url)
    for (command, action), rest in walked.items():
        for by in ("nobody@evil.example", "amelie.cote@transparence.example.org", "mathieu.gagnon@sct.example.org"):  # fmt: skip
            code, out, err = cli(command, action, *rest, "--by", by)
            assert code == 1, (command, action, by, out, err)
            assert "n’est pas un membre du secrétariat en fonction" in err, (command, action)
            assert "Traceback" not in err
    assert _everything(database_url) == before
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "out.html").exists()


def test_the_first_import_must_make_the_one_importing_a_secretariat_member(
    cli: Cli, database_url: str
) -> None:
    """Before anyone serves on the secretariat, the roster itself vouches for `--by`."""
    for by in ("nobody@evil.example", "amelie.cote@transparence.example.org"):
        code, _, err = cli("members", "import", str(ROSTER), "--by", by)
        assert code == 1 and "rien n’a été importé" in err, by
        assert _count(database_url, tables.members) == 0
        assert _count(database_url, tables.audit_log) == 0
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    [entry] = _audit_actors(database_url)
    assert entry == SECRETARIAT.email
    code, _, err = cli("members", "import", str(ROSTER), "--by", "amelie.cote@transparence.example.org")  # fmt: skip
    assert code == 1 and "n’est pas un membre du secrétariat en fonction" in err


def _audit_actors(url: str) -> list[str]:
    async def go() -> list[str]:
        db = Database(url)
        try:
            async with db.read() as conn:
                return list((await conn.execute(select(tables.audit_log.c.actor))).scalars())
        finally:
            await db.dispose()

    return asyncio.run(go())
