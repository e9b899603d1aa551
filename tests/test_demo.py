"""The demo ERP is realistic where users look, and deterministic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from erp_console.db import models as m
from erp_console.db.engine import connect
from erp_console.db.schema import init_schema
from erp_console.demo import build_demo
from erp_console.services.core.audit import verify
from erp_console.services.lifecycle.overview import load_overview


def test_demo_has_the_shape_of_a_real_erp(demo_db):
    ov = load_overview(demo_db)
    assert ov.users == 400
    assert (
        ov.users_by_status["active"] > 300
        and ov.users_by_status["locked"] > 0
        and ov.users_by_status["disabled"] > 0
    )
    assert ov.roles >= 30 and ov.permissions >= 190 and ov.processes == 6
    assert ov.stage == "optimization" and 200 < ov.days_since_go_live() < 280
    assert ov.documents >= 40 and ov.log_lines == 3000
    with demo_db.session() as s:
        modules = set(s.scalars(select(m.Permission.module).distinct()))
        assert modules == {"FI", "CO", "MM", "SD", "PP", "HR", "BASIS"}
        assert s.execute(select(func.count()).select_from(m.Department)).scalar_one() >= 25
        assert s.execute(select(func.count()).select_from(m.SodRule)).scalar_one() >= 15
        kinds = set(s.scalars(select(m.Document.kind).distinct()))
        assert kinds == set(m.DOCUMENT_KINDS)
        never_logged_in = s.execute(
            select(func.count()).select_from(m.ErpUser).where(m.ErpUser.last_login_at.is_(None))
        ).scalar_one()
        assert never_logged_in > 0
    assert verify(demo_db).ok


def test_assurance_incidents_peak_after_go_live_and_fall_off(demo_db):
    with demo_db.session() as s:
        go_live = s.scalar(select(m.SystemProfile.go_live_date))
        opened = s.scalars(
            select(m.Incident.opened_at).where(m.Incident.category.in_(m.ASSURANCE_CATEGORIES))
        ).all()
    weekly: dict[int, int] = {}
    for at in opened:
        week = (at.date() - go_live).days // 7
        weekly[week] = weekly.get(week, 0) + 1
    first_month = sum(weekly.get(w, 0) for w in range(0, 4))
    last_month = sum(weekly.get(w, 0) for w in range(29, 33))
    assert first_month > 60
    assert last_month < first_month * 0.35


def test_same_seed_and_day_give_the_same_data(tmp_path):
    logins = []
    for name in ("a", "b"):
        db = connect(f"sqlite:///{tmp_path / name}.sqlite3")
        init_schema(db)
        build_demo(db, seed=7, today=dt.date(2026, 1, 15), log_lines=500)
        with db.session() as s:
            logins.append(s.scalars(select(m.ErpUser.login).order_by(m.ErpUser.id)).all())
        db.dispose()
    assert logins[0] == logins[1] and len(logins[0]) == 400


def test_demo_refuses_a_database_with_data(demo_sqlite):
    import pytest

    from erp_console.errors import ValidationError

    with pytest.raises(ValidationError, match="already holds ERP data"):
        build_demo(demo_sqlite, log_lines=10)


def test_nothing_in_the_demo_happens_after_its_day_or_in_the_future(demo_sqlite):
    # The demo's day ends at 09:30 and never later than the clock (a demo built at 01:40 UTC
    # had log lines until 09:29, hidden from the "last hour to now" a person asks for).
    demo_now = min(dt.datetime.combine(dt.date.today(), dt.time(9, 30)), m.utcnow())
    columns = [
        m.Incident.opened_at,
        m.Incident.resolved_at,
        m.ChangeRequest.requested_at,
        m.ChangeRequest.decided_at,
        m.ChangeRequest.done_at,
        m.SystemLog.ts,
    ]
    with demo_sqlite.session() as s:
        latest = {str(c): s.scalar(select(func.max(c))) for c in columns}
    assert all(value <= demo_now for value in latest.values()), latest


def test_no_validity_period_in_the_demo_ends_before_it_starts(demo_sqlite):
    with demo_sqlite.session() as s:
        reversed_users = s.scalar(
            select(func.count()).where(m.ErpUser.valid_to < m.ErpUser.valid_from)
        )
        reversed_grants = s.scalar(
            select(func.count()).where(m.UserRole.valid_to < m.UserRole.valid_from)
        )
    assert (reversed_users, reversed_grants) == (0, 0)
