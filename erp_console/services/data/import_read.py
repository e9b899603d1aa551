"""Reading the messy files admins get: CSV (`,` `;` tab or `|`, sniffed) or JSON Lines.

Handles a UTF-8 BOM (and UTF-16 with its BOM), quoted newlines, blank lines, surrounding spaces
and headers in any case or order. Every row comes with the line it starts on, so problems can be
reported as `file:row:column: message`. Problems of the file itself (encoding, a truncated last
record, a row with too many or too few cells) are collected, not raised one at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from erp_console.csv_safety import FORMULA_PREFIXES

DELIMITERS = ",;\t|"


@dataclass
class Problem:
    row: int | None
    column: str | None
    message: str

    def render(self, source: str) -> str:
        where = [source]
        if self.row is not None:
            where.append(str(self.row))
        if self.column:
            where.append(self.column)
        return f"{':'.join(where)}: {self.message}"


@dataclass
class SourceRows:
    """The parsed file: header (as written), rows as (line, {header: text}) and file problems."""

    name: str
    fmt: str
    header: list[str]
    rows: list[tuple[int, dict[str, object]]]
    problems: list[Problem] = field(default_factory=list)
    delimiter: str | None = None


def normalise_header(name: str) -> str:
    """`Date d'entrée`, ` E-Mail ` and `START_DATE` → `date_d_entree`, `e_mail`, `start_date`."""
    text = name.strip().strip("\ufeff").strip().lower().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _decode(data: bytes, problems: list[Problem]) -> str:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                line,
                None,
                f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8 and try again",
            )
        )
        return data.decode("utf-8", errors="replace")


_FORMULA_START = "".join(FORMULA_PREFIXES)


def unescape_cell(text: str) -> str:
    """Undo the export's formula escaping: a quote before = + - @ goes away again."""
    if text[:1] == "'" and len(text) > 1 and text[1] in _FORMULA_START:
        return text[1:]
    return text


def _sniff(sample: str) -> str:
    first = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(first or sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv(name: str, text: str, problems: list[Problem]) -> SourceRows:
    delimiter = _sniff(text[:8192])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, dict[str, object]]] = []
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(start, None, f"broken CSV ({exc}); is the file truncated or a quote open?")
            )
            break
        line = start
        joined = "".join(cells)
        if not joined.strip():
            continue
        if header is None:
            header, header_line = [c.strip() for c in cells], line
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    line,
                    None,
                    f"has {len(cells)} cell(s) but the header (line {header_line}) has "
                    f"{len(header)}; check the delimiter and quoting, or a truncated line",
                )
            )
            continue
        stripped = [c.strip() for c in cells]
        if "'" in joined:  # a cell may carry the export's formula escape
            stripped = [unescape_cell(c) for c in stripped]
        rows.append((line, dict(zip(header, stripped, strict=True))))
    return SourceRows(name, "csv", header or [], rows, problems, delimiter)


def _jsonl(name: str, text: str, problems: list[Problem]) -> SourceRows:
    header: dict[str, None] = {}
    rows: list[tuple[int, dict[str, object]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, None, f"not valid JSON ({exc.msg}); truncated line?"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(number, None, "a JSON Lines row must be an object {…}"))
            continue
        cleaned = {str(k).strip(): v.strip() if isinstance(v, str) else v for k, v in value.items()}
        header.update(dict.fromkeys(cleaned))
        rows.append((number, cleaned))
    return SourceRows(name, "jsonl", list(header), rows, problems)


def looks_like_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return True
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip().startswith("{")


def read_source(path: Path, name: str | None = None) -> SourceRows:
    """Read the whole file (imports are validated completely before anything is written)."""
    problems: list[Problem] = []
    text = _decode(path.read_bytes(), problems)
    label = name or path.name
    if looks_like_jsonl(path, text):
        return _jsonl(label, text, problems)
    return _csv(label, text, problems)
