"""Item and note pages, decisions and claims. Every view and every decision is audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from review import audit, claims
from review.auth import Login
from review.decisions import DecisionOutcome, DecisionRequest, decide
from review.item_view import build_item_page, build_note_page
from review.queue import QueueFilters, next_item_id
from review.store import Item, StoredNote
from review.vocabulary import DECISION_PAST_LABELS
from review.web import Payload, client_address, page, redirect, require, respond, store_of, wants_json

router = APIRouter()
ITEM_MESSAGES = {
    "confirm": "Den forrige markering er bekræftet.",
    "dismiss": "Den forrige markering er afvist.",
    "escalate": "Den forrige markering er eskaleret.",
    "comment": "Kommentaren er gemt.",
    "taget": "Du har taget markeringen.",
    "sluppet": "Du har sluppet markeringen.",
    "optaget": "Markeringen er allerede taget af en anden gennemgåer, eller den er afgjort.",
}


@page(router, "/markeringer/{item_id:int}")
def item_page(request: Request, item_id: int, login: Login = Depends(require("read_cases"))) -> Response:
    store = store_of(request)
    with store.write_session() as session, session.begin():
        data = build_item_page(session, item_id, login.user)
        audit.record(
            session, user=login.user, action="view_item", case_id=data["note"]["case_id"],
            note_id=data["note"]["note_id"], item_id=item_id, client=client_address(request),
            detail={"marker": data["item"]["marker"]},
        )
    filters = QueueFilters.from_query(request.query_params)
    data["queue_query"] = filters.query_string(page=1)
    data["message"] = ITEM_MESSAGES.get(request.query_params.get("besked", ""))
    data["can_decide"] = login.user.role == "reviewer"
    return respond(request, "item.html", data, login=login)


@router.post("/markeringer/{item_id:int}/afgoerelse")
def decide_item(request: Request, item_id: int, login: Login = Depends(require("decide")), payload: dict = Payload) -> Response:
    decision_request = DecisionRequest.from_payload(payload)
    filters = QueueFilters.from_query(request.query_params)
    store = store_of(request)
    with store.write_session() as session, session.begin():
        outcome = decide(session, item_id, login.user, decision_request)
        note_id = session.get(StoredNote, outcome.item.note_pk).note_id
        if outcome.decision is not None:
            audit.record(
                session, user=login.user, action="decision", case_id=outcome.item.case_id, note_id=note_id,
                item_id=item_id, client=client_address(request),
                detail={
                    "kind": decision_request.kind, "reason": decision_request.reason_code,
                    "escalated_to": decision_request.escalated_to, "conflict": outcome.conflict,
                    "status": outcome.item.status, "decision_id": outcome.decision.id,
                },
            )
        next_id = None
        if decision_request.kind != "comment" and not outcome.conflict:
            next_id = next_item_id(session, filters, login.user.id, after_item_id=item_id)
    if wants_json(request):
        return JSONResponse(_outcome_json(outcome, next_id), status_code=409 if outcome.conflict else 200)
    query = filters.query_string(page=1)
    if outcome.conflict or decision_request.kind == "comment":
        message = "comment" if decision_request.kind == "comment" else None
        return redirect(f"/markeringer/{item_id}" + (f"?besked={message}" if message else ""))
    if next_id is None:
        return redirect(f"/koe?besked={decision_request.kind}" + (f"&{query}" if query else ""))
    return redirect(f"/markeringer/{next_id}?besked={decision_request.kind}" + (f"&{query}" if query else ""))


def _outcome_json(outcome: DecisionOutcome, next_id: int | None) -> dict:
    item: Item = outcome.item
    data = {
        "recorded": outcome.decision is not None,
        "duplicate": outcome.duplicate,
        "conflict": outcome.conflict,
        "disagreement": outcome.disagreement,
        "decision_id": outcome.decision.id if outcome.decision else None,
        "item": {"id": item.id, "status": item.status, "version": item.version, "conflict": item.conflict},
        "next": next_id,
    }
    if outcome.conflict:
        data["earlier"] = [
            {"decision_id": d.id, "kind": d.kind, "past_label": DECISION_PAST_LABELS[d.kind]} for d in outcome.earlier
        ]
        data["message"] = "En anden gennemgåer afgjorde markeringen, mens du så på den. Begge afgørelser er gemt."
    return data


@router.post("/markeringer/{item_id:int}/tag")
def claim_item(request: Request, item_id: int, login: Login = Depends(require("decide")), payload: dict = Payload) -> Response:
    with store_of(request).write_session() as session, session.begin():
        item = session.get(Item, item_id)
        if item is None:
            raise LookupError(item_id)
        outcome = claims.claim(session, item_id, login.user)
        if outcome.ok:
            audit.record(session, user=login.user, action="claim", case_id=item.case_id, item_id=item_id, client=client_address(request))
    if wants_json(request):
        body = {"claimed": outcome.ok, "holder": outcome.holder, "message": outcome.reason}
        return JSONResponse(body, status_code=200 if outcome.ok else 409)
    return redirect(f"/markeringer/{item_id}?besked={'taget' if outcome.ok else 'optaget'}")


@router.post("/markeringer/{item_id:int}/slip")
def release_item(request: Request, item_id: int, login: Login = Depends(require("decide")), payload: dict = Payload) -> Response:
    with store_of(request).write_session() as session, session.begin():
        item = session.get(Item, item_id)
        if item is None:
            raise LookupError(item_id)
        released = claims.release(session, item_id, login.user)
        if released:
            audit.record(session, user=login.user, action="release", case_id=item.case_id, item_id=item_id, client=client_address(request))
    if wants_json(request):
        return JSONResponse({"released": released}, status_code=200 if released else 409)
    return redirect(f"/markeringer/{item_id}" + ("?besked=sluppet" if released else ""))


@page(router, "/notater/{note_pk:int}")
def note_page(request: Request, note_pk: int, login: Login = Depends(require("read_cases"))) -> Response:
    with store_of(request).write_session() as session, session.begin():
        data = build_note_page(session, note_pk, login.user)
        audit.record(
            session, user=login.user, action="view_note", case_id=data["note"]["case_id"],
            note_id=data["note"]["note_id"], client=client_address(request),
        )
    return respond(request, "note.html", data, login=login)
