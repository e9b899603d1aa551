"""The lazy command group: --help lists every command without importing one, each name resolves."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from erp_console.cli import main
from erp_console.cli.registry import COMMANDS


def _modules_after(args: list[str]) -> tuple[str, set[str]]:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from erp_console.cli import main\n"
        f"out = CliRunner().invoke(main, {args!r}).output\n"
        "print(repr(out))\n"
        "print(sorted(m for m in sys.modules if m.startswith('erp_console.cli.')"
        " or m.split('.')[0] in ('sqlalchemy', 'textual', 'alembic')))\n"
    )
    lines = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return eval(lines[0]), set(eval(lines[1]))  # noqa: S307 - our own repr output


def test_help_lists_every_command_without_importing_a_command_module():
    output, loaded = _modules_after(["--help"])
    for name in COMMANDS:
        assert f"\n  {name} " in output
    assert "Segregation of duties." in output
    assert not {m for m in loaded if m.endswith("_cmds")}, loaded
    assert not loaded & {"sqlalchemy", "textual", "alembic"}


def test_a_group_help_imports_only_its_own_module():
    output, loaded = _modules_after(["users", "--help"])
    assert "dormant" in output and "expired" in output
    assert {m for m in loaded if m.endswith("_cmds")} == {"erp_console.cli.access_cmds"}
    assert "textual" not in loaded


def test_every_registered_command_resolves_with_the_summary_its_help_starts_with():
    ctx = click.Context(main)
    for name, entry in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.name == name
        assert command.get_short_help_str(10_000) == entry.summary, name


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_every_top_level_command_of_a_command_module_is_registered():
    import importlib
    import pkgutil

    import erp_console.cli as cli_package

    registered = {entry.target for entry in COMMANDS.values()}
    found = set()
    for info in pkgutil.iter_modules(cli_package.__path__):
        if not info.name.endswith("_cmds"):
            continue
        module = importlib.import_module(f"erp_console.cli.{info.name}")
        commands = {
            name: value for name, value in vars(module).items() if isinstance(value, click.Command)
        }
        children = {
            id(child)
            for value in commands.values()
            if isinstance(value, click.Group)
            for child in value.commands.values()
        }
        found |= {
            f"{module.__name__}:{name}"
            for name, value in commands.items()
            if id(value) not in children
        }
    assert found == registered
