"""Open the full-screen console (the default when no command is given)."""

from __future__ import annotations

import sys

import click

from erp_console.cli.context import CliContext, ensure_schema


def prepare_demo(cli_ctx: CliContext) -> None:
    """Create and fill the database on first run of `--demo`; leave a populated one alone."""
    from sqlalchemy import func, select

    from erp_console.cli.progress import progress_bars
    from erp_console.db.models import ErpUser
    from erp_console.db.schema import ensure_server_database, init_schema
    from erp_console.demo import build_demo

    if cli_ctx.target.read_only:
        return
    from erp_console.config import parse_url

    ensure_server_database(parse_url(cli_ctx.target.url))
    db = cli_ctx.database(require_schema=False)
    init_schema(db)
    with db.session() as session:
        has_users = session.execute(select(func.count()).select_from(ErpUser)).scalar_one()
    if not has_users:
        click.echo(f"Building the demo ERP in {db.masked_url} …", err=True)
        with progress_bars() as progress:
            summary = build_demo(db, actor=cli_ctx.operator, progress=progress)
        click.echo(f"Demo ready in {summary.seconds:.1f} s.", err=True)


def launch(cli_ctx: CliContext, demo: bool = False) -> None:
    """Paint the console at once; the connection opens in the background (unless --demo built it)."""
    if demo:
        prepare_demo(cli_ctx)
    if cli_ctx._db is not None:
        db = cli_ctx._db
        ensure_schema(db)
    else:
        from erp_console.db.pending import PendingDatabase

        db = PendingDatabase(cli_ctx.target)
    from erp_console.app import ErpConsoleApp

    app = ErpConsoleApp(
        db, operator=cli_ctx.operator, source=cli_ctx.target.source, settle_heap=True
    )
    if cli_ctx.target.url.startswith("sqlite"):
        from erp_console.snapshot_info import snapshot_info

        info = snapshot_info(cli_ctx.target.url.split(":///", 1)[-1])
        app.connection_note = info.label if info else ""
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
