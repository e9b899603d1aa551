"""Accent- and case-insensitive text matching, the same on every dialect.

`fold("Écriture")` is `"ecriture"`, `fold("Müller")` is `"muller"`, `fold("Straße")` is
`"strasse"`. In SQL, `Folded(column)` is the column folded the same way: PostgreSQL with built-in
`translate()`/`replace()` (no extension needed), SQLite with the `erp_fold()` function registered
on every connection, MySQL/MariaDB by the column's `utf8mb4_unicode_ci` collation, which already
ignores accents and case. Searches compare `Folded(column)` with `fold(term)`.
"""

from __future__ import annotations

from sqlalchemy import func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

_SINGLE = {
    "a": "àáâãäåāăąÀÁÂÃÄÅĀĂĄ",
    "c": "çćĉċčÇĆĈĊČ",
    "d": "ďđÐĎĐð",
    "e": "èéêëēĕėęěÈÉÊËĒĔĖĘĚ",
    "g": "ĝğġģĜĞĠĢ",
    "h": "ĥħĤĦ",
    "i": "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ",
    "j": "ĵĴ",
    "k": "ķĶ",
    "l": "ĺļľŀłĹĻĽĿŁ",
    "n": "ñńņňÑŃŅŇ",
    "o": "òóôõöøōŏőÒÓÔÕÖØŌŎŐ",
    "r": "ŕŗřŔŖŘ",
    "s": "śŝşšŚŜŞŠ",
    "t": "ţťŧŢŤŦ",
    "u": "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ",
    "w": "ŵŴ",
    "y": "ýÿŷÝŸŶ",
    "z": "źżžŹŻŽ",
}
_MULTI = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th"}
FOLD_FROM = "".join(_SINGLE.values())
FOLD_TO = "".join(base * len(chars) for base, chars in _SINGLE.items())
_TABLE = str.maketrans({**dict(zip(FOLD_FROM, FOLD_TO, strict=True)), **_MULTI})


def fold(text: str | None) -> str | None:
    """Lower case without accents (the Python side of `Folded`)."""
    return None if text is None else text.translate(_TABLE).lower()


class Folded(FunctionElement):
    """A text column folded like `fold()`, in the SQL of the dialect it is compiled for."""

    type = String()
    inherit_cache = True


@compiles(Folded)
def _folded_sqlite(element, compiler, **kw) -> str:
    return compiler.process(func.erp_fold(*element.clauses.clauses), **kw)


@compiles(Folded, "postgresql")
def _folded_postgresql(element, compiler, **kw) -> str:
    expr = func.translate(*element.clauses.clauses, literal(FOLD_FROM), literal(FOLD_TO))
    for char, replacement in _MULTI.items():
        expr = func.replace(expr, literal(char), literal(replacement))
    return compiler.process(func.lower(expr), **kw)


@compiles(Folded, "mysql")
@compiles(Folded, "mariadb")
def _folded_mysql(element, compiler, **kw) -> str:
    (column,) = element.clauses.clauses
    return compiler.process(column, **kw)
