"""Claiming: a reviewer marks an item as theirs; others see it and skip it; claims expire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from review.store import Item, utcnow
from review_fixtures import EXPECTED_ORDER
from review_helpers import item_id_for

JSON = {"Accept": "application/json"}


def claim(client, item_id: int):
    return client.post(f"/markeringer/{item_id}/tag", headers={"X-CSRF-Token": client.csrf, **JSON})


def test_a_claimed_item_shows_its_holder_and_others_cannot_take_it(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, *reversed(EXPECTED_ORDER[0]))
    assert claim(rita, item_id).json() == {"claimed": True, "holder": "rita", "message": None}
    refused = claim(rune, item_id)
    assert refused.status_code == 409 and refused.json()["holder"] == "rita"
    assert rune.get("/koe.json").json()["items"][0]["claimed_by"] == "rita"
    data = rune.get(f"/markeringer/{item_id}.json").json()
    assert data["claim"] == {"holder": "rita", "mine": False, "until": data["claim"]["until"]}
    assert "Taget af rita" in rune.get(f"/markeringer/{item_id}").text


def test_next_skips_items_that_others_hold(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    first, second = (item_id_for(loaded_store, note, marker) for marker, note in EXPECTED_ORDER[:2])
    claim(rita, first)
    assert rune.get("/markeringer/naeste.json").json()["next"] == second
    assert rita.get("/markeringer/naeste.json").json()["next"] == first


def test_releasing_a_claim_frees_the_item(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    claim(rita, item_id)
    assert rune.post(f"/markeringer/{item_id}/slip", headers={"X-CSRF-Token": rune.csrf, **JSON}).status_code == 409
    assert rita.post(f"/markeringer/{item_id}/slip", headers={"X-CSRF-Token": rita.csrf, **JSON}).json() == {"released": True}
    assert claim(rune, item_id).status_code == 200


def test_a_claim_expires_after_thirty_minutes(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    claim(rita, item_id)
    with loaded_store.write_session() as session, session.begin():
        session.execute(update(Item).where(Item.id == item_id).values(claimed_at=utcnow() - timedelta(minutes=31)))
    assert rune.get(f"/markeringer/{item_id}.json").json()["claim"]["holder"] is None
    assert claim(rune, item_id).json()["holder"] == "rune"


def test_deciding_releases_the_claim(client_for, loaded_store):
    rita = client_for("rita")
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    claim(rita, item_id)
    version = rita.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    rita.post(f"/markeringer/{item_id}/afgoerelse", json={"kind": "confirm", "version": version}, headers={"X-CSRF-Token": rita.csrf})
    assert rita.get(f"/markeringer/{item_id}.json").json()["claim"]["holder"] is None
