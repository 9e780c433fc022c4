"""What every route shares: HTML-or-JSON responses, the logged-in user, permissions and CSRF.

Every GET page is registered twice, as `/path` and `/path.json` (`page()`); `respond()` returns
JSON when the path ends in `.json` or the client asks for `application/json`, else the template
rendered with the very same data. Writes go through `write_payload`, which refuses a request
without the session's CSRF token (form field or `X-CSRF-Token` header) or from a foreign origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from review import auth
from review.auth import Login
from review.store import Store

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class AppSettings:
    cookie_secure: bool = True
    session_idle: timedelta = timedelta(hours=8)
    rate_limit: auth.RateLimit = auth.RateLimit()
    secret: str = ""


class NotLoggedIn(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str = "Din rolle giver ikke adgang til denne side"):
        super().__init__(message)
        self.message = message


class BadRequest(Exception):
    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def page(router: APIRouter, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a GET page and its `.json` twin."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(path, fn, methods=["GET"], **kwargs)
        router.add_api_route(f"{path}.json", fn, methods=["GET"], **kwargs)
        return fn

    return decorator


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(".json"):
        return True
    if request.headers.get("content-type", "").startswith("application/json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def store_of(request: Request) -> Store:
    return request.app.state.store


def settings_of(request: Request) -> AppSettings:
    return request.app.state.settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "ukendt"


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def templates_of(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def respond(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    status_code: int = 200,
    login: Login | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(to_jsonable(data), status_code=status_code)
    context = {
        "data": data,
        "user": login.user if login else None,
        "csrf_token": login.web_session.csrf_token if login else None,
        "can": (lambda permission: auth.has_permission(login.user, permission)) if login else (lambda permission: False),
        "path": request.url.path,
    }
    return templates_of(request).TemplateResponse(request, template, context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/koe") -> str:
    """Only local paths: never `//host` or `https://host` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# --- dependencies ------------------------------------------------------------------------------


def current_login(request: Request) -> Login:
    cached = getattr(request.state, "login", None)
    if cached is not None:
        return cached
    token = request.cookies.get(auth.SESSION_COOKIE)
    store = store_of(request)
    with store.session() as session:
        login = auth.find_login(session, token)
    if login is None:
        raise NotLoggedIn()
    if auth.needs_touch(login.web_session):
        with store.write_session() as session, session.begin():
            auth.touch_session(session, login.web_session.id, settings_of(request).session_idle)
    request.state.login = login
    return login


def require(permission: str) -> Callable[[Request], Login]:
    def dependency(request: Request) -> Login:
        login = current_login(request)
        if not auth.has_permission(login.user, permission):
            raise Forbidden()
        return login

    dependency.__name__ = f"require_{permission}"
    return dependency


async def read_payload(request: Request) -> dict[str, Any]:
    """A form or a JSON object, as a flat dict of strings (bad JSON is a 400)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("Forespørgslen er ikke gyldig JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("Forespørgslen skal være et JSON-objekt")
        return data
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def check_origin(request: Request) -> None:
    """A browser sends Origin on every cross-site POST; when it names a site, it must be this one.

    `Origin: null` (privacy modes, sandboxed frames) cannot be checked and is left to the CSRF
    token, which is the real protection; this check is the second lock on the door.
    """
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden("Forespørgslen kom fra et andet websted og er afvist")


async def write_payload(request: Request) -> dict[str, Any]:
    """The payload of a write by a logged-in user, after the CSRF and origin checks."""
    login = await run_in_threadpool(current_login, request)
    check_origin(request)
    payload = await read_payload(request)
    given = request.headers.get(auth.CSRF_HEADER) or payload.pop(auth.CSRF_FIELD, None)
    payload.pop(auth.CSRF_FIELD, None)
    if not auth.csrf_matches(login.web_session.csrf_token, given):
        raise Forbidden("Sikkerhedstoken (CSRF) mangler eller er forkert; genindlæs siden og prøv igen")
    return payload


Payload = Depends(write_payload)
