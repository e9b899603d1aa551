"""Open the full-screen console (the default when no command is given)."""

from __future__ import annotations

import sys

import click

from erp_console.cli.context import CliContext


def prepare_demo(cli_ctx: CliContext) -> None:
    """Create and fill the database on first run of `--demo`; leave a populated one alone."""
    from erp_console.cli.progress import progress_bars
    from erp_console.config import parse_url
    from erp_console.db.schema import ensure_server_database, init_schema
    from erp_console.demo import build_demo, has_users
    from erp_console.session import refuse_console_tables_in_erp

    if cli_ctx.target.read_only:
        return
    ensure_server_database(parse_url(cli_ctx.target.url))
    refuse_console_tables_in_erp(cli_ctx.target, "--demo builds the console's own demo ERP")
    db = cli_ctx.database(require_schema=False, create=True)
    init_schema(db)
    if not has_users(db):
        click.echo(f"Building the demo ERP in {db.masked_url} …", err=True)
        with progress_bars() as progress:
            summary = build_demo(db, actor=cli_ctx.operator, progress=progress)
        click.echo(f"Demo ready in {summary.seconds:.1f} s.", err=True)


def launch(cli_ctx: CliContext, demo: bool = False, watch: tuple[str, ...] = ()) -> None:
    """Paint the console at once; the session opens in the background (see erp_console.session).
    `watch`: log files screen 4 watches once the session is open (`--watch`)."""
    from erp_console.session import PendingSession

    if demo:
        prepare_demo(cli_ctx)
        cli_ctx.close()
    from erp_console.app import ErpConsoleApp

    app = ErpConsoleApp(
        PendingSession(cli_ctx.target),
        operator=cli_ctx.operator,
        source=cli_ctx.target.source,
        settle_heap=True,
        watch=tuple(watch),
    )
    if cli_ctx.target.url.startswith("sqlite"):
        from erp_console.snapshot_info import snapshot_info

        info = snapshot_info(cli_ctx.target.url.split(":///", 1)[-1])
        app.connection_note = info.label if info else ""
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
