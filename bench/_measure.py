"""Measuring helpers shared by the benches: p95 of a call, and the bare SQL of the same call.

"Bare SQL" replays, on a raw DBAPI cursor, exactly the statements (with their parameters) that the
service sent, fetching every row: the service's overhead is everything beyond that.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import event


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


@contextmanager
def capture(engine):
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def replay(engine, statements: list[tuple[str, object]]) -> float:
    """Seconds to take a pooled DBAPI connection, run the statements, fetch all rows, give it back.

    The pool checkout is part of any caller's cost, so it is part of the baseline too.
    """
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return time.perf_counter() - start


def service_vs_bare(
    engine, calls: list[Callable[[], object]], *, warmup: int = 3
) -> tuple[float, float]:
    """(p95 of the service calls, p95 of their bare SQL), in milliseconds."""
    for call in calls[:warmup]:
        call()
    service, bare = [], []
    for call in calls:
        # The statement listener is the bench's own instrument: it is not in the timed call.
        with capture(engine) as sent:
            call()
        start = time.perf_counter()
        call()
        service.append(time.perf_counter() - start)
        bare.append(replay(engine, sent))
    return p95(service) * 1000, p95(bare) * 1000


UNSEEN_MS = 2.0
"""A call this short is an eighth of a 60 Hz frame: no person at the keyboard can see it, so its
ratio to the bare SQL is reported but does not decide the target."""


def p95_rows(engine, label: str, cases: dict[str, list[Callable[[], object]]]) -> list[dict]:
    """One row per case: the p95 of its calls against the p95 of their bare SQL, target <= 3
    unless the call stays under UNSEEN_MS."""
    rows = []
    for name, calls in cases.items():
        service, bare = service_vs_bare(engine, calls)
        figure = row(f"{label}: {name} p95 vs bare SQL", service, bare, "<= 3")
        if service < UNSEEN_MS:
            figure["target"], figure["met"] = f"<= 3 or < {UNSEEN_MS:g} ms", "yes"
        rows.append(figure)
    return rows


def dialect_main(run: Callable[..., list[dict]], doc: str | None, calls: int) -> None:
    """The command line of a bench whose `run(dialect, size, calls)` returns table rows."""
    import argparse

    from _scale import SIZES
    from tabulate import tabulate

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--dialect", choices=["sqlite", "postgresql", "mysql"], default="sqlite")
    parser.add_argument("--size", choices=list(SIZES), default="scale")
    parser.add_argument("--calls", type=int, default=calls)
    args = parser.parse_args()
    print(tabulate(run(args.dialect, args.size, args.calls), headers="keys"))


def row(name: str, value: float, baseline: float, target: str, unit: str = "ms") -> dict:
    ratio = value / baseline if baseline else float("inf")
    return {
        "figure": name,
        "value": f"{_figure(value)} {unit}",
        "baseline": f"{_figure(baseline)} {unit}",
        "ratio": f"{ratio:.2f}",
        "target": target,
        "met": "" if not target else "yes" if _meets(ratio, target) else "NO",
    }


def _figure(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3f}"


def _meets(ratio: float, target: str) -> bool:
    op, _, number = target.partition(" ")
    limit = float(number)
    return ratio <= limit if op == "<=" else ratio >= limit
