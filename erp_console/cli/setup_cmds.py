"""`init` and `demo`."""

from __future__ import annotations

import click

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, success
from erp_console.cli.root import main


@main.command()
@click.option(
    "--force",
    is_flag=True,
    help="Add the erp-console tables even if the database holds other tables.",
)
@pass_cli
def init(cli: CliContext, force: bool) -> None:
    """Create the schema, or upgrade it to the latest migration (safe to run again)."""
    from erp_console.config import parse_url
    from erp_console.db.schema import ensure_server_database, init_schema
    from erp_console.errors import ReadOnlyError

    if cli.target.read_only:
        raise ReadOnlyError("init changes the schema; run it without --read-only")
    created = ensure_server_database(parse_url(cli.target.url))
    db = cli.database(require_schema=False)
    result = init_schema(db, force=force)
    if created:
        success(f"created database {db.url.database} on {db.url.host}")
    if result.before == result.after:
        success(f"{db.masked_url}: schema already at revision {result.after}; nothing to do")
    elif result.before is None:
        success(f"{db.masked_url}: schema created at revision {result.after}")
    else:
        success(f"{db.masked_url}: schema upgraded {result.before} -> {result.after}")


@main.command()
@click.option(
    "--scale",
    type=int,
    default=1,
    show_default=True,
    help="Size factor: 1 ≈ 400 users and 50k log lines, 250 ≈ 100k users and 1M lines.",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed; the same seed and day give the same data.",
)
@pass_cli
def demo(cli: CliContext, scale: int, seed: int) -> None:
    """Load the realistic demo ERP into an empty database (creating the schema if needed)."""
    from erp_console.cli.progress import progress_bars
    from erp_console.config import parse_url
    from erp_console.db.schema import ensure_server_database, init_schema
    from erp_console.demo import build_demo
    from erp_console.errors import ReadOnlyError, ValidationError

    if scale < 1:
        raise ValidationError(
            "must be a whole number of at least 1 (1 ≈ 400 users, 250 ≈ 100k users)",
            field="--scale",
        )
    if cli.target.read_only:
        raise ReadOnlyError("demo writes data; run it without --read-only")
    ensure_server_database(parse_url(cli.target.url))
    db = cli.database(require_schema=False)
    init_schema(db)
    with progress_bars() as progress:
        summary = build_demo(db, scale=scale, seed=seed, actor=cli.operator, progress=progress)
    emit([{"table": t, "rows": n} for t, n in sorted(summary.counts.items())], ["table", "rows"])
    success(f"demo ERP loaded into {db.masked_url} in {summary.seconds:.1f} s")
