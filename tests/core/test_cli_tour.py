"""Every command, run for real: one JSON document with --format json, and no secret of the URL in
any output, file, record or table afterwards."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import String, Text, create_engine, select, text
from sqlalchemy.engine import make_url

from erp_console.cli import main
from erp_console.db.models import Base
from tests.support.cli_tour import Step, command_paths, tour

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

SECRET = "S3cr3tTourPw"


def _command_of(step: Step) -> str:
    group, words = main, []
    for word in step.args:
        cmd = group.get_command(click.Context(group), word)
        words.append(word)
        if not isinstance(cmd, click.Group):
            break
        group = cmd
    return " ".join(words)


def _run(url: str, step: Step, *options: str):
    return CliRunner().invoke(
        main, ["--url", url, "--operator", "tour", *options, *step.args], input=step.stdin
    )


def _documents(stdout: str) -> list[object]:
    """Parse stdout as a sequence of JSON documents (a valid single document gives one)."""
    decoder, found, pos, raw = json.JSONDecoder(), [], 0, stdout.strip()
    while pos < len(raw):
        value, pos = decoder.raw_decode(raw, pos)
        found.append(value)
        while pos < len(raw) and raw[pos].isspace():
            pos += 1
    return found


def test_the_tour_runs_every_command_of_the_cli(demo_sqlite, tmp_path):
    url = demo_sqlite.url.render_as_string(hide_password=False)
    toured = {_command_of(step) for step in tour(demo_sqlite, tmp_path, url)}
    assert command_paths(main) - toured == set(), "add the new command to tests/support/cli_tour"


def test_json_format_prints_exactly_one_document_per_command(demo_sqlite, tmp_path):
    url = demo_sqlite.url.render_as_string(hide_password=False)
    printing = 0
    for step in tour(demo_sqlite, tmp_path / "work", url):
        result = _run(url, step, "--format", "json")
        where = " ".join(step.args)
        assert result.exit_code == step.exit_code, f"{where}: {result.output}"
        assert "Traceback" not in result.output, where
        if step.writes_only or step.exit_code:
            assert result.stdout == "", f"{where} printed to stdout: {result.stdout[:200]}"
            continue
        assert len(_documents(result.stdout)) == 1, f"{where}: {result.stdout[:300]}"
        json.loads(result.stdout)
        printing += 1
    assert printing >= 50


def _secret_url(db, dialect: str, admin) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{db.url.database}?password={SECRET}"
    if dialect == "postgresql":
        # The test server trusts local logins, so it ignores both passwords.
        url = db.url.set(password=SECRET, query={"sslpassword": SECRET, "password": SECRET})
        return url.render_as_string(hide_password=False)
    login = f"tour_{db.url.database[-12:]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE USER IF NOT EXISTS '{login}'@'%' IDENTIFIED BY '{SECRET}'"))
        conn.execute(text(f"GRANT ALL ON `{db.url.database}`.* TO '{login}'@'%'"))
    return db.url.set(username=login, query={"password": SECRET}).render_as_string(
        hide_password=False
    )


def _text_columns_holding(db, needle: str) -> list[str]:
    hits = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, (String, Text)):
                    found = conn.execute(
                        select(column).where(column.contains(needle, autoescape=True)).limit(1)
                    ).first()
                    if found:
                        hits.append(f"{table.name}.{column.name}")
    return hits


def _files_holding(root: Path, needle: str) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if needle.encode() in data:
            hits.append(str(path))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                hits += [
                    f"{path}!{name}"
                    for name in archive.namelist()
                    if needle.encode() in archive.read(name)
                ]
    return hits


def test_no_command_shows_or_stores_a_secret_of_the_url(demo_db, dialect, isolated_dirs, tmp_path):
    admin = None
    if dialect == "mysql":
        admin = create_engine(demo_db.url, isolation_level="AUTOCOMMIT")
    url = _secret_url(demo_db, dialect, admin)
    work = tmp_path / "work"
    leaks = []
    ran = 0
    try:
        for step in tour(demo_db, work, url):
            for fmt in ("table", "json"):
                result = _run(url, step, "--format", fmt)
                where = f"{' '.join(step.args)} ({fmt})"
                assert "Traceback" not in result.output, where
                if result.exit_code == 0:
                    ran += 1
                for stream, out in (("stdout", result.stdout), ("stderr", result.stderr)):
                    if SECRET in out:
                        leaks.append(f"{where} {stream}")
            if step.args[0] == "restore":
                break
        refused = CliRunner().invoke(main, ["profiles", "add", "leak", "--url", url])
        assert refused.exit_code == 1 and "profiles never store one" in refused.stderr
        assert SECRET not in refused.output
        leaks += _files_holding(work, SECRET) + _files_holding(isolated_dirs, SECRET)
        leaks += _text_columns_holding(demo_db, SECRET)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP USER IF EXISTS '{make_url(url).username}'@'%'"))
            admin.dispose()
    assert ran > 100
    assert leaks == []
