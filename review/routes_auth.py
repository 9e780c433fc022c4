"""Log in and out. Every attempt is counted for the rate limit and written to the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from review import audit, auth
from review.auth import Login
from review.store import User
from review.vocabulary import ROLE_LABELS
from review.web import (
    NotLoggedIn,
    BadRequest,
    Forbidden,
    check_origin,
    client_address,
    current_login,
    page,
    read_payload,
    redirect,
    respond,
    safe_next,
    settings_of,
    store_of,
    wants_json,
    write_payload,
)

router = APIRouter()


@router.get("/")
def root() -> Response:
    return redirect("/koe")


@page(router, "/login")
def login_form(request: Request) -> Response:
    try:
        login = current_login(request)
    except NotLoggedIn:
        login = None
    if login is not None:
        if wants_json(request):
            return JSONResponse({"logged_in": True, "user": user_dict(login.user)})
        return redirect("/koe")
    cookie_value, form_value = request.app.state.login_csrf.new()
    data = {"logged_in": False, "csrf_token": form_value, "next": safe_next(request.query_params.get("next"))}
    response = respond(request, "login.html", data)
    _set_cookie(request, response, auth.LOGIN_CSRF_COOKIE, cookie_value, max_age=3600)
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    check_origin(request)
    payload = await read_payload(request)
    given = request.headers.get(auth.CSRF_HEADER) or payload.get(auth.CSRF_FIELD)
    if not request.app.state.login_csrf.valid(request.cookies.get(auth.LOGIN_CSRF_COOKIE), given):
        raise Forbidden("Login-siden er udløbet eller mangler sikkerhedstoken; genindlæs siden og prøv igen")
    name = str(payload.get("name") or payload.get("brugernavn") or "").strip()[:80]
    password = str(payload.get("password") or payload.get("adgangskode") or "")
    if not name or not password:
        raise BadRequest("Skriv brugernavn og adgangskode")
    outcome = await run_in_threadpool(_check_login, request, name, password)
    if isinstance(outcome, Response):
        return outcome
    token, csrf_token, user = outcome
    target = safe_next(payload.get("next"))
    if wants_json(request):
        response: Response = JSONResponse({"ok": True, "user": user_dict(user), "csrf_token": csrf_token})
    else:
        response = redirect(target)
    _set_cookie(request, response, auth.SESSION_COOKIE, token, max_age=None)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/")
    return response


def _check_login(request: Request, name: str, password: str) -> Response | tuple[str, str, User]:
    store, settings, client = store_of(request), settings_of(request), client_address(request)
    with store.write_session() as session, session.begin():
        user = session.execute(select(User).where(func.lower(User.name) == name.lower())).scalar_one_or_none()
        wait = auth.login_blocked_for(session, name, client, settings.rate_limit)
        if wait:
            audit.record(session, user=None, user_name=user.name if user else "ukendt", action="login_blocked", client=client)
            minutes = max(1, -(-wait // 60))
            message = f"For mange mislykkede forsøg. Prøv igen om {minutes} min."
            response = _login_error(request, 429, message)
            response.headers["retry-after"] = str(wait)
            return response
        ok = auth.verify_password(user.password_hash if user else None, password) and user is not None and user.active
        auth.note_attempt(session, name, client, success=ok)
        if not ok:
            # The name is logged only when it exists: a mistyped password in the name field stays out.
            audit.record(session, user=None, user_name=user.name if user else "ukendt", action="login_failed", client=client)
            outcome: Response | tuple[str, str, User] = _login_error(request, 401, "Forkert brugernavn eller adgangskode")
        else:
            if auth.needs_rehash(user.password_hash):
                user.password_hash = auth.hash_password(password)
            auth.purge_expired_sessions(session)
            token, web = auth.start_session(session, user, settings.session_idle)
            audit.record(session, user=user, action="login", client=client)
            outcome = (token, web.csrf_token, user)
    return outcome


def _login_error(request: Request, status_code: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status_code)
    cookie_value, form_value = request.app.state.login_csrf.new()
    data = {"logged_in": False, "csrf_token": form_value, "next": "/koe", "error": message}
    response = respond(request, "login.html", data, status_code=status_code)
    _set_cookie(request, response, auth.LOGIN_CSRF_COOKIE, cookie_value, max_age=3600)
    return response


@router.post("/logout")
def logout(request: Request, payload: dict = Depends(write_payload)) -> Response:
    login: Login = current_login(request)
    with store_of(request).write_session() as session, session.begin():
        auth.end_session(session, request.cookies.get(auth.SESSION_COOKIE))
        audit.record(session, user=login.user, action="logout", client=client_address(request))
    response: Response = JSONResponse({"ok": True}) if wants_json(request) else redirect("/login")
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@page(router, "/mig")
def me(request: Request) -> Response:
    """Who am I, and the CSRF token for JSON clients."""
    login = current_login(request)
    data = {"user": user_dict(login.user), "csrf_token": login.web_session.csrf_token}
    return respond(request, "me.html", data, login=login)


def user_dict(user: User) -> dict:
    return {"id": user.id, "name": user.name, "role": user.role, "role_label": ROLE_LABELS[user.role]}


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings_of(request).cookie_secure,
    )
