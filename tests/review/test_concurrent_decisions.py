"""Two reviewers deciding one item at the same moment: both decisions are recorded, exactly one
sets the status, and the other reviewer (and everyone after) is shown the conflict.
Runs against a real server (uvicorn on 127.0.0.1) on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import select

from review.store import Decision
from review_helpers import LiveServer, decide_json, http_login, item_id_for


def test_two_reviewers_deciding_at_once_are_both_recorded_and_the_conflict_is_shown(app, loaded_store):
    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    with LiveServer(app) as server:
        clients = {name: httpx.Client(base_url=server.url, timeout=30) for name in ("rita", "rune")}
        try:
            tokens = {name: http_login(client, name) for name, client in clients.items()}
            versions = {name: client.get(f"/markeringer/{item_id}.json").json()["item"]["version"] for name, client in clients.items()}
            kinds = {"rita": {"kind": "confirm"}, "rune": {"kind": "dismiss", "reason": "concern_handled"}}
            barrier = threading.Barrier(2)
            responses: dict[str, httpx.Response] = {}

            def decide(name: str) -> None:
                barrier.wait()
                responses[name] = clients[name].post(
                    f"/markeringer/{item_id}/afgoerelse",
                    json={**kinds[name], "version": versions[name]},
                    headers={"X-CSRF-Token": tokens[name]},
                )

            threads = [threading.Thread(target=decide, args=(name,)) for name in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            statuses = sorted(r.status_code for r in responses.values())
            assert statuses == [200, 409]
            winner = next(name for name, r in responses.items() if r.status_code == 200)
            loser = next(name for name, r in responses.items() if r.status_code == 409)
            lost = responses[loser].json()
            assert lost["recorded"] and lost["conflict"] and lost["disagreement"]
            assert [e["kind"] for e in lost["earlier"]] == [kinds[winner]["kind"]]

            item = clients[loser].get(f"/markeringer/{item_id}.json").json()
            assert item["item"]["status"] == ("confirmed" if winner == "rita" else "dismissed")
            assert item["item"]["conflict"] is True
            assert [(d["user"], d["conflict"]) for d in item["decisions"]] == [(winner, False), (loser, True)]
            assert [d["user"] for d in item["conflict"]["decisions"]] == [winner, loser]
            html = clients[winner].get(f"/markeringer/{item_id}").text
            assert 'id="konflikt"' in html and "Konflikt:" in html
            assert clients[winner].get("/koe.json?status=conflict").json()["total"] == 1
        finally:
            for client in clients.values():
                client.close()
    with loaded_store.session() as session:
        assert len(session.execute(select(Decision).where(Decision.item_id == item_id)).all()) == 2


def test_a_decision_from_a_stale_page_that_agrees_is_recorded_without_a_conflict_to_resolve(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-3", "authority_jargon")
    seen = rune.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    assert decide_json(rita, item_id, "confirm").status_code == 200
    late = decide_json(rune, item_id, "confirm", version=seen)
    assert late.status_code == 409 and late.json()["recorded"] and not late.json()["disagreement"]
    data = rita.get(f"/markeringer/{item_id}.json").json()
    assert data["item"]["conflict"] is False and data["item"]["status"] == "confirmed"
    assert [d["conflict"] for d in data["decisions"]] == [False, True]


def test_a_new_decision_made_after_seeing_the_conflict_resolves_it(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-4", "missing_assessment")
    seen = rune.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    decide_json(rita, item_id, "confirm")
    decide_json(rune, item_id, "dismiss", version=seen, reason="assessment_present")
    assert rita.get(f"/markeringer/{item_id}.json").json()["item"]["conflict"] is True
    resolved = decide_json(rita, item_id, "confirm", text="Aftalt med Rune: vurderingen mangler.")
    assert resolved.status_code == 200 and resolved.json()["item"]["conflict"] is False
    assert rita.get("/koe.json?status=conflict").json()["total"] == 0


def test_a_claim_taken_meanwhile_does_not_block_a_decision(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    item_id = item_id_for(loaded_store, "N-4", "missing_child_conversation")
    seen = rita.get(f"/markeringer/{item_id}.json").json()["item"]["version"]
    rune.post(f"/markeringer/{item_id}/tag", headers={"X-CSRF-Token": rune.csrf, "Accept": "application/json"})
    response = decide_json(rita, item_id, "confirm", version=seen)
    assert response.status_code == 200 and not response.json()["conflict"]


def test_two_reviewers_claiming_at_once_cannot_both_win(app, loaded_store):
    item_id = item_id_for(loaded_store, "N-3", "missing_assessment")
    with LiveServer(app) as server:
        clients = {name: httpx.Client(base_url=server.url, timeout=30) for name in ("rita", "rune")}
        try:
            tokens = {name: http_login(client, name) for name, client in clients.items()}
            barrier = threading.Barrier(2)
            codes: dict[str, int] = {}

            def claim(name: str) -> None:
                barrier.wait()
                codes[name] = clients[name].post(
                    f"/markeringer/{item_id}/tag", headers={"X-CSRF-Token": tokens[name], "Accept": "application/json"}
                ).status_code

            threads = [threading.Thread(target=claim, args=(n,)) for n in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert sorted(codes.values()) == [200, 409]
        finally:
            for client in clients.values():
                client.close()
