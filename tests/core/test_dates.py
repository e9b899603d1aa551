"""The one strict date/time reader: every caller (import, CLI options, forms, log ingest, report
periods, archives) refuses text it does not fully read, with a message naming the text."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from erp_console.cli import main
from erp_console.db.models import ErpUser, Incident, MaintenanceLog
from erp_console.errors import ValidationError
from erp_console.services.core import dates
from erp_console.services.data.importer import import_file

HALF_READ = ("2026-05-02junk", "2026-05-02T99:99", "2026-05-02 is wrong", "2026-05-02 10:00 x")


@pytest.mark.parametrize("text", HALF_READ)
def test_text_after_a_date_is_an_error_in_every_reader(text):
    for reader in (dates.parse_date, dates.parse_datetime, dates.parse_moment):
        with pytest.raises(dates.DateError) as err:
            reader(text)
        assert f"'{text}'" in str(err.value)
    with pytest.raises(dates.DateError):
        dates.parse_log_timestamp(text)


def test_messages_say_what_is_wrong():
    with pytest.raises(dates.DateError, match="'junk' after the date is not understood"):
        dates.parse_date("2026-05-02junk")
    with pytest.raises(dates.DateError, match=r"not a valid time \(hour must be in 0\.\.23\)"):
        dates.parse_datetime("2026-05-02T99:99")
    with pytest.raises(dates.DateError, match="'31.02.2026' is not a valid date"):
        dates.parse_date("31.02.2026")
    with pytest.raises(dates.AmbiguousDate, match="ambiguous"):
        dates.parse_date("3/1/2026")
    with pytest.raises(dates.DateError, match="is not a month"):
        dates.parse_month("2026-13")


def test_accepted_forms():
    assert dates.parse_date("2026-03-01") == dt.date(2026, 3, 1)
    assert dates.parse_date(" 01.03.2026 ") == dt.date(2026, 3, 1)
    assert dates.parse_date("3/13/2026") == dt.date(2026, 3, 13)
    assert dates.parse_date("13/3/2026") == dt.date(2026, 3, 13)
    assert dates.parse_date("3/1/2026", "dmy") == dt.date(2026, 1, 3)
    assert dates.parse_date("3/1/2026", "mdy") == dt.date(2026, 3, 1)
    assert dates.parse_date("03-01-2026", "%d/%m/%Y") == dt.date(2026, 1, 3)
    assert dates.parse_datetime("2026-05-02T10:15+02:00") == dt.datetime(2026, 5, 2, 8, 15)
    assert dates.parse_datetime("01.03.2026 10:15:30") == dt.datetime(2026, 3, 1, 10, 15, 30)
    assert dates.parse_datetime("2026-05-02") == dt.datetime(2026, 5, 2)
    now = dt.datetime(2026, 5, 2, 12, 0)
    assert dates.parse_moment("24h", now) == dt.datetime(2026, 5, 1, 12, 0)
    assert dates.parse_moment("15m", now) == dt.datetime(2026, 5, 2, 11, 45)
    assert dates.parse_month("2026-10") == dt.date(2026, 10, 1)
    assert dates.parse_log_timestamp("2026-05-02 10:00:00,250") == dt.datetime(
        2026, 5, 2, 10, 0, 0, 250000
    )
    assert dates.parse_log_timestamp("1777716000") == dt.datetime(
        2026, 5, 2, 10, 0, tzinfo=dt.timezone.utc
    )


def _count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_refuses_half_read_dates(db, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "login,full_name,valid_from,valid_to\n"
        "ann,Ann,2026-05-02junk,\n"
        "bob,Bob,2026-05-02,2026-05-02 is wrong\n"
        "cid,Cid,2026-05-02T99:99,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as err:
        import_file(db, "users", path, actor="hr", dry_run=True)
    problems = err.value.problems
    assert [p.split(": ")[0] for p in problems] == [
        "users.csv:2:valid_from",
        "users.csv:3:valid_to",
        "users.csv:4:valid_from",
    ]
    assert "'2026-05-02junk'" in problems[0]
    assert _count(db, ErpUser) == 0 and _count(db, MaintenanceLog) == 0


def _run(db, *args):
    return CliRunner().invoke(
        main, ["--url", db.url.render_as_string(hide_password=False), "--operator", "lead", *args]
    )


def test_cli_options_refuse_half_read_dates(db):
    cases = (
        ("audit", "list", "--since", "2026-05-02junk"),
        ("logs", "search", "--since", "24hours"),
        (
            "incidents",
            "add",
            "x",
            "--category",
            "bug",
            "--severity",
            "low",
            "--opened-at",
            "2026-05-02T99:99",
        ),
        ("report", "--since", "2026-05-02 is wrong"),
        ("report", "--period", "2026-10x"),
    )
    for args in cases:
        result = _run(db, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert f"Invalid value for '{args[-2]}': '{args[-1]}'" in result.output
    assert _count(db, Incident) == 0
    ok = _run(db, "logs", "search", "--since", "24h")
    assert ok.exit_code == 0, ok.output
