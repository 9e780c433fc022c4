"""Small helpers the review tests share: log in, find an item, decide through the JSON API."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from review.store import Item, Store, StoredNote, User
from review_fixtures import PASSWORD, USERS


def login(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    token = client.get("/login.json").json()["csrf_token"]
    response = client.post("/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    client.csrf = response.json()["csrf_token"]  # type: ignore[attr-defined]
    return client


def item_id_for(store: Store, note_id: str, marker: str) -> int:
    with store.session() as session:
        return session.execute(
            select(Item.id).join(StoredNote, StoredNote.id == Item.note_pk).where(StoredNote.note_id == note_id, Item.marker == marker)
        ).scalar_one()


def decide_json(client: TestClient, item_id: int, kind: str, version: int | None = None, **fields) -> Any:
    if version is None:
        version = client.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    return client.post(
        f"/markeringer/{item_id}/afgoerelse",
        json={"kind": kind, "version": version, **fields},
        headers={"X-CSRF-Token": client.csrf},
    )


class LiveServer:
    """The app under uvicorn in a thread, on 127.0.0.1 and a free port; stopped on exit."""

    def __init__(self, app: Any):
        import uvicorn

        from review_pg import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="review-live-server", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def http_login(client: Any, name: str, password: str = PASSWORD) -> str:
    """Log an httpx client in against a live server; returns the session's CSRF token."""
    token = client.get("/login.json").json()["csrf_token"]
    response = client.post("/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def note_pk_for(store: Store, note_id: str) -> int:
    with store.session() as session:
        return session.execute(select(StoredNote.id).where(StoredNote.note_id == note_id)).scalar_one()


def add_fixture_users(store: Store, password_hash: str) -> dict[str, int]:
    with store.write_session() as session, session.begin():
        users = [User(name=name, role=role, password_hash=password_hash, active=True) for name, role in USERS.items()]
        session.add_all(users)
        session.flush()
        return {u.name: u.id for u in users}
