"""`profiles add|list|remove|default`: saved connections, never with a password."""

from __future__ import annotations

import click

from erp_console.cli.output import emit, success
from erp_console.cli.root import main


@main.group()
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
    "--default", "make_default", is_flag=True, help="Use this profile when none is given."
)
def profiles_add(name, url, read_only, password_env, password_cmd, make_default) -> None:
    """Add or replace a profile."""
    import re

    from erp_console.config import Profile, load_config, parse_url, save_config
    from erp_console.db.engine import dialect_family
    from erp_console.errors import ValidationError

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
        raise ValidationError("use 1-40 letters, digits, '.', '_' or '-'", field="NAME")
    parsed = parse_url(url)
    dialect_family(parsed)
    if parsed.password is not None:
        raise ValidationError(
            "the URL contains a password; profiles never store one. Remove it and pass "
            "--password-env VAR or --password-cmd CMD",
            field="--url",
        )
    if password_env and password_cmd:
        raise ValidationError(
            "give either --password-env or --password-cmd, not both", field="--password-env"
        )
    config = load_config()
    config.profiles[name] = Profile(name, url, read_only, password_env, password_cmd)
    if make_default:
        config.default_profile = name
    path = save_config(config)
    success(f"profile '{name}' saved in {path}")


@profiles.command("list")
def profiles_list() -> None:
    """List profiles (URLs masked)."""
    from erp_console.config import load_config, mask_url

    config = load_config()
    emit(
        [
            {
                "name": p.name,
                "default": "*" if p.name == config.default_profile else "",
                "url": mask_url(p.url),
                "read_only": p.read_only,
                "password": f"${p.password_env}"
                if p.password_env
                else (f"cmd: {p.password_cmd}" if p.password_cmd else ""),
            }
            for p in sorted(config.profiles.values(), key=lambda p: p.name)
        ],
        ["name", "default", "url", "read_only", "password"],
    )


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name) -> None:
    """Remove a profile."""
    from erp_console.config import load_config, save_config
    from erp_console.errors import NotFound

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
    from erp_console.config import load_config, save_config
    from erp_console.errors import NotFound

    config = load_config()
    if name not in config.profiles:
        raise NotFound(f"no profile named '{name}'; see `erp-console profiles list`")
    config.default_profile = name
    save_config(config)
    success(f"default profile is now '{name}'")
