"""The revisionslog: every view, decision, export and login, per case, exportable; details hold codes only."""

from __future__ import annotations

import csv
import io

import pytest

from review import audit
from review.audit import AuditDetailError
from review_helpers import decide_json, item_id_for


def test_the_case_log_lists_who_saw_and_decided_what_in_that_case_only(client_for, loaded_store):
    rita, frida = client_for("rita"), client_for("frida")
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    other = item_id_for(loaded_store, "N-3", "authority_jargon")
    frida.get(f"/markeringer/{item_id}")
    decide_json(rita, item_id, "confirm")  # views the item first, then decides
    rita.get(f"/markeringer/{other}")
    entries = rita.get("/revisionslog.json?sag=S-100").json()["entries"]
    assert [(e["user"], e["action"], e["item_id"]) for e in entries] == [
        ("frida", "view_item", item_id),
        ("rita", "view_item", item_id),
        ("rita", "decision", item_id),
    ]
    assert entries[2]["action_label"] == "Afgørelse" and entries[2]["detail"]["kind"] == "confirm"


def test_the_latest_events_across_cases_include_logins(client_for):
    adam = client_for("adam")
    entries = adam.get("/revisionslog.json").json()["entries"]
    assert entries[0]["action"] == "login" and entries[0]["user"] == "adam"


def test_viewing_the_log_is_itself_logged(client_for):
    adam = client_for("adam")
    adam.get("/revisionslog.json?sag=S-200")
    entries = adam.get("/revisionslog.json?sag=S-200").json()["entries"]
    assert [(e["user"], e["action"]) for e in entries] == [("adam", "view_audit")]


def test_a_cases_log_exports_as_danish_csv(client_for, loaded_store):
    rita = client_for("rita")
    rita.get(f"/markeringer/{item_id_for(loaded_store, 'N-4', 'missing_assessment')}")
    response = rita.get("/revisionslog.csv?sag=S-200")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="revisionslog-S-200.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == audit.AUDIT_CSV_HEADER
    assert [(r[1], r[2], r[3], r[4]) for r in rows[1:]] == [("rita", "Så markering", "S-200", "N-4")]
    assert rita.get("/revisionslog.csv").status_code == 400  # one case at a time


def test_audit_details_refuse_anything_that_looks_like_text(loaded_store):
    with loaded_store.write_session() as session:
        with pytest.raises(AuditDetailError):
            audit.record(session, user=None, action="export", detail={"what": "x" * 200})
        with pytest.raises(AuditDetailError):
            audit.record(session, user=None, action="export", detail={"what": {"nested": "dict"}})
        with pytest.raises(AuditDetailError):
            audit.record(session, user=None, action="read_everything")
