"""The README's first command, end to end: `erp-console --demo` in a real pseudo-terminal builds the
demo in the user data directory on the first run, paints the dashboard, and quits on `q`; the
second run reuses the database."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _run_console(env: dict[str, str], timeout: float = 90.0) -> tuple[str, int]:
    """Start the console in a pty, wait for the stage banner, press q; (screen text, exit code)."""
    console = shutil.which("erp-console", path=os.path.dirname(sys.executable)) or "erp-console"
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [console, "--demo", "--operator", "tester"],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=env,
        close_fds=True,
    )
    os.close(child_fd)
    seen, deadline, quit_sent = "", time.monotonic() + timeout, False
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([main_fd], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(main_fd, 65536).decode("utf-8", errors="replace")
                except OSError:
                    break
            text = ANSI.sub("", seen)
            if not quit_sent and "since go-live" in text and "Users" in text:
                time.sleep(0.3)
                os.write(main_fd, b"q")
                quit_sent = True
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)
    return ANSI.sub("", seen), code


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_demo_first_run_paints_the_dashboard_and_quits(isolated_dirs):
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
        "ERP_CONSOLE_DATA_DIR": str(isolated_dirs / "data"),
        "ERP_CONSOLE_CONFIG_DIR": str(isolated_dirs / "config"),
    }
    first, code = _run_console(env)
    assert code == 0, first[-2000:]
    assert "Building the demo ERP" in first and "Demo ready in" in first
    assert "Northwind Industries ERP" in first and "since go-live" in first
    database = isolated_dirs / "data" / "erp.sqlite3"
    assert database.exists() and database.stat().st_size > 1_000_000
    second, code = _run_console(env)
    assert code == 0 and "Building the demo ERP" not in second
    assert "since go-live" in second
