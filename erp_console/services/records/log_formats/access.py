"""nginx and Apache access logs in the combined format (common format too).

`203.0.113.7 - alice [01/May/2026:10:00:00 +0200] "GET /web HTTP/1.1" 200 1234 "referer" "agent"`:
the client is the host, the authenticated user the user, the status the event; 5xx is ERROR,
4xx WARNING, anything else INFO. The message is the request and what follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from erp_console.services.records.log_formats.base import (
    Clock,
    EntryError,
    Lines,
    message,
    single,
    text,
)

LINE = re.compile(r"(\S+) (\S+) (\S+) \[([^\]]+)\] (\"(?:[^\"\\]|\\.)*\" (\d{3}) .*)")


def access(lines: Lines, clock: Clock, source: str = "access", **_) -> Iterator[object]:
    def parse(line: str) -> tuple:
        m = LINE.match(line)
        if m is None:
            raise EntryError("is not an access log line (combined format)")
        client, _ident, user, ts, rest, status = m.groups()
        moment = clock.iso(ts)
        code = int(status)
        level = "ERROR" if code >= 500 else "WARNING" if code >= 400 else "INFO"
        return (
            moment,
            level,
            source,
            text(user, "user_login"),
            text(client, "host"),
            status,
            message(rest),
            line,
        )

    return single(lines, parse, "an access log")
