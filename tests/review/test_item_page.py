"""The item and note pages: evidence highlighted by offset, jargon with plain words, evidence in
other notes, the case timeline, and an audit entry for every view."""

from __future__ import annotations

import re

from sqlalchemy import select

from review.item_view import highlight_segments
from review.store import AuditEntry
from review_fixtures import NOTES_BY_ID
from review_helpers import item_id_for, note_pk_for


def test_segments_split_the_text_at_every_evidence_boundary_and_keep_overlaps():
    text = "abcdefghij"
    segments = highlight_segments(text, [(2, 6, 1), (4, 8, 2)])
    assert [(s["text"], s["evidence"]) for s in segments] == [
        ("ab", []), ("cd", [1]), ("ef", [1, 2]), ("gh", [2]), ("ij", []),
    ]
    assert "".join(s["text"] for s in segments) == text


def test_the_item_page_highlights_exactly_the_evidence_spans(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    data = client_for("rita").get(f"/markeringer/{item_id}.json").json()
    text = NOTES_BY_ID["N-1"].text
    assert data["note"]["text"] == text
    highlighted = [s["text"] for s in data["note"]["segments"] if s["evidence"]]
    assert highlighted == ["[BARN] har haft blå mærker på armene to gange i denne måned og siger, at far bliver vred."]
    assert data["evidence"][0]["reason"] == "Bekymring om vold, som ikke er behandlet som underretning"
    assert data["item"]["concern_types"] == ["vold"]
    assert data["deadline"]["at"] == "2025-03-04T09:15" and data["deadline"]["overdue"] is True


def test_the_html_item_page_marks_the_evidence_and_escapes_the_note(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-1", "missing_assessment")
    html = client_for("rita").get(f"/markeringer/{item_id}").text
    marks = re.findall(r'<mark class="ev"[^>]*>(.*?)</mark>', html)
    assert marks == ["Udtalelsen lægges på sagen."]
    assert "[BARN] har haft blå mærker" in html  # the rest of the note, unhighlighted
    assert "Manglende faglig vurdering" in html and "Bekræft" in html and "Afvis" in html and "Eskalér" in html


def test_jargon_terms_are_listed_with_their_plain_alternatives(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    client = client_for("rita")
    data = client.get(f"/markeringer/{item_id}.json").json()
    assert [(e["text"], e["plain"]) for e in data["jargon"]] == [
        ("visitation", "vurdering af, hvilken hjælp der passer"),
        ("iht. § 32, stk. 1, nr. 3", "efter reglerne om hjælp til børn"),
        ("foranstaltning", "hjælp, støtte"),
        ("iværksættes", "sættes i gang"),
    ]
    html = client.get(f"/markeringer/{item_id}").text
    assert "<td>foranstaltning</td><td>hjælp, støtte</td>" in html


def test_evidence_in_another_note_of_the_case_is_shown_with_that_note(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-7", "unhandled_concern")
    data = client_for("rita").get(f"/markeringer/{item_id}.json").json()
    elsewhere = data["elsewhere"]
    assert [(e["note_id"], e["text"]) for e in elsewhere] == [("N-6", "Oplysningerne behandles som underretning.")]
    assert elsewhere[0]["note_written_at"] == "2025-04-01T11:00"
    highlighted = [s["text"] for s in data["note"]["segments"] if s["evidence"]]
    assert highlighted == ["hun har tænkt på at gøre skade på sig selv"]


def test_the_case_timeline_shows_the_cases_notes_in_order_with_their_flags(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-7", "unhandled_concern")
    timeline = client_for("rita").get(f"/markeringer/{item_id}.json").json()["timeline"]
    assert [t["note_id"] for t in timeline] == ["N-5", "N-6", "N-7"]
    assert [t["is_current"] for t in timeline] == [False, False, True]
    assert [t["relative"] for t in timeline] == ["−24 t", "−22 t", "dette notat"]
    assert [t["holds_evidence"] for t in timeline] == [False, True, False]
    assert [[f["marker"] for f in t["flags"]] for t in timeline] == [[], [], ["unhandled_concern"]]


def test_handling_within_24_hours_is_marked_in_the_timeline(client_for, loaded_store):
    data = client_for("rita").get(f"/notater/{note_pk_for(loaded_store, 'N-5')}.json").json()
    assert [(t["note_id"], t["within_24h_after"]) for t in data["timeline"]] == [("N-5", False), ("N-6", True), ("N-7", False)]
    assert data["note"]["concern_types"] == ["barnet er bange for at komme hjem", "forældres misbrug"]


def test_the_note_page_highlights_every_markers_evidence_where_they_overlap(client_for, loaded_store):
    data = client_for("rita").get(f"/notater/{note_pk_for(loaded_store, 'N-3')}.json").json()
    assert {i["marker"] for i in data["items"]} == {"authority_jargon", "missing_child_conversation", "missing_assessment"}
    overlapping = [s["text"] for s in data["note"]["segments"] if len(s["evidence"]) > 1]
    assert overlapping == ["visitation", "foranstaltning", "iværksættes"]


def test_viewing_an_item_or_a_note_is_written_to_the_audit_log(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    client = client_for("frida")
    client.get(f"/markeringer/{item_id}")
    client.get("/notater/1.json")
    with loaded_store.session() as session:
        entries = session.execute(select(AuditEntry).where(AuditEntry.action.in_(("view_item", "view_note"))).order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.user_name, e.case_id, e.note_id, e.item_id) for e in entries] == [
        ("view_item", "frida", "S-200", "N-4", item_id),
        ("view_note", "frida", "S-100", "N-1", None),
    ]


def test_a_missing_item_is_a_danish_404(client_for):
    client = client_for("rita")
    assert client.get("/markeringer/9999.json").json() == {"error": "Siden findes ikke"}
    assert client.get("/markeringer/9999").status_code == 404


def test_researchers_see_the_item_but_get_no_decision_forms(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    html = client_for("frida").get(f"/markeringer/{item_id}").text
    assert "Udtalelsen" not in html  # another note's text is not on this page
    assert 'id="form-confirm"' not in html and "Kontaktpersonen oplyser" in html


def test_markup_in_a_note_is_shown_as_text_never_run(store, password_hash):
    import dataclasses

    from fastapi.testclient import TestClient

    from review.app import create_app
    from review.loading import load_flag_objects
    from review_fixtures import make_flags
    from review_helpers import add_fixture_users, login

    hostile = "<script>alert('x')</script> "
    note = NOTES_BY_ID["N-4"]
    shifted = dataclasses.replace(note, text=hostile + note.text)
    flags = make_flags()[3]
    for result in flags.markers.values():
        for e in result.evidence:
            e.start, e.end = e.start + len(hostile), e.end + len(hostile)
    load_flag_objects(store, [shifted], [flags])
    add_fixture_users(store, password_hash)
    client = login(TestClient(create_app(store=store, cookie_secure=False)), "rita")
    html = client.get(f"/markeringer/{item_id_for(store, 'N-4', 'missing_assessment')}").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
