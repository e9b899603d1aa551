"""`init` and `demo`."""

from __future__ import annotations

import dataclasses
import importlib
import time

import click
from sqlalchemy import inspect

from erp_console.cli.context import CliContext, pass_cli
from erp_console.cli.output import emit, success
from erp_console.cli.progress import progress_bars
from erp_console.config import parse_url
from erp_console.db.engine import connect
from erp_console.db.schema import ensure_server_database, init_schema
from erp_console.demo import build_demo
from erp_console.errors import ConfigError, ReadOnlyError, ValidationError
from erp_console.services.access.backends.detect import PRODUCTS
from erp_console.session import erp_of, open_store, refuse_console_tables_in_erp

DEMO_ERPS = ("odoo", "erpnext", "dolibarr")


@click.command()
@click.option(
    "--force",
    is_flag=True,
    help="Add the erp-console tables even if the database holds other tables.",
)
@pass_cli
def init(cli: CliContext, force: bool) -> None:
    """Create the schema, or upgrade it to the latest migration (safe to run again).

    Beside an ERP this prepares the console store named by --store; the ERP's database itself
    never gets a table of the console's."""

    target = cli.target
    if target.read_only:
        raise ReadOnlyError("init changes the schema; run it without --read-only")
    created = ensure_server_database(parse_url(target.url))
    url = target.url
    if erp_of(target) is not None:
        if target.store_is_default:
            refuse_console_tables_in_erp(target, "init")
        url = target.store_url
        created = ensure_server_database(parse_url(url))
    db = connect(url)
    try:
        result = init_schema(db, force=force)
    finally:
        db.dispose()
    if created:
        success(f"created database {db.url.database} on {db.url.host}")
    if result.before == result.after:
        success(f"{db.masked_url}: schema already at revision {result.after}; nothing to do")
    elif result.before is None:
        success(f"{db.masked_url}: schema created at revision {result.after}")
    else:
        success(f"{db.masked_url}: schema upgraded {result.before} -> {result.after}")


@click.command()
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
@click.option(
    "--erp",
    "erp_kind",
    type=click.Choice(DEMO_ERPS),
    help="Build an ERP's own database (its tables, users, groups/roles, permissions) instead.",
)
@click.option("--url", help="The (empty) database to build into; default: the global --url.")
@pass_cli
def demo(cli: CliContext, scale: int, seed: int, erp_kind: str | None, url: str | None) -> None:
    """Load the realistic demo ERP into an empty database (creating the schema if needed).

    With --erp, build an Odoo, ERPNext or Dolibarr database in the ERP's own shape and put SoD
    rules in its terms into the console store, to try a connector without production."""

    if scale < 1:
        raise ValidationError(
            "must be a whole number of at least 1 (1 ≈ 400 users, 250 ≈ 100k users)",
            field="--scale",
        )
    if url:
        cli.url, cli._target = url, None
    erp_kind = erp_kind or (cli.erp if cli.erp != "native" else None)
    if cli.target.read_only:
        raise ReadOnlyError("demo writes data; run it without --read-only")
    ensure_server_database(parse_url(cli.target.url))
    if erp_kind:
        _erp_demo(cli, erp_kind, scale=scale, seed=seed)
        return

    refuse_console_tables_in_erp(cli.target, "demo builds the console's own demo ERP")
    db = cli.database(require_schema=False, create=True)
    init_schema(db)
    with progress_bars() as progress:
        summary = build_demo(db, scale=scale, seed=seed, actor=cli.operator, progress=progress)
    emit([{"table": t, "rows": n} for t, n in sorted(summary.counts.items())], ["table", "rows"])
    success(f"demo ERP loaded into {db.masked_url} in {summary.seconds:.1f} s")


def _erp_demo(cli: CliContext, kind: str, *, scale: int, seed: int) -> None:
    """Build the ERP's database, then seed the console store beside it."""

    name = f"erp_console.demo.erp.{kind}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in (name, "erp_console.demo.erp"):
            raise
        raise ConfigError(
            f"demo --erp {kind}: the {PRODUCTS[kind]} demo is not part of this erp-console yet"
        ) from None
    target = dataclasses.replace(cli.target, erp=kind)
    probe = connect(target.url)
    try:
        with probe.engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        probe.dispose()
    if tables:
        raise ValidationError(
            f"{target.masked} already holds {len(tables)} table(s); demo --erp builds into an "
            "empty database. Give a new one with --url",
            field="--url",
        )
    started = time.perf_counter()
    with progress_bars() as progress:
        counts = module.build(target.url, scale=scale, seed=seed, progress=progress)
    store = open_store(target)
    try:
        module.seed_store(store, actor=cli.operator)
    finally:
        store.dispose()
    emit([{"table": t, "rows": n} for t, n in sorted(counts.items())], ["table", "rows"])
    success(
        f"{PRODUCTS[kind]} demo loaded into {target.masked} in "
        f"{time.perf_counter() - started:.1f} s; console store {store.masked_url}"
    )
    success(f"open it with: erp-console --url '{target.masked}' --erp {kind}")
