"""Admins manage users on /brugere: create, change role, block, reset a password — all audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from review.store import AuditEntry
from review_helpers import login


def post(client, path: str, payload: dict):
    return client.post(path, json=payload, headers={"X-CSRF-Token": client.csrf})


def test_an_admin_creates_a_user_who_can_then_log_in(client_for, app):
    adam = client_for("adam")
    created = post(adam, "/brugere", {"name": "birgit", "role": "researcher", "password": "birgits-lange-kode"})
    assert created.status_code == 201 and created.json()["user"]["role_label"] == "Forsker"
    newcomer = login(TestClient(app), "birgit", "birgits-lange-kode")
    assert newcomer.get("/eksport/labels.jsonl").status_code == 200


def test_user_errors_are_told_in_danish(client_for):
    adam = client_for("adam")
    assert post(adam, "/brugere", {"name": "rita", "role": "reviewer", "password": "en-lang-adgangskode"}).json() == {
        "error": "Brugernavnet findes allerede"}
    assert post(adam, "/brugere", {"name": "ny", "role": "reviewer", "password": "kort"}).json() == {
        "error": "Adgangskoden skal være mindst 10 tegn"}
    assert post(adam, "/brugere", {"name": "ny", "role": "chef", "password": "en-lang-adgangskode"}).json() == {
        "error": "Ukendt rolle"}


def test_changing_a_role_ends_that_users_sessions(client_for):
    adam, rita = client_for("adam"), client_for("rita")
    changed = post(adam, "/brugere/1", {"role": "researcher"})
    assert changed.json()["changed"] == ["role"]
    assert rita.get("/koe.json").status_code == 401
    again = client_for("rita")
    assert again.get("/mig.json").json()["user"]["role"] == "researcher"


def test_a_blocked_user_cannot_log_in_and_a_new_password_works(client_for, app):
    adam = client_for("adam")
    post(adam, "/brugere/2", {"active": "nej"})
    visitor = TestClient(app)
    token = visitor.get("/login.json").json()["csrf_token"]
    refused = visitor.post("/login", json={"name": "rune", "password": "korrekt-hest-batteri"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 401
    post(adam, "/brugere/2", {"active": "ja", "password": "runes-nye-adgangskode"})
    assert login(TestClient(app), "rune", "runes-nye-adgangskode").get("/koe.json").status_code == 200


def test_an_admin_cannot_lock_themselves_out(client_for):
    adam = client_for("adam")
    assert post(adam, "/brugere/4", {"active": "nej"}).status_code == 400
    assert post(adam, "/brugere/4", {"role": "reviewer"}).json() == {"error": "Du kan ikke fjerne din egen administratoradgang"}


def test_user_changes_are_audited_without_passwords(client_for, loaded_store):
    adam = client_for("adam")
    post(adam, "/brugere", {"name": "birgit", "role": "reviewer", "password": "birgits-lange-kode"})
    post(adam, "/brugere/1", {"password": "ritas-nye-adgangskode"})
    with loaded_store.session() as session:
        entries = session.execute(select(AuditEntry).where(AuditEntry.action.in_(("user_add", "user_change")))).scalars().all()
    assert [(e.action, e.user_name) for e in entries] == [("user_add", "adam"), ("user_change", "adam")]
    assert entries[1].detail == {"changed": ["password"], "user_id": 1}
    assert all("kode" not in e.detail_json for e in entries)


def test_the_users_page_lists_everyone_with_their_role(client_for):
    html = client_for("adam").get("/brugere").text
    for name in ("rita", "rune", "frida", "adam"):
        assert f"<td>{name}</td>" in html
    assert "Opret bruger" in html and 'name="csrf_token"' in html
