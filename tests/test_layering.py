"""Services stay free of Textual; start-up imports stay lean."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import erp_console.services

ROOT = Path(__file__).resolve().parents[1]


def test_services_never_import_textual():
    modules = [
        m.name
        for m in pkgutil.walk_packages(erp_console.services.__path__, "erp_console.services.")
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


def test_import_contracts_hold():
    """The layer contracts in pyproject.toml ([tool.importlinter]) are kept."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert linter, "import-linter is part of the test extras: pip install '.[test]'"
    result = subprocess.run(
        [linter, "--no-cache"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout
