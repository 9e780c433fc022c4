"""Every route and every role, on SQLite and PostgreSQL: anonymous gets nothing, each role gets
exactly its permissions, every write needs the session's CSRF token, every page has a JSON twin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from review_helpers import item_id_for

ALL = {"reviewer", "researcher", "admin"}
CASE_READERS = {"reviewer", "researcher"}
ROLE_OF = {"rita": "reviewer", "frida": "researcher", "adam": "admin"}


@dataclass
class Route:
    method: str
    path: str
    roles: set[str]
    page: bool = False  # an HTML page with a .json twin
    payload: dict[str, Any] = field(default_factory=dict)


def routes(item_id: int) -> list[Route]:
    return [
        Route("GET", "/koe", CASE_READERS, page=True),
        Route("GET", f"/markeringer/{item_id}", CASE_READERS, page=True),
        Route("GET", "/notater/1", CASE_READERS, page=True),
        Route("GET", "/markeringer/naeste", CASE_READERS),
        Route("GET", "/ledelse", ALL, page=True),
        Route("GET", "/ledelse.csv", ALL),
        Route("GET", "/ledelse.xlsx", ALL),
        Route("GET", "/eksport", CASE_READERS, page=True),
        Route("GET", "/eksport/markeringer.csv", CASE_READERS),
        Route("GET", "/eksport/markeringer.xlsx", CASE_READERS),
        Route("GET", "/eksport/markeringer.jsonl", CASE_READERS),
        Route("GET", "/eksport/labels.jsonl", {"researcher"}),
        Route("GET", "/revisionslog", {"reviewer", "admin"}, page=True),
        Route("GET", "/revisionslog?sag=S-100", {"reviewer", "admin"}),
        Route("GET", "/revisionslog.csv?sag=S-100", {"reviewer", "admin"}),
        Route("GET", "/brugere", {"admin"}, page=True),
        Route("GET", "/mig", ALL, page=True),
        Route("POST", f"/markeringer/{item_id}/afgoerelse", {"reviewer"}, payload={"kind": "comment", "version": 1, "text": "Set."}),
        Route("POST", f"/markeringer/{item_id}/tag", {"reviewer"}),
        Route("POST", f"/markeringer/{item_id}/slip", {"reviewer"}),
        Route("POST", "/brugere", {"admin"}, payload={"name": "ny-bruger", "role": "reviewer", "password": "en-lang-adgangskode"}),
        Route("POST", "/brugere/2", {"admin"}, payload={"role": "reviewer"}),
        Route("POST", "/logout", ALL),
    ]


def call(client, route: Route, csrf: str | None, json_twin: bool = False, headers: dict | None = None):
    headers = dict(headers or {})
    if route.method == "GET":
        path = route.path
        if json_twin:
            base, _, query = path.partition("?")
            path = f"{base}.json" + (f"?{query}" if query else "")
        return client.get(path, headers=headers)
    if csrf:
        headers["X-CSRF-Token"] = csrf
    return client.post(route.path, json=route.payload, headers=headers)


def test_anonymous_visitors_get_nothing_but_the_login_page(client_for, loaded_store):
    anonymous = client_for(None)
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    problems = []
    for route in routes(item_id):
        for json_twin in ([False, True] if route.page else [False]):
            response = call(anonymous, route, csrf=None, json_twin=json_twin)
            expected = 303 if route.method == "GET" and not json_twin else 401
            if response.status_code != expected:
                problems.append(f"{route.method} {route.path} json={json_twin}: {response.status_code}")
            if expected == 303 and not response.headers["location"].startswith("/login?next="):
                problems.append(f"{route.path}: redirects to {response.headers['location']}")
            if "S-100" in response.text or "N-1" in response.text or "blå mærker" in response.text:
                problems.append(f"{route.method} {route.path}: data in an anonymous response")
    assert problems == []
    assert anonymous.get("/login").status_code == 200


@pytest.mark.parametrize("name", sorted(ROLE_OF))
def test_each_role_reaches_exactly_the_routes_it_is_allowed(client_for, loaded_store, name):
    role = ROLE_OF[name]
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    client = client_for(name)
    problems = []
    for route in routes(item_id):  # /logout comes last: it ends the session
        response = call(client, route, csrf=client.csrf, headers={"Accept": "application/json"})
        allowed = role in route.roles
        if allowed and (response.status_code in (401, 403) or response.status_code >= 500):
            problems.append(f"{role} refused {route.method} {route.path}: {response.status_code} {response.text[:100]}")
        if not allowed and response.status_code != 403:
            problems.append(f"{role} allowed {route.method} {route.path}: {response.status_code}")
    assert problems == []


def test_a_reviewer_cannot_manage_users(client_for):
    rita = client_for("rita")
    assert rita.get("/brugere.json").status_code == 403
    created = rita.post("/brugere", json={"name": "snyd", "role": "admin", "password": "en-lang-adgangskode"},
                        headers={"X-CSRF-Token": rita.csrf})
    assert created.status_code == 403
    assert rita.post("/brugere/1", json={"role": "admin"}, headers={"X-CSRF-Token": rita.csrf}).status_code == 403
    adam = client_for("adam")
    assert "snyd" not in [u["name"] for u in adam.get("/brugere.json").json()["users"]]


@pytest.mark.parametrize("name", sorted(ROLE_OF))
def test_writes_without_the_sessions_csrf_token_are_refused(client_for, loaded_store, name):
    role = ROLE_OF[name]
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    other = client_for("rune")
    client = client_for(name)
    problems = []
    for route in routes(item_id):
        if route.method != "POST" or role not in route.roles:
            continue
        for label, token in (("no token", None), ("wrong token", "x" * 43), ("another session's token", other.csrf)):
            response = call(client, route, csrf=token)
            if response.status_code != 403:
                problems.append(f"{route.path} with {label}: {response.status_code}")
        form = client.post(route.path, data={k: str(v) for k, v in route.payload.items()})
        if form.status_code != 403:
            problems.append(f"{route.path} as a form without csrf_token: {form.status_code}")
        foreign = call(client, route, csrf=client.csrf, headers={"Origin": "https://evil.example"})
        if foreign.status_code != 403:
            problems.append(f"{route.path} from a foreign origin: {foreign.status_code}")
    assert problems == []
    assert client.get("/mig.json").status_code == 200  # still logged in: nothing above changed the session


def test_every_page_has_a_json_twin_by_suffix_and_by_accept_header(client_for, loaded_store):
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    clients = {role: client_for(name) for name, role in ROLE_OF.items()}
    problems = []
    for route in routes(item_id):
        if not route.page:
            continue
        client = clients[sorted(route.roles)[0]]
        html = client.get(route.path)
        by_suffix = call(client, route, csrf=None, json_twin=True)
        by_accept = client.get(route.path, headers={"Accept": "application/json"})
        if not html.headers["content-type"].startswith("text/html"):
            problems.append(f"{route.path}: HTML page is {html.headers['content-type']}")
        for label, response in (("suffix", by_suffix), ("accept", by_accept)):
            if response.status_code != 200 or not response.headers["content-type"].startswith("application/json"):
                problems.append(f"{route.path} by {label}: {response.status_code} {response.headers['content-type']}")
        if by_suffix.status_code == 200 and by_accept.status_code == 200 and route.path not in ("/mig",):
            if by_suffix.json().keys() != by_accept.json().keys():
                problems.append(f"{route.path}: the two JSON twins differ")
    assert problems == []


def test_every_response_carries_the_security_headers(client_for):
    client = client_for("rita")
    for path in ("/koe", "/koe.json", "/login", "/static/review.css"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"
    assert client.get("/koe").headers["cache-control"] == "no-store"


def test_the_api_documentation_pages_are_switched_off(client_for):
    anonymous = client_for(None)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert anonymous.get(path).status_code == 404
