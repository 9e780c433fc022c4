"""Small helpers the review tests share: log in, find an item, decide through the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from review.store import Item, Store, StoredNote
from review_fixtures import PASSWORD


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
