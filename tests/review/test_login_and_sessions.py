"""Logging in: argon2 hashes, session cookies, CSRF on the login form, rate limit, logout, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review import auth
from review.app import create_app
from review.store import AuditEntry, LoginAttempt, User, WebSession, utcnow
from review.web import safe_next
from review_fixtures import PASSWORD
from review_helpers import login


def login_attempt(client: TestClient, name: str, password: str):
    token = client.get("/login.json").json()["csrf_token"]
    return client.post("/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token})


def audit_actions(store) -> list[tuple[str, str]]:
    with store.session() as session:
        return [(e.action, e.user_name) for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_passwords_are_stored_as_argon2id_hashes_and_verified():
    hashed = auth.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert auth.verify_password(hashed, PASSWORD)
    assert not auth.verify_password(hashed, PASSWORD + "x")
    assert not auth.verify_password(None, PASSWORD)


def test_short_passwords_are_refused():
    with pytest.raises(auth.PasswordPolicyError, match="mindst 10 tegn"):
        auth.hash_password("kort")


def test_a_login_sets_an_httponly_strict_secure_session_cookie(loaded_store):
    client = TestClient(create_app(store=loaded_store), base_url="https://testserver", follow_redirects=False)
    response = login_attempt(client, "rita", PASSWORD)
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "journaltjek_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert client.get("/koe.json").status_code == 200


def test_the_store_keeps_only_a_digest_of_the_session_token(client_for, loaded_store):
    client = client_for("rita")
    token = client.cookies.get(auth.SESSION_COOKIE)
    with loaded_store.session() as session:
        digests = session.execute(select(WebSession.token_sha256)).scalars().all()
    assert token not in digests and auth.token_digest(token) in digests


def test_a_login_form_post_without_its_token_is_refused(client_for):
    client = client_for(None)
    client.get("/login")
    response = client.post("/login", data={"name": "rita", "password": PASSWORD})
    assert response.status_code == 403
    assert auth.SESSION_COOKIE not in client.cookies


def test_a_browser_login_redirects_to_the_page_asked_for(client_for):
    client = client_for(None)
    assert client.get("/ledelse").headers["location"] == "/login?next=/ledelse"
    page = client.get("/login?next=/ledelse")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": token, "next": "/ledelse"})
    assert response.status_code == 303 and response.headers["location"] == "/ledelse"


def test_a_wrong_password_fails_and_is_audited_without_the_typed_name_of_unknown_users(client_for, loaded_store):
    client = client_for(None)
    assert login_attempt(client, "rita", "forkert-kodeord").status_code == 401
    assert login_attempt(client, "korrekt-hest-batteri", "noget").status_code == 401  # a password typed as name
    assert audit_actions(loaded_store) == [("login_failed", "rita"), ("login_failed", "ukendt")]


def test_after_five_failures_a_name_is_blocked_even_with_the_right_password(client_for, loaded_store):
    client = client_for(None)
    for _ in range(5):
        assert login_attempt(client, "rita", "forkert-kodeord").status_code == 401
    blocked = login_attempt(client, "rita", PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "For mange" in blocked.json()["error"]
    assert login_attempt(client, "rune", PASSWORD).status_code == 200  # other names are not blocked
    assert ("login_blocked", "rita") in audit_actions(loaded_store)


def test_the_block_lifts_when_the_failures_are_older_than_the_window(client_for, loaded_store):
    with loaded_store.write_session() as session, session.begin():
        for minutes in range(5):
            auth.note_attempt(session, "rita", "testclient", success=False, at=utcnow() - timedelta(minutes=16 + minutes))
    assert login_attempt(client_for(None), "rita", PASSWORD).status_code == 200


def test_one_address_failing_with_many_names_is_blocked(client_for, loaded_store):
    with loaded_store.write_session() as session, session.begin():
        for n in range(20):
            auth.note_attempt(session, f"navn{n}", "testclient", success=False)
    assert login_attempt(client_for(None), "rita", PASSWORD).status_code == 429
    with loaded_store.session() as session:
        assert session.execute(select(LoginAttempt).where(LoginAttempt.success.is_(True))).first() is None


def test_logging_out_ends_the_session(client_for):
    client = client_for("rita")
    old_cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert client.post("/logout", headers={"X-CSRF-Token": client.csrf, "Accept": "application/json"}).status_code == 200
    client.cookies.set(auth.SESSION_COOKIE, old_cookie)
    assert client.get("/koe.json").status_code == 401


def test_a_blocked_user_is_logged_out_everywhere(client_for, loaded_store):
    client = client_for("rita")
    with loaded_store.write_session() as session, session.begin():
        from review.users import change_user

        change_user(session, session.execute(select(User).where(User.name == "rita")).scalar_one(), active=False)
    assert client.get("/koe.json").status_code == 401
    assert login_attempt(client_for(None), "rita", PASSWORD).status_code == 401


def test_an_idle_session_expires(client_for, loaded_store):
    client = client_for("rita")
    with loaded_store.write_session() as session, session.begin():
        for web in session.execute(select(WebSession)).scalars():
            web.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/koe.json").status_code == 401


def test_logins_and_logouts_are_audited(client_for, loaded_store):
    client = client_for("rita")
    client.post("/logout", headers={"X-CSRF-Token": client.csrf})
    assert audit_actions(loaded_store) == [("login", "rita"), ("logout", "rita")]


def test_redirects_after_login_stay_on_this_site():
    assert safe_next("/markeringer/3?status=all") == "/markeringer/3?status=all"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", None, ""):
        assert safe_next(target) == "/koe"


def test_a_logged_in_user_visiting_the_login_page_goes_to_the_queue(client_for):
    client = client_for("rita")
    assert client.get("/login").headers["location"] == "/koe"
    assert client.get("/login.json").json()["user"]["name"] == "rita"
