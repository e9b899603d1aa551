"""Bytes the console writes to the terminal per key on screen 2 (users), against a bare Textual
DataTable, both in a real pseudo-terminal at 80x24. Over SSH every byte crosses the link.

Usage: python bench/keybytes.py [--url URL] [--presses N]
Target (issue 18): at most 3 KB per Down and 6 KB per PageDown at 80x24.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

from startup import ensure_demo

HERE = Path(__file__).resolve().parent
KEYS = {"Down": b"\x1b[B", "PageDown": b"\x1b[6~"}
QUIET_S = 0.6  # no output for this long: the key's repaint is done


def _drain(fd: int, quiet: float = QUIET_S, limit: float = 20.0) -> int:
    total, start = 0, time.monotonic()
    while time.monotonic() - start < limit:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            return total
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return total
        if not chunk:
            return total
        total += len(chunk)
    return total


def measure(argv: list[str], before: list[bytes], presses: int) -> dict[str, float]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        _drain(fd, quiet=1.5)
        for key in before:
            os.write(fd, key)
            _drain(fd, quiet=1.5)
        result = {}
        for name, key in KEYS.items():
            sizes = []
            for _ in range(presses):
                os.write(fd, key)
                sizes.append(_drain(fd))
            result[name] = statistics.median(sizes)
        return result
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--presses", type=int, default=8)
    args = parser.parse_args()
    url = ensure_demo(args.url)
    bare = measure([sys.executable, str(HERE / "_bare_table.py")], [], args.presses)
    console = measure([sys.executable, "-m", "erp_console", "--url", url], [b"2"], args.presses)
    print(f"{'bytes per key at 80x24':<24}{'console':>10}{'bare table':>12}{'target':>9}")
    for name, target in (("Down", 3000), ("PageDown", 6000)):
        print(f"{name:<24}{console[name]:>10,.0f}{bare[name]:>12,.0f}{target:>9,}")


if __name__ == "__main__":
    main()
