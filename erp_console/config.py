"""Where the console keeps its files, connection profiles and how a URL is chosen (docs/ARCHITECTURE.md §5)."""

from __future__ import annotations

import os
import re
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
STORE_ENV = "ERP_CONSOLE_STORE"
ERP_KINDS = ("native", "odoo", "erpnext", "dolibarr")


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
    erp: str | None = None  # one of ERP_KINDS; None = detect from the tables
    store: str | None = None  # the console store's URL; None = the profile's embedded SQLite
    allow_writes: bool = False  # an ERP connector may change the ERP's users and roles

    def to_toml(self) -> dict:
        data: dict = {"url": self.url, "read_only": self.read_only}
        if self.password_env:
            data["password_env"] = self.password_env
        if self.password_cmd:
            data["password_cmd"] = self.password_cmd
        if self.erp:
            data["erp"] = self.erp
        if self.store:
            data["store"] = self.store
        if self.allow_writes:
            data["allow_writes"] = True
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
        erp = data.get("erp")
        if erp is not None and erp not in ERP_KINDS:
            raise ConfigError(
                f"config file {path}: profile '{name}' has erp = '{erp}'; "
                f"use one of {', '.join(ERP_KINDS)} (or leave it out to detect)"
            )
        profiles[name] = Profile(
            name=name,
            url=str(data["url"]),
            read_only=bool(data.get("read_only", False)),
            password_env=data.get("password_env"),
            password_cmd=data.get("password_cmd"),
            erp=erp,
            store=data.get("store"),
            allow_writes=bool(data.get("allow_writes", False)),
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


SUPPORTED_DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}
# What libpq, DATABASE_URL and the MySQL docs write, mapped to the drivers the package installs.
DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg2",
    "postgres": "postgresql+psycopg2",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mariadb+pymysql": "mysql+pymysql",
}
URL_EXAMPLES = (
    "postgresql://user@host/db, mysql://user@host/db, mariadb://user@host/db or sqlite:///path"
)
# Query parameters that carry a credential (libpq password/sslpassword, PyMySQL passwd, key
# passphrases, tokens): refused in profiles and masked in all output.
_SECRET_NAME = r"[A-Za-z_]*(?:password|passwd|pwd|passphrase|secret|token)[A-Za-z_]*"
_SECRET_PARAM = re.compile(rf"(?i)(?<![A-Za-z_])({_SECRET_NAME})=([^&#;\s'\"]*)")
_USERINFO_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")


def parse_url(url: str):
    """A database URL with the installed driver filled in; unknown dialects refused in one line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"malformed database URL '{mask_url(url)}'; expected e.g. {URL_EXAMPLES}"
        ) from None
    driver = DEFAULT_DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DIALECTS:
        raise ConfigError(f"unsupported database dialect '{backend}'; use {URL_EXAMPLES}")
    return parsed


def secret_query_params(url) -> list[str]:
    """Names of the URL's query parameters that carry a credential."""
    return [name for name in url.query if re.fullmatch(f"(?i){_SECRET_NAME}", name)]


def mask_url(text: str) -> str:
    """Hide every credential in a URL or in text holding one: the userinfo password and query or
    conninfo parameters such as password, passwd, sslpassword or a key passphrase."""
    text = _USERINFO_PASSWORD.sub(r"\1***@", text)
    return _SECRET_PARAM.sub(r"\1=***", text)


LOCK_TIMEOUT_ENV = "ERP_CONSOLE_LOCK_TIMEOUT"
STATEMENT_TIMEOUT_ENV = "ERP_CONSOLE_STATEMENT_TIMEOUT"


@dataclass(frozen=True)
class Timeouts:
    """How long a session waits for another session's lock, and for one statement (0 = forever)."""

    lock_seconds: float = 10.0
    statement_seconds: float = 300.0


def session_timeouts(env: dict[str, str] | None = None) -> Timeouts:
    env = os.environ if env is None else env
    values = {}
    for name, field_name in (
        (LOCK_TIMEOUT_ENV, "lock_seconds"),
        (STATEMENT_TIMEOUT_ENV, "statement_seconds"),
    ):
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[field_name] = float(raw)
        except ValueError:
            values[field_name] = -1.0
        if values[field_name] < 0:
            raise ConfigError(f"${name} must be a number of seconds (0 = no limit), not '{raw}'")
    return Timeouts(**values)


@dataclass(frozen=True)
class Target:
    """The resolved connection: URL (maybe with a password), read-only flag and where it came from.

    `erp` names the identity model (None: detect it from the tables); `store` is the console
    store's URL for an ERP connection (None: the embedded SQLite of `store_key`); `allow_writes`
    lets an ERP connector change the ERP (it opens read-only at the database otherwise)."""

    url: str
    read_only: bool
    source: str
    profile: str | None = None
    erp: str | None = None
    store: str | None = None
    allow_writes: bool = False

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    @property
    def erp_writes(self) -> bool:
        """An ERP connector opens its database for writing only when this is true."""
        return self.allow_writes and not self.read_only

    @property
    def store_url(self) -> str:
        return self.store or default_store_url(self)

    @property
    def store_is_default(self) -> bool:
        return not self.store


def default_store_url(target: Target) -> str:
    """The embedded console store of a profile, or of a URL (named by a hash, no password)."""
    if target.profile:
        key = target.profile
    else:
        import hashlib

        bare = parse_url(target.url).set(password=None).render_as_string(hide_password=False)
        key = hashlib.sha256(bare.encode("utf-8")).hexdigest()[:12]
    return f"sqlite:///{data_dir() / f'store-{key}.sqlite3'}"


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
    *,
    erp: str | None = None,
    store: str | None = None,
    allow_writes: bool = False,
) -> Target:
    """URL precedence: --url > $ERP_CONSOLE_URL > --profile (or the default profile) > embedded SQLite.

    The store: --store > $ERP_CONSOLE_STORE > the profile's `store`; `erp` and `allow_writes`
    from the options, else from the profile."""
    env = os.environ if env is None else env
    if erp is not None and erp not in ERP_KINDS:
        raise ConfigError(f"--erp '{erp}' is not known; use one of {', '.join(ERP_KINDS)}")
    store = store or env.get(STORE_ENV) or None
    if url:
        return Target(url, read_only, "--url", None, erp, store, allow_writes)
    if env.get(URL_ENV):
        return Target(env[URL_ENV], read_only, URL_ENV, None, erp, store, allow_writes)
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
        return Target(
            target_url,
            read_only or prof.read_only,
            f"profile {name}",
            profile=name,
            erp=erp or prof.erp,
            store=store or prof.store,
            allow_writes=allow_writes or prof.allow_writes,
        )
    return Target(
        default_sqlite_url(), read_only, "embedded default", None, erp, store, allow_writes
    )
