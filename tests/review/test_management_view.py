"""/ledelse: counts and rates per team and month, reviewer precision, Danish CSV and Excel exports."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from review.store import AuditEntry
from review_helpers import decide_json, item_id_for


def rows_by_key(data: dict) -> dict[tuple[str, str], dict]:
    return {(r["team"], r["month"]): r for r in data["rows"]}


def test_flag_shares_are_counted_per_team_and_month(client_for):
    data = client_for("adam").get("/ledelse.json").json()
    rows = rows_by_key(data)
    assert set(rows) == {("Team Nord", "2025-03"), ("Team Nord", "2025-04"), ("Team Syd", "2025-03")}
    nord_march = rows[("Team Nord", "2025-03")]
    assert nord_march["notes"] == 2
    assert nord_march["markers"]["unhandled_concern"]["flagged"] == 1
    assert nord_march["markers"]["unhandled_concern"]["share"] == 0.5
    syd = rows[("Team Syd", "2025-03")]
    assert syd["markers"]["missing_child_conversation"]["share"] == 1.0
    assert syd["markers"]["authority_jargon"]["share"] == 0.5
    assert data["totals"]["notes"] == 7 and data["totals"]["markers"]["missing_assessment"]["flagged"] == 3


def test_concerns_not_handled_within_24_hours_are_a_share_of_the_notes_with_a_concern(client_for):
    rows = rows_by_key(client_for("adam").get("/ledelse.json").json())
    april = rows[("Team Nord", "2025-04")]
    assert april["concern_notes"] == 2  # N-5 (handled by N-6) and N-7 (not handled)
    assert april["unhandled_share_of_concerns"] == 0.5


def test_reviewer_decisions_give_the_queues_precision_per_marker(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    decide_json(rita, item_id_for(loaded_store, "N-1", "missing_assessment"), "confirm")
    decide_json(rita, item_id_for(loaded_store, "N-3", "missing_assessment"), "escalate", escalate_to="team_leader")
    decide_json(rune, item_id_for(loaded_store, "N-4", "missing_assessment"), "dismiss", reason="assessment_present")
    data = client_for("frida").get("/ledelse.json").json()
    total = data["totals"]["markers"]["missing_assessment"]
    assert (total["confirmed"], total["dismissed"], total["open"]) == (2, 1, 0)
    assert abs(total["precision"] - 2 / 3) < 1e-9
    assert [(r["reviewer"], r["marker"], r["confirmed"], r["dismissed"], r["confirm_rate"]) for r in data["reviewers"]] == [
        ("rita", "missing_assessment", 2, 0, 1.0),
        ("rune", "missing_assessment", 0, 1, 0.0),
    ]


def test_filters_narrow_the_report_to_a_team_and_a_period(client_for):
    client = client_for("adam")
    data = client.get("/ledelse.json?team=Team+Nord&fra=2025-04&til=2025-04").json()
    assert [(r["team"], r["month"]) for r in data["rows"]] == [("Team Nord", "2025-04")]
    assert client.get("/ledelse.json?fra=2025-13").json() == {"error": "Måneden i 'fra' skal skrives ÅÅÅÅ-MM"}


def test_the_csv_export_follows_danish_excel_conventions(client_for, loaded_store):
    response = client_for("adam").get("/ledelse.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, rows = table[0], table[1:]
    assert header[:3] == ["Team", "Måned", "Notater"]
    share_col = header.index("Bekymring ikke behandlet som underretning: andel (%)")
    nord_march = next(r for r in rows if r[0] == "Team Nord" and r[1] == "2025-03")
    assert nord_march[share_col] == "50,0"
    assert rows[-1][0] == "I alt"
    with loaded_store.session() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalar_one()
    assert entry.detail == {"format": "csv", "rows": 4, "what": "management"}


def test_the_excel_export_keeps_shares_as_percentages(client_for):
    response = client_for("adam").get("/ledelse.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    col = header.index("Bekymring ikke behandlet som underretning: andel") + 1
    cells = {(sheet.cell(r, 1).value, sheet.cell(r, 2).value): sheet.cell(r, col) for r in range(2, sheet.max_row + 1)}
    cell = cells[("Team Nord", "2025-03")]
    assert cell.value == 0.5 and cell.number_format == "0.0%"
    assert sheet.title == "Ledelse"


def test_the_management_page_draws_a_chart_per_marker(client_for):
    html = client_for("adam").get("/ledelse").text
    assert html.count("<svg") == 4 and "Ledelsesoverblik" in html and "50,0 %" in html
