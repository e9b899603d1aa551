"""The `erp-console` command group: global options, error handling, and the TUI as default."""

from __future__ import annotations

import sys

import click

from erp_console import __version__
from erp_console.cli.context import CliContext
from erp_console.cli.lazy import LazyGroup
from erp_console.cli.registry import COMMANDS


class ErrorReportingGroup(LazyGroup):
    """Turn domain and driver errors into one line on stderr and the exit codes of README.md (Exit codes)."""

    def invoke(self, ctx: click.Context):
        from erp_console.errors import ErpConsoleError

        try:
            return super().invoke(ctx)
        except ErpConsoleError as exc:
            _fail(str(exc), exc.exit_code, getattr(exc, "problems", None))
        except Exception as exc:  # noqa: BLE001 - driver errors arrive as many types
            from sqlalchemy.exc import DBAPIError

            if not isinstance(exc, DBAPIError):
                raise
            from erp_console.db.engine import translate_db_error

            cli_ctx = ctx.find_object(CliContext)
            url = cli_ctx.error_url if cli_ctx else None
            if url is None:
                raise
            translated = translate_db_error(url, exc)
            _fail(str(translated), getattr(translated, "exit_code", 3), None)
        finally:
            cli_ctx = ctx.find_object(CliContext)
            if cli_ctx is not None and ctx.parent is None:
                cli_ctx.close()


def _fail(message: str, code: int, problems: list[str] | None) -> None:
    from erp_console.config import mask_url

    for problem in problems or []:
        click.echo(mask_url(problem), err=True)
    click.echo(f"error: {mask_url(message)}", err=True)
    sys.exit(code)


@click.group(
    cls=ErrorReportingGroup,
    lazy_commands=COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--url",
    envvar=None,
    help="Database URL (sqlite:///file, mysql+pymysql://…, postgresql+psycopg2://…).",
)
@click.option("--profile", "-p", help="Use a saved connection profile.")
@click.option(
    "--read-only", is_flag=True, help="Open read-only; the database itself refuses writes."
)
@click.option(
    "--erp",
    type=click.Choice(["native", "odoo", "erpnext", "dolibarr"]),
    help="The identity model of the database (default: detected from its tables).",
)
@click.option(
    "--store",
    metavar="URL",
    help="The console store beside an ERP (default: $ERP_CONSOLE_STORE, the profile's `store`, "
    "else an embedded SQLite per profile).",
)
@click.option(
    "--allow-writes",
    is_flag=True,
    help="Let an ERP connector change the ERP's users and roles (read-only otherwise).",
)
@click.option("--operator", help="Who you are in the audit trail (default: your OS login).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format of commands.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Open the console; build the demo ERP first if the database is empty.",
)
@click.option(
    "--watch",
    "watch",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Open the console on screen 4 watching this log file (repeatable), as its `w` key does.",
)
@click.version_option(__version__, prog_name="erp-console")
@click.pass_context
def main(
    ctx: click.Context,
    url,
    profile,
    read_only,
    erp,
    store,
    allow_writes,
    operator,
    fmt,
    demo,
    watch,
) -> None:
    """erp-console: keep an ERP system running after go-live.

    Without a command it opens the full-screen console.
    """
    cli_ctx = CliContext(
        url=url,
        profile=profile,
        read_only=read_only,
        fmt=fmt,
        erp=erp,
        store=store,
        allow_writes=allow_writes,
    )
    if operator:
        cli_ctx.operator = operator
    ctx.obj = cli_ctx
    if ctx.invoked_subcommand is None:
        from erp_console.cli.tui import launch

        if watch and read_only:
            raise click.UsageError("--watch ingests the files' lines: not with --read-only")
        launch(cli_ctx, demo=demo, watch=watch)
    elif demo:
        raise click.UsageError("--demo opens the console; use the `demo` command to load demo data")
    elif watch:
        raise click.UsageError("--watch opens the console; use `logs follow FILE…` in a command")
