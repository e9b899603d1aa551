"""A program in a real pseudo-terminal, read the way a person reads it: the bytes it writes are
fed to a VT100 emulator (pyte), so a test waits for text on the screen, not in the byte stream."""

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
    "ctrl+s": b"\x13",
    "down": b"\x1b[B",
}


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str], columns: int = 80, lines: int = 24):
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.transcript = b""
        main_fd, child_fd = pty.openpty()
        fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.fd = main_fd
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
        self.transcript += chunk
        self.stream.feed(chunk)
        return bool(chunk)

    def wait_for(self, *texts: str, absent: tuple[str, ...] = (), timeout: float = 60.0) -> str:
        """Read until every text is on the screen at once and none of `absent`; the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            if all(t in screen for t in texts) and not any(t in screen for t in absent):
                return screen
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(
                    f"never on screen: {texts!r} without {absent!r}\n--- screen ---\n{screen}"
                )
            self._read(0.1)

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key.encode()))

    def type(self, text: str) -> None:
        for ch in text:  # one write per key, as a person types
            os.write(self.fd, ch.encode())

    def wait_exit(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        return self.proc.wait(timeout=1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.fd)
