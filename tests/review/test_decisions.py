"""Decisions: Bekræft, Afvis with a reason, Eskalér, Kommentar; decided items leave the queue;
history is kept; every decision is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from review.store import AuditEntry, Decision
from review_fixtures import EXPECTED_ORDER
from review_helpers import decide_json, item_id_for


def open_queue(client) -> list[int]:
    return [row["id"] for row in client.get("/koe.json").json()["items"]]


def test_confirming_takes_the_item_out_of_the_open_queue(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    response = decide_json(rita, item_id, "confirm")
    assert response.status_code == 200
    body = response.json()
    assert body["recorded"] and not body["conflict"] and body["item"]["status"] == "confirmed"
    assert body["next"] == item_id_for(loaded_store, "N-7", "unhandled_concern")
    assert item_id not in open_queue(rita)
    confirmed = rita.get("/koe.json?status=confirmed").json()
    assert [row["id"] for row in confirmed["items"]] == [item_id] and confirmed["items"][0]["decided_by"] == "rita"


def test_dismissing_needs_a_reason_from_the_list(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    assert decide_json(rita, item_id, "dismiss").json() == {"error": "Vælg en begrundelse for at afvise"}
    assert decide_json(rita, item_id, "dismiss", reason="ukendt").status_code == 400
    assert decide_json(rita, item_id, "dismiss", reason="other").json()["error"] == "Skriv en begrundelse, når du vælger 'Andet'"
    ok = decide_json(rita, item_id, "dismiss", reason="assessment_present", text="Vurderingen står i notatet fra 13/3.")
    assert ok.status_code == 200 and ok.json()["item"]["status"] == "dismissed"
    decisions = rita.get(f"/markeringer/{item_id}.json").json()["decisions"]
    assert [(d["kind"], d["reason_label"], d["text"]) for d in decisions] == [
        ("dismiss", "Notatet har en begrundet faglig vurdering", "Vurderingen står i notatet fra 13/3."),
    ]


def test_escalating_names_who_receives_it(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-7", "unhandled_concern")
    assert decide_json(rita, item_id, "escalate").status_code == 400
    response = decide_json(rita, item_id, "escalate", escalate_to="notification_team")
    assert response.json()["item"]["status"] == "escalated"
    decision = rita.get(f"/markeringer/{item_id}.json").json()["decisions"][0]
    assert decision["escalated_to_label"] == "Modtagelsen (underretninger)"


def test_a_comment_keeps_the_item_open_and_needs_text(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    assert decide_json(rita, item_id, "comment").json()["error"] == "Skriv en kommentar"
    assert decide_json(rita, item_id, "comment", text="Drøftes på teammødet.").json()["item"]["status"] == "open"
    assert item_id in open_queue(rita)


def test_deciding_again_on_a_fresh_page_changes_the_status_and_keeps_the_history(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-3", "missing_assessment")
    decide_json(rita, item_id, "confirm")
    response = decide_json(rune, item_id, "dismiss", reason="not_applicable")  # rune saw rita's decision
    assert response.status_code == 200 and not response.json()["conflict"]
    data = rune.get(f"/markeringer/{item_id}.json").json()
    assert data["item"]["status"] == "dismissed" and data["conflict"] is None
    assert [(d["user"], d["kind"]) for d in data["decisions"]] == [("rita", "confirm"), ("rune", "dismiss")]


def test_the_same_decision_sent_twice_is_recorded_once(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-4", "missing_child_conversation")
    version = rita.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    first = decide_json(rita, item_id, "confirm", version=version)
    second = decide_json(rita, item_id, "confirm", version=version)
    assert first.json()["recorded"] and second.json()["duplicate"] and not second.json()["recorded"]
    with loaded_store.session() as session:
        assert len(session.execute(select(Decision).where(Decision.item_id == item_id)).all()) == 1


def test_a_form_decision_goes_on_to_the_next_item_in_the_queue(client_for, loaded_store):
    rita = client_for("rita")
    first, second = (item_id_for(loaded_store, note, marker) for marker, note in EXPECTED_ORDER[:2])
    page = rita.get(f"/markeringer/{first}").text
    form = re.search(r'<form method="post" action="([^"]+)" id="form-confirm"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = rita.post(form, data={"csrf_token": rita.csrf, "version": version, "kind": "confirm"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/markeringer/{second}?besked=confirm"
    assert "Den forrige markering er bekræftet." in rita.get(response.headers["location"]).text


def test_the_last_decision_returns_to_an_empty_queue(client_for, loaded_store):
    rita = client_for("rita")
    for marker, note in EXPECTED_ORDER:
        decide_json(rita, item_id_for(loaded_store, note, marker), "confirm")
    assert rita.get("/koe.json").json()["total"] == 0
    assert rita.get("/markeringer/naeste").headers["location"] == "/koe?besked=tom"
    assert "Der er ikke flere åbne markeringer" in rita.get("/koe?besked=tom").text


def test_every_decision_is_audited_with_codes_not_text(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    decide_json(rita, item_id, "dismiss", reason="other", text="Privat oplysning om familien")
    with loaded_store.session() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "decision")).scalar_one()
    assert (entry.user_name, entry.case_id, entry.note_id, entry.item_id) == ("rita", "S-200", "N-4", item_id)
    assert entry.detail["kind"] == "dismiss" and entry.detail["reason"] == "other"
    assert "Privat oplysning" not in entry.detail_json


def test_withdrawn_and_decided_items_cannot_be_claimed(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-1", "missing_assessment")
    decide_json(rita, item_id, "confirm")
    response = rita.post(f"/markeringer/{item_id}/tag", headers={"X-CSRF-Token": rita.csrf, "Accept": "application/json"})
    assert response.status_code == 409 and response.json()["claimed"] is False
