"""Two writers editing the same document version at the same moment: one wins, the other gets a
conflict (exit 4, one line), never a driver traceback, on every dialect."""

from __future__ import annotations

import subprocess
import sys
import threading
import traceback

from erp_console.errors import Conflict
from erp_console.services.records.documents import create_document, edit_document, get_document

ROUNDS = 25


def _race(db, doc_id: int, version: int, round_no: int) -> list[object]:
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def writer(slot: int) -> None:
        barrier.wait()
        try:
            edit_document(
                db,
                doc_id,
                actor=f"writer{slot}",
                expected_version=version,
                body=f"round {round_no} by writer {slot}",
            )
            outcomes[slot] = "saved"
        except Exception as exc:  # noqa: BLE001 - the test records whatever the loser gets
            outcomes[slot] = exc

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_writers_on_one_version_give_one_save_and_one_conflict(db):
    doc = create_document(db, actor="lead", kind="technical_support", title="Race", body="start")
    for round_no in range(ROUNDS):
        version = get_document(db, doc.id).version
        outcomes = _race(db, doc.id, version, round_no)
        saved = [o for o in outcomes if o == "saved"]
        others = [o for o in outcomes if o != "saved"]
        assert len(saved) == 1, (round_no, outcomes)
        unexpected = [o for o in others if not isinstance(o, Conflict)]
        assert not unexpected, (round_no, [traceback.format_exception(o) for o in unexpected])
        assert get_document(db, doc.id).version == version + 1


def test_cli_loser_exits_4_with_one_line(db, tmp_path):
    doc = create_document(db, actor="lead", kind="technical_support", title="Race", body="start")
    url = db.url.render_as_string(hide_password=False)
    body = tmp_path / "body.md"
    for round_no in range(4):
        version = get_document(db, doc.id).version
        body.write_text(f"round {round_no}", encoding="utf-8")
        command = [sys.executable, "-m", "erp_console", "--url", url, "docs", "edit", str(doc.id)]
        command += ["--expect-version", str(version), "--body-file", str(body)]
        procs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        codes = sorted(code for code, _err in results)
        assert codes == [0, 4], results
        loser = next(err for code, err in results if code == 4)
        assert loser.count("\n") == 1 and "changed by someone else" in loser, loser
