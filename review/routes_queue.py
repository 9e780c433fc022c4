"""The queue page (`/koe`) and 'next item' (`/markeringer/naeste`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from review.auth import Login
from review.queue import QueueFilters, fetch_queue, next_item_id
from review.vocabulary import MARKER_LABELS, STATUS_FILTER_LABELS
from review.web import page, redirect, require, respond, store_of, wants_json

router = APIRouter()
MESSAGES = {
    "confirm": "Markeringen er bekræftet.",
    "dismiss": "Markeringen er afvist.",
    "escalate": "Markeringen er eskaleret.",
    "tom": "Der er ikke flere åbne markeringer med de valgte filtre.",
}


@page(router, "/koe")
def queue_page(request: Request, login: Login = Depends(require("read_cases"))) -> Response:
    filters = QueueFilters.from_query(request.query_params)
    with store_of(request).session() as session:
        queue = fetch_queue(session, filters)
    data = queue.to_dict()
    data["labels"] = {"markers": MARKER_LABELS, "statuses": STATUS_FILTER_LABELS}
    data["links"] = {
        "page_query": {p: queue.filters.query_string(page=p) for p in _nearby_pages(queue.page, queue.pages)},
        "query": queue.filters.query_string(page=1),
        "all_markers": queue.filters.query_string(marker=None, page=1),
        "markers": {m: queue.filters.query_string(marker=m, page=1) for m in MARKER_LABELS},
    }
    data["message"] = MESSAGES.get(request.query_params.get("besked", ""))
    return respond(request, "queue.html", data, login=login)


def _nearby_pages(page: int, pages: int) -> list[int]:
    return sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})


@page(router, "/markeringer/naeste")
def next_item(request: Request, login: Login = Depends(require("read_cases"))) -> Response:
    """Open the first item in queue order that nobody else holds (after `efter`, if given)."""
    filters = QueueFilters.from_query(request.query_params)
    after = request.query_params.get("efter")
    after_id = int(after) if after and after.isdigit() else None
    with store_of(request).session() as session:
        item_id = next_item_id(session, filters, login.user.id, after_id)
    if wants_json(request):
        return JSONResponse({"next": item_id, "url": f"/markeringer/{item_id}" if item_id else None})
    query = filters.query_string(page=1)
    if item_id is None:
        return redirect(f"/koe?besked=tom{'&' + query if query else ''}")
    return redirect(f"/markeringer/{item_id}{'?' + query if query else ''}")
