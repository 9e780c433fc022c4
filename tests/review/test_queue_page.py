"""The queue page: priority order, filters, counts, pagination, and its JSON twin."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from review.app import create_app
from review.loading import load_flag_objects
from review.priority import describe_time_left
from review_fixtures import EXPECTED_ORDER, NOTES, NOTES_BY_ID, make_flags
from review_helpers import add_fixture_users, decide_json, item_id_for, login


def queue_json(client, query: str = "") -> dict:
    response = client.get(f"/koe.json{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_queue_lists_open_items_in_priority_order(client_for):
    data = queue_json(client_for("rita"))
    assert [(row["marker"], row["note_id"]) for row in data["items"]] == EXPECTED_ORDER
    assert data["total"] == len(EXPECTED_ORDER)


def test_every_page_also_answers_json_when_asked_by_accept_header(client_for):
    client = client_for("rita")
    response = client.get("/koe", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["total"] == len(EXPECTED_ORDER)


def test_counts_per_marker_and_per_status_follow_the_other_filters(client_for):
    data = queue_json(client_for("rita"), "?team=Team+Syd")
    assert data["counts"]["by_marker"] == {
        "missing_assessment": 2, "missing_child_conversation": 2, "authority_jargon": 1, "unhandled_concern": 0,
    }
    assert data["counts"]["by_status"]["open"] == 5 and data["counts"]["by_status"]["all"] == 5
    assert {row["team"] for row in data["items"]} == {"Team Syd"}


def test_filters_by_marker_note_type_and_period(client_for):
    client = client_for("rita")
    concern = queue_json(client, "?markoer=unhandled_concern")
    assert [row["note_id"] for row in concern["items"]] == ["N-1", "N-7"] and concern["total"] == 2
    assert concern["counts"]["by_marker"]["missing_assessment"] == 3  # the marker counts ignore the marker filter
    assert [row["note_id"] for row in queue_json(client, "?notattype=Opf%C3%B8lgning")["items"]] == ["N-4", "N-4"]
    april = queue_json(client, "?fra=2025-04-01&til=2025-04-30")
    assert [row["note_id"] for row in april["items"]] == ["N-7"]
    march_tenth = queue_json(client, "?fra=2025-03-10&til=2025-03-10")
    assert {row["note_id"] for row in march_tenth["items"]} == {"N-3"}


def test_decided_items_move_from_open_to_their_status_and_the_counts_follow_at_once(client_for, loaded_store):
    client = client_for("rita")
    before = queue_json(client)["counts"]["by_status"]
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    decide_json(client, item_id, "dismiss", reason="assessment_present")
    after = queue_json(client)
    assert after["counts"]["by_status"]["open"] == before["open"] - 1
    assert after["counts"]["by_status"]["dismissed"] == before["dismissed"] + 1
    assert after["counts"]["by_marker"]["missing_assessment"] == 2
    dismissed = queue_json(client, "?status=dismissed")
    assert [row["id"] for row in dismissed["items"]] == [item_id]
    assert [row["id"] for row in queue_json(client, "?gennemgaaer=rita&status=all")["items"]] == [item_id]


def test_counts_follow_a_load_made_by_another_process(client_for, loaded_store):
    client = client_for("rita")
    assert queue_json(client)["total"] == len(EXPECTED_ORDER)
    newer = make_flags(model="default@0.4.0")
    newer[0].markers["missing_assessment"].flag = False
    newer[0].markers["missing_assessment"].evidence = []
    load_flag_objects(loaded_store, NOTES, newer)  # as `journaltjek queue load` would, through its own connection
    data = queue_json(client)
    assert data["total"] == len(EXPECTED_ORDER) - 1 and data["counts"]["by_status"]["withdrawn"] == 1


def test_long_queues_are_paged_fifty_at_a_time_in_the_same_order(store, password_hash):
    notes, flags = [], []
    for n in range(60):
        note = dataclasses.replace(NOTES_BY_ID["N-4"], note_id=f"P-{n:03d}", case_id=f"S-P{n}",
                                   written_at=NOTES_BY_ID["N-4"].written_at + timedelta(hours=n))
        notes.append(note)
        flags.append(dataclasses.replace(make_flags()[3], note_id=note.note_id, case_id=note.case_id))
    load_flag_objects(store, notes, flags)
    add_fixture_users(store, password_hash)
    client = login(TestClient(create_app(store=store, cookie_secure=False)), "rita")
    first, second = queue_json(client), queue_json(client, "?side=2")
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (120, 3, 50, 50)
    ids = [r["id"] for r in first["items"]] + [r["id"] for r in second["items"]] + [r["id"] for r in queue_json(client, "?side=3")["items"]]
    assert len(set(ids)) == 120
    deadlines = [r["deadline"] for r in first["items"] + second["items"]]
    assert deadlines == sorted(deadlines)
    assert queue_json(client, "?side=99")["page"] == 3  # past the end: the last page


def test_nonsense_filters_get_a_danish_400(client_for):
    client = client_for("rita")
    assert client.get("/koe.json?markoer=alt").json() == {"error": "Ukendt markør: alt"}
    assert client.get("/koe.json?fra=1.3.2025").json() == {"error": "Datoen i 'fra' skal skrives ÅÅÅÅ-MM-DD"}
    assert client.get("/koe.json?side=0").status_code == 400
    assert client.get("/koe.json?gennemgaaer=ingen").json() == {"error": "Ukendt gennemgåer: ingen"}
    assert client.get("/koe?status=nej").status_code == 400


def test_the_queue_shows_reasons_but_never_quotes_the_notes(client_for):
    client = client_for("rita")
    body = client.get("/koe.json").text + client.get("/koe").text
    assert "Bekymring om vold, som ikke er behandlet som underretning" in body
    for note in NOTES:
        assert note.text[10:60] not in body


def test_the_html_queue_lists_the_rows_and_links_to_the_items(client_for, loaded_store):
    html = client_for("rita").get("/koe").text
    first = item_id_for(loaded_store, "N-1", "unhandled_concern")
    assert f'<tr data-item="{first}">' in html and f'href="/markeringer/{first}"' in html
    assert html.count("<tr data-item=") == len(EXPECTED_ORDER)
    assert "overskredet for" in html


def test_time_left_reads_in_danish():
    deadline = datetime(2025, 3, 4, 9, 15)
    assert describe_time_left(deadline, now=datetime(2025, 3, 4, 4, 0)) == "om 5 t 15 min"
    assert describe_time_left(deadline, now=datetime(2025, 3, 4, 9, 0)) == "om 15 min"
    assert describe_time_left(deadline, now=datetime(2025, 3, 7, 9, 15)) == "overskredet for 3 dage siden"
