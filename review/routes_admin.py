"""Administration: users (`/brugere`, admins only) and the audit log (`/revisionslog`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from review import audit
from review.auth import Login
from review.exports import danish_csv
from review.priority import to_local
from review.store import ROLES, User
from review.users import UserError, add_user, change_user, list_users
from review.vocabulary import ROLE_LABELS
from review.web import BadRequest, Payload, client_address, page, redirect, require, respond, store_of, wants_json

router = APIRouter()


def _user_row(user: User) -> dict:
    created = to_local(user.created_at)
    return {
        "id": user.id, "name": user.name, "role": user.role, "role_label": ROLE_LABELS[user.role],
        "active": user.active, "created_at": created.isoformat(timespec="minutes") if created else None,
    }


@page(router, "/brugere")
def users_page(request: Request, login: Login = Depends(require("manage_users"))) -> Response:
    with store_of(request).session() as session:
        users = [_user_row(u) for u in list_users(session)]
    data = {"users": users, "roles": ROLE_LABELS, "message": request.query_params.get("besked")}
    return respond(request, "users.html", data, login=login)


@router.post("/brugere")
def create_user(request: Request, login: Login = Depends(require("manage_users")), payload: dict = Payload) -> Response:
    name = str(payload.get("name") or payload.get("navn") or "")
    role = str(payload.get("role") or payload.get("rolle") or "")
    password = str(payload.get("password") or payload.get("adgangskode") or "")
    with store_of(request).write_session() as session, session.begin():
        try:
            user = add_user(session, name, role, password)
        except UserError as exc:
            raise BadRequest(_danish_user_error(str(exc))) from None
        audit.record(session, user=login.user, action="user_add", client=client_address(request),
                     detail={"user_id": user.id, "role": role})
        row = _user_row(user)
    if wants_json(request):
        return JSONResponse({"user": row}, status_code=201)
    return redirect("/brugere?besked=oprettet")


@router.post("/brugere/{user_id:int}")
def update_user(request: Request, user_id: int, login: Login = Depends(require("manage_users")), payload: dict = Payload) -> Response:
    role = payload.get("role") or payload.get("rolle") or None
    active_raw = payload.get("active", payload.get("aktiv"))
    active = None if active_raw is None or active_raw == "" else str(active_raw).lower() in ("1", "true", "ja", "on")
    password = payload.get("password") or payload.get("adgangskode") or None
    if role is not None and role not in ROLES:
        raise BadRequest("Ukendt rolle")
    if user_id == login.user.id and (active is False or (role and role != "admin")):
        raise BadRequest("Du kan ikke fjerne din egen administratoradgang")
    with store_of(request).write_session() as session, session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        try:
            changed = change_user(session, user, role=role, active=active, password=password)
        except UserError as exc:
            raise BadRequest(_danish_user_error(str(exc))) from None
        if changed:
            audit.record(session, user=login.user, action="user_change", client=client_address(request),
                         detail={"user_id": user.id, "changed": changed})
        row = _user_row(user)
    if wants_json(request):
        return JSONResponse({"user": row, "changed": changed})
    return redirect("/brugere?besked=aendret")


def _danish_user_error(message: str) -> str:
    if "exists already" in message:
        return "Brugernavnet findes allerede"
    if "user name" in message:
        return "Brugernavnet skal være 2-80 tegn uden mellemrum"
    if "role" in message:
        return "Ukendt rolle"
    return message  # password policy messages are Danish already


@page(router, "/revisionslog")
def audit_page(request: Request, login: Login = Depends(require("view_audit"))) -> Response:
    """The audit log of one case (`?sag=`), or the latest entries across cases."""
    case_id = (request.query_params.get("sag") or "").strip()[:200] or None
    with store_of(request).write_session() as session, session.begin():
        entries = audit.entries_for_case(session, case_id) if case_id else audit.recent_entries(session)
        rows = [audit.entry_to_dict(e) for e in entries]
        audit.record(session, user=login.user, action="view_audit", case_id=case_id, client=client_address(request))
    return respond(request, "audit.html", {"case_id": case_id, "entries": rows}, login=login)


@router.get("/revisionslog.csv")
def audit_csv(request: Request, login: Login = Depends(require("view_audit"))) -> Response:
    case_id = (request.query_params.get("sag") or "").strip()[:200] or None
    if not case_id:
        raise BadRequest("Vælg en sag (?sag=...) for at eksportere dens revisionslog")
    with store_of(request).write_session() as session, session.begin():
        entries = audit.entries_for_case(session, case_id)
        content = danish_csv(audit.AUDIT_CSV_HEADER, audit.audit_rows(entries))
        audit.record(session, user=login.user, action="export", case_id=case_id, client=client_address(request),
                     detail={"what": "audit", "format": "csv", "rows": len(entries)})
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in case_id)[:60]
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="revisionslog-{safe}.csv"'})
