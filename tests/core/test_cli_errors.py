"""Bad input to the CLI: one line on stderr naming the problem and the fix, the right exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from erp_console.cli import main


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "erp_console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_connection_refused_exits_3_with_host_port_and_no_traceback():
    result = run_cli("--url", "postgresql+psycopg2://root@127.0.0.1:1/erp", "audit", "list")
    assert result.returncode == 3
    assert "127.0.0.1:1" in result.stderr and "connection refused" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_wrong_password_is_refused_without_echoing_it(new_database_url):
    new_database_url("mysql")  # skips/fails clearly when MariaDB is absent
    result = CliRunner().invoke(
        main, ["--url", "mysql+pymysql://root:not-the-pw@127.0.0.1:3306/mysql", "audit", "list"]
    )
    assert result.exit_code == 3
    assert "refused" in result.output and "not-the-pw" not in result.output


def test_missing_server_database_names_the_fix(new_database_url):
    new_database_url("postgresql")
    result = CliRunner().invoke(
        main, ["--url", "postgresql+psycopg2://root@127.0.0.1:5432/erpc_nope_db", "audit", "list"]
    )
    assert result.exit_code == 3
    assert (
        "erpc_nope_db" in result.output
        and "does not exist" in result.output
        and "init" in result.output
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("oracle://u@h/db", "unsupported database dialect 'oracle'"),
        ("::not a url::", "malformed database URL"),
        ("nosuch://x/y", "unsupported database dialect 'nosuch'"),
    ],
)
@pytest.mark.parametrize("command", [("audit", "list"), ("init",), ("demo",), ("db", "health")])
def test_bad_urls_are_usage_errors(url, expected, command):
    result = run_cli("--url", url, *command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {result.stderr[7:].strip()}"]
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_uninitialised_database_points_to_init(tmp_path):
    path = tmp_path / "empty.sqlite3"
    path.touch()
    result = CliRunner().invoke(main, ["--url", f"sqlite:///{path}", "audit", "list"])
    assert result.exit_code == 1
    assert "erp-console init" in result.output


@pytest.mark.parametrize(
    "command",
    [("users", "list"), ("audit", "list"), ("db", "health"), ("db", "tables"), ("roles", "list")],
)
def test_reads_on_a_missing_sqlite_file_create_nothing(tmp_path, command):
    path = tmp_path / "nothing-here" / "erp.sqlite3"
    result = CliRunner().invoke(main, ["--url", f"sqlite:///{path}", *command])
    assert result.exit_code == 3, result.output
    assert f"SQLite file {path} does not exist" in result.stderr
    assert f"--url sqlite:///{path} init" in result.stderr
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "mysql", "mariadb"])
def test_plain_server_urls_use_the_installed_drivers(new_database_url, scheme):
    dialect = "postgresql" if scheme.startswith("postgres") else "mysql"
    url = new_database_url(dialect, "plain")
    plain = scheme + url[url.index("://") :]
    runner = CliRunner()
    created = runner.invoke(main, ["--url", plain, "init"])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(main, ["--url", plain, "--format", "json", "users", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.strip() == "[]"


@pytest.mark.parametrize("scale", ["0", "-3"])
def test_demo_scale_must_be_positive_and_nothing_is_written(tmp_path, scale):
    path = tmp_path / "d.sqlite3"
    result = CliRunner().invoke(main, ["--url", f"sqlite:///{path}", "demo", "--scale", scale])
    assert result.exit_code == 1
    assert "--scale" in result.output
    assert not path.exists()


def test_init_then_demo_on_servers_via_cli(new_database_url):
    for dialect in ("postgresql", "mysql"):
        url = new_database_url(dialect, "cli")
        # Let init create the database itself: drop the suffix to a fresh name on the same server.
        runner = CliRunner()
        first = runner.invoke(main, ["--url", url, "init"])
        assert first.exit_code == 0, first.output
        again = runner.invoke(main, ["--url", url, "init"])
        assert "nothing to do" in again.output
        status = runner.invoke(main, ["--url", url, "--read-only", "init"])
        assert status.exit_code == 1 and "read-only" in status.output


def test_version_and_python_m():
    result = run_cli("--version")
    assert result.returncode == 0 and "erp-console" in result.stdout
