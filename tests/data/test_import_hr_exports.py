"""Real HR exports import without renaming columns: German, French and English headers, first and
last name composed, a column that would be dropped silently refused unless --ignore-column, and
departments created on request (shown in the dry-run preview)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, insert, select

from erp_console.cli import main
from erp_console.db.models import Department, ErpUser, MaintenanceLog

SAMPLES = Path(__file__).parent / "samples"


def _run(db, *args):
    url = db.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--url", url, "--operator", "hr", *args])


def _seed(db):
    with db.begin() as s:
        s.execute(insert(Department), [{"code": "FIN", "name": "Finance", "version": 1}])


def _users(db):
    with db.session() as s:
        rows = s.execute(
            select(
                ErpUser.login,
                ErpUser.full_name,
                ErpUser.email,
                Department.code,
                ErpUser.valid_from,
                ErpUser.valid_to,
            )
            .outerjoin(Department, ErpUser.department_id == Department.id)
            .order_by(ErpUser.login)
        ).all()
    return [tuple(r) for r in rows]


def _count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_german_export_with_cost_centre_and_new_departments(db):
    _seed(db)
    path = str(SAMPLES / "hr_export_de.csv")
    first = _run(db, "import", "users", path)
    assert first.exit_code == 1
    assert [line for line in first.output.splitlines() if line][:3] == [
        "hr_export_de.csv:1:Kostenstelle: looks like department (but 'Abteilung' is already the "
        "department) but is not imported; rename it to a column of users, or pass "
        "--ignore-column 'Kostenstelle' to drop it",
        "hr_export_de.csv:4:Abteilung: no department 'VERTRIEB' in the database",
        "hr_export_de.csv:6:Abteilung: no department 'fin_ops' in the database",
    ]
    assert "--create-departments" in first.output
    dry = _run(
        db,
        "import",
        "users",
        path,
        "--ignore-column",
        "kostenstelle",
        "--create-departments",
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    assert "create department VERTRIEB" in dry.output and "create department fin_ops" in dry.output
    assert _count(db, Department) == 1 and _count(db, ErpUser) == 0
    done = _run(
        db, "import", "users", path, "--ignore-column", "Kostenstelle", "--create-departments"
    )
    assert done.exit_code == 0, done.output
    assert _users(db) == [
        ("10023", "Jürgen Müller", "juergen.mueller@example.com", "FIN", dt.date(2026, 3, 1), None),
        ("10024", "Anna-Lena Groß", None, "VERTRIEB", dt.date(2026, 4, 15), dt.date(2026, 12, 31)),
        (
            "10025",
            "Özlem Yılmaz",
            "oezlem.yilmaz@example.com",
            "fin_ops",
            dt.date(2026, 5, 2),
            None,
        ),
    ]
    with db.session() as s:
        entries = s.scalars(select(MaintenanceLog)).all()
    assert [e.action for e in entries] == ["import.users"]
    assert json.loads(entries[0].after_json)["created_departments"] == ["VERTRIEB", "fin_ops"]


def test_french_export_refuses_an_unmapped_date_column(db):
    _seed(db)
    path = str(SAMPLES / "hr_export_fr.csv")
    refused = _run(db, "import", "users", path)
    assert refused.exit_code == 1
    assert (
        "hr_export_fr.csv:1:Date de naissance: looks like a date but is not imported"
        in refused.output
    )
    assert _count(db, ErpUser) == 0
    done = _run(db, "import", "users", path, "--ignore-column", "Date de naissance")
    assert done.exit_code == 0, done.output
    assert _users(db) == [
        ("F-0101", "Élodie Lefèvre", "elodie.lefevre@example.fr", "FIN", dt.date(2026, 1, 2), None),
        ("F-0102", "François D'Arcy", None, "FIN", dt.date(2026, 2, 1), dt.date(2026, 6, 30)),
    ]


def test_english_export_maps_cost_center_and_keeps_harmless_columns_ignored(db):
    _seed(db)
    done = _run(db, "import", "users", str(SAMPLES / "hr_export_en.csv"))
    assert done.exit_code == 0, done.output
    assert "ignored column(s): Manager" in done.output
    assert _users(db) == [
        ("emp-2001", "Mary O'Neil", "mary.oneil@example.com", "FIN", dt.date(2026, 3, 15), None),
        (
            "emp-2002",
            "Raj Patel",
            "RAJ.PATEL@EXAMPLE.COM",
            "FIN",
            dt.date(2026, 4, 1),
            dt.date(2026, 12, 31),
        ),
    ]


def test_a_column_of_dates_under_any_name_is_not_dropped(db, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("login,full_name,Jubiläum\nann,Ann,01.04.2031\nbob,Bob,\n", encoding="utf-8")
    refused = _run(db, "import", "users", str(path))
    assert refused.exit_code == 1
    assert "u.csv:1:Jubiläum: looks like dates but is not imported" in refused.output
    typo = _run(db, "import", "users", str(path), "--ignore-column", "Jubilaeum")
    assert typo.exit_code == 1 and "--ignore-column 'Jubilaeum' is not a column" in typo.output
    assert _count(db, ErpUser) == 0
