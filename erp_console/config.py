"""Where the console keeps its files, connection profiles and how a URL is chosen (DESIGN §3)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from erp_console.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "erp-console"
URL_ENV = "ERP_CONSOLE_URL"


def data_dir() -> Path:
    override = os.environ.get("ERP_CONSOLE_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    override = os.environ.get("ERP_CONSOLE_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / "config.toml"


def default_sqlite_path() -> Path:
    return data_dir() / "erp.sqlite3"


def default_sqlite_url() -> str:
    return f"sqlite:///{default_sqlite_path()}"


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    read_only: bool = False
    password_env: str | None = None
    password_cmd: str | None = None

    def to_toml(self) -> dict:
        data: dict = {"url": self.url, "read_only": self.read_only}
        if self.password_env:
            data["password_env"] = self.password_env
        if self.password_cmd:
            data["password_cmd"] = self.password_cmd
        return data


@dataclass
class Config:
    profiles: dict[str, Profile] = field(default_factory=dict)
    default_profile: str | None = None


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML ({exc}); fix or remove it"
        ) from None
    profiles = {}
    for name, data in (raw.get("profiles") or {}).items():
        if not isinstance(data, dict) or "url" not in data:
            raise ConfigError(f"config file {path}: profile '{name}' has no url; fix or remove it")
        profiles[name] = Profile(
            name=name,
            url=str(data["url"]),
            read_only=bool(data.get("read_only", False)),
            password_env=data.get("password_env"),
            password_cmd=data.get("password_cmd"),
        )
    return Config(profiles=profiles, default_profile=raw.get("default_profile"))


def save_config(config: Config, path: Path | None = None) -> Path:
    import tomli_w

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw: dict = {}
    if config.default_profile:
        raw["default_profile"] = config.default_profile
    raw["profiles"] = {name: p.to_toml() for name, p in sorted(config.profiles.items())}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(raw), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def parse_url(url: str):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"malformed database URL '{mask_url(url)}'; expected e.g. "
            "postgresql+psycopg2://user@host/db, mysql+pymysql://user@host/db or sqlite:///path"
        ) from None


def mask_url(url: str) -> str:
    """Hide a password in a URL, even in one SQLAlchemy cannot parse."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


@dataclass(frozen=True)
class Target:
    """The resolved connection: URL (maybe with a password), read-only flag and where it came from."""

    url: str
    read_only: bool
    source: str
    profile: str | None = None

    @property
    def masked(self) -> str:
        return mask_url(self.url)


def resolve_password(profile: Profile) -> str | None:
    if profile.password_env:
        value = os.environ.get(profile.password_env)
        if value is None:
            raise ConfigError(
                f"profile '{profile.name}' reads its password from ${profile.password_env}, "
                "which is not set; export it and try again"
            )
        return value
    if profile.password_cmd:
        try:
            out = subprocess.run(
                shlex.split(profile.password_cmd), capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"profile '{profile.name}': password_cmd failed ({exc})") from None
        if out.returncode != 0:
            raise ConfigError(
                f"profile '{profile.name}': password_cmd exited with {out.returncode}; "
                "check the command in config.toml"
            )
        return out.stdout.rstrip("\n")
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    return keyring.get_password(APP_NAME, profile.name)


def resolve_target(
    url: str | None = None,
    profile: str | None = None,
    read_only: bool = False,
    env: dict[str, str] | None = None,
    config: Config | None = None,
) -> Target:
    """URL precedence: --url > $ERP_CONSOLE_URL > --profile (or the default profile) > embedded SQLite."""
    env = os.environ if env is None else env
    if url:
        return Target(url, read_only, "--url")
    if env.get(URL_ENV):
        return Target(env[URL_ENV], read_only, URL_ENV)
    config = config or load_config()
    name = profile or config.default_profile
    if name:
        if name not in config.profiles:
            known = ", ".join(sorted(config.profiles)) or "none"
            raise ConfigError(
                f"no profile named '{name}' (known: {known}); add it with "
                f"`erp-console profiles add {name} --url ...`"
            )
        prof = config.profiles[name]
        target_url = prof.url
        password = resolve_password(prof)
        if password is not None:
            target_url = (
                parse_url(prof.url).set(password=password).render_as_string(hide_password=False)
            )
        return Target(target_url, read_only or prof.read_only, f"profile {name}", profile=name)
    return Target(default_sqlite_url(), read_only, "embedded default")
