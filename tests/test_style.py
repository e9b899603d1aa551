"""The code base stays ruff-clean (lint and format)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_clean(args):
    pytest.importorskip("ruff", reason="ruff is in the test extra")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "erp_console", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_project_explains_itself_without_outside_documents():
    """Code and docs cite docs/ARCHITECTURE.md, never a design document outside the repository."""
    architecture = ROOT / "docs" / "ARCHITECTURE.md"
    assert architecture.is_file(), "docs/ARCHITECTURE.md is the design of record"
    outside = re.compile(r"DESIGN(\.md| §)|\.\./shared|LAYOUT-SKETCH")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("erp_console", "tests", "bench", "docs")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".md", ".tcss", ".toml"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line) and path.name != "test_style.py"
    ] + [
        f"README.md:{number}: {line.strip()}"
        for number, line in enumerate((ROOT / "README.md").read_text().splitlines(), 1)
        if outside.search(line)
    ]
    assert offenders == []
