"""Document text search ignores accents and case on every dialect (it did only on MariaDB)."""

from __future__ import annotations

import pytest

from erp_console.services.records.documents import DocumentFilter, create_document, list_documents

DOCS = {
    "Écriture comptable du mois": "Clôture et écritures de régularisation.",
    "Lieferant Müller GmbH": "Stammdaten von Herrn Müller prüfen.",
    "Plain ASCII note": "Nothing accented here; muller and ecriture appear in plain form.",
}


@pytest.fixture
def documents(db):
    for title, body in DOCS.items():
        create_document(db, actor="lead", kind="technical_support", title=title, body=body)
    return db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ecriture", {"Écriture comptable du mois", "Plain ASCII note"}),
        ("Écriture", {"Écriture comptable du mois", "Plain ASCII note"}),
        ("ÉCRITURES", {"Écriture comptable du mois"}),
        ("Muller", {"Lieferant Müller GmbH", "Plain ASCII note"}),
        ("müller", {"Lieferant Müller GmbH", "Plain ASCII note"}),
        ("MÜLLER prüfen", {"Lieferant Müller GmbH"}),
        ("cloture", {"Écriture comptable du mois"}),
        ("mueller", set()),
        ("50%", set()),
    ],
)
def test_search_ignores_accents_and_case(documents, query, expected):
    found = {row.title for row in list_documents(documents, DocumentFilter(text=query))}
    assert found == expected
