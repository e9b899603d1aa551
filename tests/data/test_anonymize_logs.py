"""An anonymized snapshot leaves no login in a system log row: not in the message, not in the
raw line an ingested entry keeps."""

from __future__ import annotations

from erp_console.services.data.anonymize import Anonymizer


def test_the_raw_log_line_is_anonymized_like_the_message():
    anonymizer = Anonymizer([(1, "mdupont", "Marie Dupont", "marie@example.com")])
    row = anonymizer.row(
        "system_log",
        {
            "user_login": "mdupont",
            "message": "login failed for user 'mdupont'",
            "raw": "2026-05-01 10:01:40 WARNING 203.0.113.9 8130 www-da login failed for user 'mdupont'",
        },
    )
    assert "mdupont" not in repr(row)
    assert row["raw"].startswith("2026-05-01 10:01:40 WARNING 203.0.113.9 8130 www-da login failed")
