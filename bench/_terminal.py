"""A program in a real pseudo-terminal, timed the way a person sees it: the bytes it writes are fed
to a VT100 emulator (pyte) as soon as they arrive, and `wait_for` returns the moment the expected
text is on the emulated screen.

The same approach as tests/support/terminal.py (a bench does not import from tests/), polled
tightly: the pty is read with a 2 ms select timeout, so the resolution of a measurement is a few
milliseconds. The time of a text is the time the chunk that completed it was read.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time

import pyte

KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "down": b"\x1b[B",
}
POLL_S = 0.002


class Terminal:
    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        columns: int = 80,
        lines: int = 24,
        trace: str | None = None,
    ):
        """`trace`: a file where the keys and the moments their text was seen are appended."""
        self.trace = trace
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        main_fd, child_fd = pty.openpty()
        fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.fd = main_fd
        self.started = time.perf_counter()  # just before the process is spawned
        self._log(self.started, f"spawn {argv[-3:]}")
        self.proc = subprocess.Popen(
            argv,
            stdin=child_fd,
            stdout=child_fd,
            stderr=child_fd,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)},
            close_fds=True,
            start_new_session=True,
        )
        os.close(child_fd)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the program closed the terminal
            return False
        self.stream.feed(chunk)
        return bool(chunk)

    def wait_for(self, *texts: str, absent: tuple[str, ...] = (), timeout: float = 60.0) -> float:
        """Read until every text is on the screen at once and none of `absent`; the perf_counter
        time of the read that made it so."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.text()
            if all(t in screen for t in texts) and not any(t in screen for t in absent):
                now = time.perf_counter()
                self._log(now, f"seen {texts!r}")
                return now
            if time.perf_counter() > deadline or self.proc.poll() is not None:
                raise TimeoutError(
                    f"never on screen: {texts!r} without {absent!r}\n--- screen ---\n{screen}"
                )
            # Drain everything already written before looking again: a frame comes in chunks.
            if self._read(POLL_S):
                while self._read(0):
                    pass

    def settle(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until the program has written nothing for `quiet` seconds."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and self._read(quiet):
            pass

    def press(self, key: str) -> float:
        """Write one key; the perf_counter time of the write."""
        data = KEYS.get(key, key.encode())
        now = time.perf_counter()
        os.write(self.fd, data)
        self._log(now, f"key {key!r}")
        return now

    def _log(self, when: float, event: str) -> None:
        if self.trace:
            with open(self.trace, "a") as trace:
                trace.write(f"{when:.4f} bench: {event}\n")

    def wait_exit(self, timeout: float = 30.0) -> int | None:
        deadline = time.perf_counter() + timeout
        while self.proc.poll() is None and time.perf_counter() < deadline:
            self._read(0.05)
        return self.proc.poll()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.fd)
