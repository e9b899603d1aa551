"""Connection precedence, profiles, and passwords that never reach the disk or the screen."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from erp_console.cli import main
from erp_console.config import Config, Profile, config_path, load_config, mask_url, resolve_target
from erp_console.errors import ConfigError


def test_precedence_url_env_profile_default(isolated_dirs):
    config = Config(
        {"prod": Profile("prod", "postgresql+psycopg2://erp@db1/erp", read_only=True)}, "prod"
    )
    env = {"ERP_CONSOLE_URL": "mysql+pymysql://erp@db2/erp"}
    assert resolve_target("sqlite:///x.db", None, env=env, config=config).url == "sqlite:///x.db"
    assert resolve_target(None, None, env=env, config=config).url.startswith(
        "mysql+pymysql://erp@db2"
    )
    from_profile = resolve_target(None, None, env={}, config=config)
    assert from_profile.url.endswith("@db1/erp") and from_profile.read_only
    embedded = resolve_target(None, None, env={}, config=Config())
    assert embedded.url.startswith("sqlite:///") and str(isolated_dirs / "data") in embedded.url


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        resolve_target(None, "nope", env={}, config=Config())


def test_profile_password_comes_from_env_and_is_never_written(monkeypatch):
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "profiles",
            "add",
            "prod",
            "--url",
            "postgresql+psycopg2://erp@db1/erp",
            "--password-env",
            "ERP_PW",
            "--read-only",
        ],
    )
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("ERP_PW", "s3cr3t-pw")
    target = resolve_target(None, "prod", env={})
    assert ":s3cr3t-pw@" in target.url
    assert "s3cr3t-pw" not in target.masked
    assert "s3cr3t-pw" not in config_path().read_text()
    listed = runner.invoke(main, ["profiles", "list"])
    assert "prod" in listed.output and "$ERP_PW" in listed.output and "s3cr3t" not in listed.output


def test_password_in_profile_url_is_refused_and_nothing_saved():
    result = CliRunner().invoke(
        main, ["profiles", "add", "x", "--url", "mysql+pymysql://root:hunter2@h/db"]
    )
    assert result.exit_code == 1
    assert "password" in result.output and "hunter2" not in result.output
    assert not config_path().exists()


def test_password_cmd_supplies_the_password():
    cmd = f"{sys.executable} -c \"print('from-cmd')\""
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["profiles", "add", "c", "--url", "mysql+pymysql://u@h/db", "--password-cmd", cmd]
        ).exit_code
        == 0
    )
    assert ":from-cmd@" in resolve_target(None, "c", env={}).url


def test_profiles_remove_and_missing():
    runner = CliRunner()
    runner.invoke(main, ["profiles", "add", "a", "--url", "sqlite:///a.db"])
    assert "a" in load_config().profiles
    assert runner.invoke(main, ["profiles", "remove", "a"]).exit_code == 0
    assert "a" not in load_config().profiles
    missing = runner.invoke(main, ["profiles", "remove", "a"])
    assert missing.exit_code == 1 and "no profile named 'a'" in missing.output


def test_invalid_toml_config_is_one_line_exit_2():
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text("[profiles\nbroken = ")
    result = CliRunner().invoke(main, ["profiles", "list"])
    assert result.exit_code == 2
    assert "not valid TOML" in result.output and "Traceback" not in result.output


def test_mask_url_hides_passwords_even_in_unparseable_urls():
    assert mask_url("postgresql://erp:pa55@db/erp") == "postgresql://erp:***@db/erp"
    assert "pa55" not in mask_url("weird+x://u:pa55@:::/")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://erp@db/erp?password=hunter2",
        "postgresql://erp@db/erp?sslmode=require&sslpassword=hunter2",
        "mysql://erp@db/erp?passwd=hunter2",
        "mariadb://erp@db/erp?ssl_key_passphrase=hunter2",
        "sqlite:///erp.sqlite3?password=hunter2",
    ],
)
def test_password_in_the_query_string_is_refused_like_userinfo(url):
    result = CliRunner().invoke(main, ["profiles", "add", "q", "--url", url])
    assert result.exit_code == 1
    assert "profiles never store one" in result.output and "hunter2" not in result.output
    assert not config_path().exists()


def test_mask_url_hides_every_credential_bearing_part():
    masked = mask_url(
        "postgresql://erp:pa55@db/erp?sslmode=require&sslpassword=k3y&password=pw2"
        " and host=db password=pw3 user=erp"
    )
    assert masked == (
        "postgresql://erp:***@db/erp?sslmode=require&sslpassword=***&password=***"
        " and host=db password=*** user=erp"
    )
    assert mask_url("mysql://u@h/d?passwd=x1&charset=utf8mb4") == (
        "mysql://u@h/d?passwd=***&charset=utf8mb4"
    )
