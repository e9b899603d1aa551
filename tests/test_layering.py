"""Services stay free of Textual; start-up imports stay lean."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import erp_console.services


def test_services_never_import_textual():
    modules = [
        f"erp_console.services.{m.name}"
        for m in pkgutil.iter_modules(erp_console.services.__path__)
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"services pulled in Textual: {out}"


def test_cli_entry_does_not_import_sqlalchemy_or_textual_for_help():
    code = "import sys\nimport erp_console.cli\nprint(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'textual', 'alembic'}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"importing the CLI pulled in {out}"
