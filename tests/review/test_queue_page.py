"""The queue page: priority order, filters, counts, pagination, and its JSON twin."""

from __future__ import annotations

from review_fixtures import EXPECTED_ORDER


def queue_json(client, query: str = "") -> dict:
    response = client.get(f"/koe.json{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_queue_lists_open_items_in_priority_order(client_for):
    data = queue_json(client_for("rita"))
    assert [(row["marker"], row["note_id"]) for row in data["items"]] == EXPECTED_ORDER
    assert data["total"] == len(EXPECTED_ORDER)
