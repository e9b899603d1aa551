"""`profiles add|list|remove|default`: saved connections, never with a password."""

from __future__ import annotations

import re

import click

from erp_console.cli.output import emit, success
from erp_console.config import (
    Profile,
    load_config,
    mask_url,
    parse_url,
    save_config,
    secret_query_params,
)
from erp_console.db.engine import dialect_family
from erp_console.errors import NotFound, ValidationError


@click.group()
def profiles() -> None:
    """Saved connection profiles (config.toml; passwords never stored)."""


@profiles.command("add")
@click.argument("name")
@click.option("--url", required=True, help="Database URL without a password.")
@click.option("--read-only", is_flag=True, help="Always open this profile read-only.")
@click.option("--password-env", help="Environment variable that holds the password.")
@click.option(
    "--password-cmd", help="Command that prints the password (e.g. `pass show erp/prod`)."
)
@click.option(
    "--erp",
    type=click.Choice(["native", "odoo", "erpnext", "dolibarr"]),
    help="The ERP this database is (default: detected from its tables).",
)
@click.option("--store", help="The console store's URL beside an ERP (default: embedded SQLite).")
@click.option(
    "--allow-writes", is_flag=True, help="Let the console change the ERP's users and roles."
)
@click.option(
    "--default", "make_default", is_flag=True, help="Use this profile when none is given."
)
def profiles_add(
    name, url, read_only, password_env, password_cmd, erp, store, allow_writes, make_default
) -> None:
    """Add or replace a profile."""

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
        raise ValidationError("use 1-40 letters, digits, '.', '_' or '-'", field="NAME")
    parsed = parse_url(url)
    dialect_family(parsed)
    secrets = secret_query_params(parsed)
    if parsed.password is not None or secrets:
        where = f"a {secrets[0]} parameter" if secrets else "a password"
        raise ValidationError(
            f"the URL contains {where}; profiles never store one. Remove it and pass "
            "--password-env VAR or --password-cmd CMD",
            field="--url",
        )
    if store is not None:
        parsed_store = parse_url(store)
        dialect_family(parsed_store)
        if parsed_store.password is not None:
            raise ValidationError(
                "the store URL contains a password; profiles never store one. Use a store "
                "without one (e.g. the embedded default, or a server trusting this account)",
                field="--store",
            )
    if password_env and password_cmd:
        raise ValidationError(
            "give either --password-env or --password-cmd, not both", field="--password-env"
        )
    config = load_config()
    config.profiles[name] = Profile(
        name,
        url,
        read_only=read_only,
        password_env=password_env,
        password_cmd=password_cmd,
        erp=erp,
        store=store,
        allow_writes=allow_writes,
    )
    if make_default:
        config.default_profile = name
    path = save_config(config)
    success(f"profile '{name}' saved in {path}")


@profiles.command("list")
def profiles_list() -> None:
    """List profiles (URLs masked)."""

    config = load_config()
    emit(
        [
            {
                "name": p.name,
                "default": "*" if p.name == config.default_profile else "",
                "url": mask_url(p.url),
                "read_only": p.read_only,
                "erp": p.erp or "detect",
                "writes": p.allow_writes,
                "store": mask_url(p.store) if p.store else "",
                "password": f"${p.password_env}"
                if p.password_env
                else (f"cmd: {p.password_cmd}" if p.password_cmd else ""),
            }
            for p in sorted(config.profiles.values(), key=lambda p: p.name)
        ],
        ["name", "default", "url", "read_only", "erp", "writes", "store", "password"],
    )


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name) -> None:
    """Remove a profile."""

    config = load_config()
    if name not in config.profiles:
        raise NotFound(f"no profile named '{name}'; see `erp-console profiles list`")
    del config.profiles[name]
    if config.default_profile == name:
        config.default_profile = None
    save_config(config)
    success(f"profile '{name}' removed")


@profiles.command("default")
@click.argument("name")
def profiles_default(name) -> None:
    """Make NAME the profile used when no --url or --profile is given."""

    config = load_config()
    if name not in config.profiles:
        raise NotFound(f"no profile named '{name}'; see `erp-console profiles list`")
    config.default_profile = name
    save_config(config)
    success(f"default profile is now '{name}'")
