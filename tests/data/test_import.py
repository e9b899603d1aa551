"""Imports on every dialect: messy but valid files, upsert and dry-run, a corpus of bad files (every
problem reported with row and column, zero rows written), and a killed import (all or nothing)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, insert, select

from erp_console.db.models import (
    Department,
    Document,
    ErpUser,
    MaintenanceLog,
    Role,
    UserRole,
)
from erp_console.errors import ValidationError
from erp_console.services.data.importer import import_file


def _seed(db):
    with db.begin() as s:
        s.execute(insert(Department), [{"code": "FIN", "name": "Finance", "version": 1}])
        s.execute(insert(Role), [{"code": "AP_CLERK", "name": "AP clerk", "version": 1}])
        fin = s.scalar(select(Department.id))
        s.execute(
            insert(ErpUser),
            [
                {
                    "login": login,
                    "login_key": login,
                    "full_name": name,
                    "department_id": fin,
                    "status": "active",
                    "created_at": dt.datetime(2026, 1, 1),
                    "version": 1,
                }
                for login, name in (("user0", "User Zero"), ("user1", "User One"))
            ],
        )


def _fin(db):
    with db.session() as s:
        return s.scalar(select(Department.id).where(Department.code == "FIN"))


def _count(db, model, *where):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _user(db, login):
    with db.session() as s:
        return s.scalars(select(ErpUser).where(ErpUser.login_key == login)).one()


def _problems(db, kind, path, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as err:
        import_file(db, kind, path, actor="hr", **kwargs)
    assert "nothing was written" in str(err.value)
    return err.value.problems


def test_messy_hr_file_is_read(db, tmp_path):
    _seed(db)
    path = tmp_path / "hr export.csv"
    path.write_bytes(
        "\ufeff Login ;FULL NAME;E-Mail;Dept;Start Date;Notes\r\n"
        ' alice ;"Alice\nAnders";alice@example.com ;FIN;01.03.2026;x\r\n'
        "\r\n"
        "Bob;Bob Brown;;fin;3/13/2026;\r\n"
        "carol;Carol Chen;carol@example.com;;2026-03-01;\r\n".replace(";fin;", ";FIN;").encode()
    )
    result = import_file(db, "users", path, actor="hr")
    assert (result.inserted, result.updated, result.unchanged) == (3, 0, 0)
    assert result.ignored_columns == ("Notes",)
    alice = _user(db, "alice")
    assert alice.full_name == "Alice\nAnders" and alice.email == "alice@example.com"
    assert alice.valid_from == dt.date(2026, 3, 1) and alice.department_id == _fin(db)
    assert _user(db, "bob").valid_from == dt.date(2026, 3, 13)
    assert _user(db, "carol").department_id is None and _user(db, "carol").status == "active"
    with db.session() as s:
        entry = s.scalars(
            select(MaintenanceLog).where(MaintenanceLog.action == "import.users")
        ).one()
        record = s.get(Document, result.document_id)
    assert entry.actor == "hr" and '"inserted": 3' in entry.after_json
    assert record.kind == "maintenance_record" and "3 inserted" in record.body


def test_dry_run_then_upsert(db, tmp_path):
    _seed(db)
    path = tmp_path / "users.jsonl"
    path.write_text(
        '{"user_name": "user0", "name": "User Zero-Neu", "mail": "zero@example.com"}\n'
        '{"user_name": "user1", "name": "User One"}\n'
        '{"user_name": "dave", "name": "Dave D", "department": "FIN"}\n',
        encoding="utf-8",
    )
    dry = import_file(db, "users", path, actor="hr", mode="upsert", dry_run=True)
    assert (dry.inserted, dry.updated, dry.unchanged) == (1, 1, 1)
    assert dry.changes == (
        "update user0: full_name: User Zero → User Zero-Neu, email: None → zero@example.com",
        "insert dave",
    )
    assert _count(db, ErpUser) == 2 and _count(db, MaintenanceLog) == 0
    done = import_file(db, "users", path, actor="hr", mode="upsert")
    assert (done.inserted, done.updated) == (1, 1)
    zero = _user(db, "user0")
    assert zero.full_name == "User Zero-Neu" and zero.version == 2
    assert _user(db, "dave").department_id == _fin(db)
    assert _count(db, MaintenanceLog) == 1


def test_date_format_decides_ambiguous_dates(db, tmp_path):
    _seed(db)
    path = tmp_path / "u.csv"
    path.write_text("login,full_name,valid_to\nerin,Erin E,3/1/2026\n", encoding="utf-8")
    assert _problems(db, "users", path) == [
        "u.csv:2:valid_to: '3/1/2026' is ambiguous (day/month or month/day?); "
        "pass --date-format dmy or mdy"
    ]
    import_file(db, "users", path, actor="hr", date_format="dmy")
    assert _user(db, "erin").valid_to == dt.date(2026, 1, 3)


def test_departments_with_parents_in_the_same_file_and_grants(db, tmp_path):
    _seed(db)
    depts = tmp_path / "d.csv"
    depts.write_text("code,name,parent\nOPS-WH,Warehouse,OPS\nOPS,Operations,\n", encoding="utf-8")
    assert import_file(db, "departments", depts, actor="hr").inserted == 2
    with db.session() as s:
        parents = dict(
            s.execute(
                select(Department.code, Department.parent_id).where(Department.code.like("OPS%"))
            ).all()
        )
        ops_id = s.scalar(select(Department.id).where(Department.code == "OPS"))
    assert parents == {"OPS": None, "OPS-WH": ops_id}
    grants = tmp_path / "g.csv"
    grants.write_text(
        "Login;Role;Until;Comment\nUSER0;AP_CLERK;2026-12-31;INC-7\n", encoding="utf-8"
    )
    assert import_file(db, "grants", grants, actor="hr").inserted == 1
    with db.session() as s:
        grant = s.scalars(select(UserRole)).one()
    assert (grant.valid_to, grant.reason, grant.granted_by) == (
        dt.date(2026, 12, 31),
        "INC-7",
        "hr",
    )


BAD_USERS = (
    "login,full_name,email,department,valid_from\n"
    "alice,Alice,alice@example.com,FIN,2026-03-01\n"
    "alice,Alice Again,,FIN,\n"
    "bo,Bob,not-an-email,NOPE,3/1/2026\n"
    "erin,Erin,,FIN,,\n"
    "frank,Frank,,FIN,31.02.2026\n"
    "user1,User One,,FIN,\n"
)


def test_bad_file_reports_every_problem_and_writes_nothing(db, tmp_path):
    _seed(db)
    path = tmp_path / "bad.csv"
    path.write_text(BAD_USERS, encoding="utf-8")
    assert _problems(db, "users", path) == [
        "bad.csv:3:login: 'alice' is already on row 2 of this file",
        "bad.csv:4:department: no department 'NOPE' in the database",
        "bad.csv:4:email: 'not-an-email' is not an e-mail address",
        "bad.csv:4:login: 'bo' must be 3-64 letters, digits, '.', '_' or '-'",
        "bad.csv:4:valid_from: '3/1/2026' is ambiguous (day/month or month/day?); "
        "pass --date-format dmy or mdy",
        "bad.csv:5: has 6 cell(s) but the header (line 1) has 5; check the delimiter and "
        "quoting, or a truncated line",
        "bad.csv:6:valid_from: '31.02.2026' is not a valid date",
        "bad.csv:7:login: 'user1' already exists in the database (use --mode upsert to update it)",
    ]
    assert _count(db, ErpUser) == 2 and _count(db, MaintenanceLog) == 0


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        (
            "users",
            b"name;mail\nAnn;ann@example.com\n",
            "f:1:login: required column is missing (accepted names: login, user, username, "
            "user_name, login_name); the header has: name, mail",
        ),
        (
            "users",
            b"login,full_name\nmueller,M\xfcller\n",
            "f:2: not UTF-8 (byte 0xfc at offset 25); save the file as UTF-8 and try again",
        ),
        (
            "users",
            b'login,full_name\nann,Ann\nbob,"Bob',
            "f:3: broken CSV (unexpected end of data); is the file truncated or a quote open?",
        ),
        (
            "grants",
            b"login,role,reason\nuser0,NOPE,x\nghost,AP_CLERK,x\nuser1,AP_CLERK,\n",
            "f:2:role: no role 'NOPE' in the database",
        ),
    ],
)
def test_bad_file_corpus(db, tmp_path, kind, content, expected):
    _seed(db)
    path = tmp_path / "f"
    path.write_bytes(content)
    problems = _problems(db, kind, path)
    assert problems[0] == expected
    assert _count(db, ErpUser) == 2 and _count(db, UserRole) == 0
    assert _count(db, MaintenanceLog) == 0


def test_grant_corpus_names_every_row(db, tmp_path):
    _seed(db)
    path = tmp_path / "g.csv"
    path.write_text("login,role,reason\nuser0,NOPE,x\nghost,AP_CLERK,x\nuser1,AP_CLERK,\n")
    assert _problems(db, "grants", path) == [
        "g.csv:2:role: no role 'NOPE' in the database",
        "g.csv:3:login: no user 'ghost' in the database",
        "g.csv:4:reason: is required for a new grant",
    ]


def test_truncated_json_lines(db, tmp_path):
    _seed(db)
    path = tmp_path / "u.jsonl"
    path.write_text('{"login": "ann", "full_name": "Ann"}\n{"login": "bob", "full_na')
    assert _problems(db, "users", path) == [
        "u.jsonl:2: not valid JSON (Unterminated string starting at); truncated line?"
    ]
    assert _count(db, ErpUser) == 2


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from erp_console.db.engine import connect
    from erp_console.services.data.importer import import_file

    def progress(label, done, total):
        if label == "write" and done > 0:
            print("WRITING", flush=True)

    import_file(connect(sys.argv[1]), "users", sys.argv[2], actor="hr", progress=progress)
    print("DONE", flush=True)
    """
)


def test_killed_import_leaves_all_or_nothing(db, tmp_path):
    _seed(db)
    path = tmp_path / "big.csv"
    rows = 50_000
    with path.open("w", encoding="utf-8") as fh:
        fh.write("login,full_name,email\n")
        for i in range(rows):
            fh.write(f"bulk{i:05d},Bulk User {i},bulk{i}@example.com\n")
    url = db.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, url, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert line == "WRITING", proc.stderr.read()
    imported = _count(db, ErpUser, ErpUser.login_key.like("bulk%"))
    assert imported in (0, rows)
    assert _count(db, MaintenanceLog) == (1 if imported else 0)
