"""Imports refuse what would be silently changed or crash later: control characters (NUL…), JSON
values that are not text, and they report every problem of every row."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from erp_console.cli import main
from erp_console.db.models import Department, Document, ErpUser, MaintenanceLog
from erp_console.errors import ValidationError
from erp_console.services.data.importer import import_file


def _count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _problems(db, kind, path, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as err:
        import_file(db, kind, path, actor="hr", **kwargs)
    return err.value.problems


def test_control_characters_are_refused_with_file_row_column_in_dry_run(db, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(
        b"login;full_name;email\n"
        b"ann;Ann\x00Smith;ann@example.com\n"
        b'bob;"Bob\nBrown";bob\x07@example.com\n'
        b"cid;Cid\x1bC;\n"
        b"dan;Dan\tD;\n"
    )
    assert _problems(db, "users", path, dry_run=True) == [
        "users.csv:2:full_name: contains NUL (U+0000) at character 4",
        "users.csv:3:email: contains a control character (U+0007) at character 4",
        "users.csv:5:full_name: contains a control character (U+001B) at character 4",
    ]
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"kind": "technical_support", "title": "Month\\u0000end", "body": "ok"}\n'
        '{"kind": "technical_support", "title": "Two\\nlines", "body": "line 1\\nline 2\\ttab"}\n',
        encoding="utf-8",
    )
    assert _problems(db, "documents", docs) == [
        "docs.jsonl:1:title: contains NUL (U+0000) at character 6",
        "docs.jsonl:2:title: contains a line break (U+000A) at character 4",
    ]
    assert _count(db, ErpUser) == 0 and _count(db, Document) == 0
    assert _count(db, MaintenanceLog) == 0


def test_typed_text_with_nul_is_refused_by_the_cli(db):
    url = db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main, ["--url", url, "users", "add", "eve", "--name", "Eve\x00Evil"]
    )
    assert result.exit_code == 1, result.output
    assert "full_name: contains NUL" in result.output and "Traceback" not in result.output
    mail = CliRunner().invoke(
        main, ["--url", url, "users", "add", "eve", "--name", "Eve", "--email", "e\x01@x.org"]
    )
    assert mail.exit_code == 1 and "is not an e-mail address" in mail.output, mail.output
    assert _count(db, ErpUser) == 0


def test_json_values_that_are_not_text_are_refused(db, tmp_path):
    with db.begin() as s:
        s.execute(insert(Department), [{"code": "FIN", "name": "Finance", "version": 1}])
    path = tmp_path / "users.jsonl"
    path.write_text(
        '{"login": "ann", "full_name": true}\n'
        '{"login": "bob", "full_name": {"first": "Bob"}, "department": ["FIN"]}\n'
        '{"login": 12345, "full_name": "Numbered", "department": "FIN"}\n',
        encoding="utf-8",
    )
    assert _problems(db, "users", path) == [
        "users.jsonl:1:full_name: is true; give text (in quotes)",
        "users.jsonl:2:department: is a list […]; give text (in quotes)",
        "users.jsonl:2:full_name: is an object {…}; give text (in quotes)",
    ]
    path.write_text('{"login": 12345, "full_name": "Numbered", "department": "FIN"}\n')
    import_file(db, "users", path, actor="hr")
    with db.session() as s:
        assert s.scalar(select(ErpUser.login)) == "12345"
    depts = tmp_path / "d.jsonl"
    depts.write_text(
        '{"code": "OPS", "name": "Operations", "active": false}\n'
        '{"code": "HR", "name": "People", "active": 1}\n'
    )
    assert import_file(db, "departments", depts, actor="hr").inserted == 2
    with db.session() as s:
        assert dict(s.execute(select(Department.code, Department.active)).all()) == {
            "FIN": True,
            "OPS": False,
            "HR": True,
        }


def test_every_problem_of_every_row_is_reported(db, tmp_path):
    with db.begin() as s:
        s.execute(insert(Department), [{"code": "FIN", "name": "Finance", "version": 1}])
    first = tmp_path / "first.csv"
    first.write_text("login,full_name\nuser0,User Zero\n", encoding="utf-8")
    import_file(db, "users", first, actor="hr")
    path = tmp_path / "u.csv"
    path.write_text(
        "login,full_name,email,department,valid_from,valid_to\n"
        "user0,User Zero,not-mail,FIN,2026-05-01,2026-04-01\n"
        "x,,bad,NOPE,2026-05-02junk,\n",
        encoding="utf-8",
    )
    assert _problems(db, "users", path) == [
        "u.csv:2:email: 'not-mail' is not an e-mail address",
        "u.csv:2:login: 'user0' already exists in the database (use --mode upsert to update it)",
        "u.csv:2:valid_to: 2026-04-01 is before valid_from 2026-05-01",
        "u.csv:3:department: no department 'NOPE' in the database",
        "u.csv:3:email: 'bad' is not an e-mail address",
        "u.csv:3:login: 'x' must be 3-64 letters, digits, '.', '_' or '-'",
        "u.csv:3:valid_from: '2026-05-02junk' is not a date (use YYYY-MM-DD, DD.MM.YYYY or "
        "M/D/YYYY): 'junk' after the date is not understood",
    ]
    assert _count(db, ErpUser) == 1


def test_restore_refuses_a_nul_in_any_row_before_writing(
    sqlite_db, dialect, new_database_url, tmp_path
):
    import datetime as dt

    from sqlalchemy import inspect

    from erp_console.db.engine import connect
    from erp_console.services.data.backup import backup

    with sqlite_db.begin() as s:  # stored before validation refused it
        s.execute(
            insert(ErpUser),
            [
                {
                    "login": "nul.user",
                    "login_key": "nul.user",
                    "full_name": "Nul\x00Name",
                    "status": "active",
                    "created_at": dt.datetime(2026, 1, 1),
                    "version": 1,
                }
            ],
        )
    archive = tmp_path / "bk"
    backup(sqlite_db, archive, actor="dba")
    target = new_database_url(dialect, "nul")
    result = CliRunner().invoke(main, ["--url", target, "restore", str(archive)])
    assert result.exit_code == 1, result.output
    assert "tables/erp_user.jsonl:1:full_name: contains NUL (U+0000)" in result.output
    assert "Traceback" not in result.output
    probe = connect(target)
    try:
        assert inspect(probe.engine).get_table_names() == []  # not even a schema
    finally:
        probe.dispose()
