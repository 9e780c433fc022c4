"""`queue export` (CLI and web): items and decisions as JSONL, Danish CSV and Excel, without note text."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from pipeline.cli import main
from review_fixtures import EXPECTED_ORDER, NOTES
from review_helpers import decide_json, item_id_for


def decide_some(client_for, store) -> None:
    rita = client_for("rita")
    decide_json(rita, item_id_for(store, "N-1", "unhandled_concern"), "escalate", escalate_to="notification_team")
    decide_json(rita, item_id_for(store, "N-4", "missing_assessment"), "dismiss", reason="other", text="Står i mødereferatet.")


def assert_no_note_text(content: str) -> None:
    for note in NOTES:
        for sentence in note.text.split(". "):
            if len(sentence) > 25:
                assert sentence not in content


def test_the_jsonl_export_lists_every_item_with_its_decisions(db_url, loaded_store, client_for, capsys):
    decide_some(client_for, loaded_store)
    assert main(["queue", "export", "--format", "jsonl", "--db", db_url]) == 0
    out = capsys.readouterr()
    records = [json.loads(line) for line in out.out.splitlines()]
    assert len(records) == len(EXPECTED_ORDER) and "exported 8 queue items" in out.err
    escalated = next(r for r in records if r["note_id"] == "N-1" and r["marker"] == "unhandled_concern")
    assert escalated["status"] == "escalated" and escalated["escalated_to"] == "notification_team"
    assert [d["kind"] for d in escalated["decisions"]] == ["escalate"] and escalated["decided_by"] == "rita"
    assert_no_note_text(out.out)


def test_the_csv_export_opens_in_danish_excel(db_url, tmp_path, client_for, loaded_store):
    decide_some(client_for, loaded_store)
    out = tmp_path / "koe.csv"
    assert main(["queue", "export", "--format", "csv", "-o", str(out), "--db", db_url]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    dismissed = next(r for r in rows[1:] if r[header.index("Status")] == "Afvist")
    assert dismissed[header.index("Begrundelse")] == "Andet (skriv begrundelse)"
    assert dismissed[header.index("Tekst fra gennemgåer")] == "Står i mødereferatet."
    assert dismissed[header.index("Score")] == "0,74"
    assert dismissed[header.index("Skrevet")] == "12-03-2025 14:00"
    assert_no_note_text(raw.decode("utf-8-sig"))


def test_the_excel_export_needs_a_file_and_holds_real_dates(db_url, tmp_path, loaded_store, capsys):
    assert main(["queue", "export", "--format", "xlsx", "--db", db_url]) == 2
    assert "needs -o FILE.xlsx" in capsys.readouterr().err
    out = tmp_path / "koe.xlsx"
    assert main(["queue", "export", "--format", "xlsx", "-o", str(out), "--db", db_url]) == 0
    sheet = load_workbook(out).active
    assert sheet.max_row == len(EXPECTED_ORDER) + 1
    assert sheet.cell(2, 6).is_date and sheet.cell(2, 6).number_format == "dd-mm-yyyy hh:mm"


def test_the_web_export_is_audited(client_for, loaded_store):
    from sqlalchemy import select

    from review.store import AuditEntry

    response = client_for("rita").get("/eksport/markeringer.jsonl")
    assert len(response.text.splitlines()) == len(EXPECTED_ORDER)
    with loaded_store.session() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalar_one()
    assert (entry.user_name, entry.detail) == ("rita", {"format": "jsonl", "rows": 8, "what": "queue"})
