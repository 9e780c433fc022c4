"""The review queue web app: `create_app(db_url)` builds it; `journaltjek serve` runs it.

Server-rendered Danish pages (Jinja2) with a JSON twin for every page, one small vendored
script for keyboard shortcuts, no front-end build. The server's own log lines carry method,
path (never the query string), status, time and user id; request bodies and note text never
reach a log, and errors are logged by type and place, not by message.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from review import auth, formatting
from review.decisions import DecisionError
from review.queue import FilterError
from review.store import Store, open_store
from review.vocabulary import ROLE_LABELS
from review.web import TEMPLATES_DIR, AppSettings, BadRequest, Forbidden, NotLoggedIn, redirect, respond, wants_json

STATIC_DIR = Path(__file__).resolve().parent / "static"
access_log = logging.getLogger("journaltjek.access")
error_log = logging.getLogger("journaltjek.errors")

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(
    db_url: str | None = None,
    *,
    store: Store | None = None,
    cookie_secure: bool = True,
    rate_limit: auth.RateLimit | None = None,
    session_idle: timedelta | None = None,
    secret: str | None = None,
) -> FastAPI:
    """Build the app on an upgraded store. `cookie_secure=False` only for plain-http tests and demos."""
    from review import routes_admin, routes_auth, routes_export, routes_items, routes_management, routes_queue

    store = store or open_store(db_url)
    settings = AppSettings(
        cookie_secure=cookie_secure,
        session_idle=session_idle or timedelta(hours=8),
        rate_limit=rate_limit or auth.RateLimit(),
        secret=secret or secrets.token_urlsafe(32),
    )
    app = FastAPI(title="journaltjek kvalitetsgennemgang", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.settings = settings
    app.state.templates = make_templates()
    app.state.login_csrf = auth.LoginCsrf(settings.secret)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (routes_auth, routes_queue, routes_items, routes_management, routes_export, routes_admin):
        app.include_router(module.router)
    _install_error_handlers(app)
    app.add_middleware(GuardMiddleware)
    return app


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    formatting.install_filters(templates.env)
    templates.env.globals["role_labels"] = ROLE_LABELS
    return templates


def _error(request: Request, status_code: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status_code)
    login = getattr(request.state, "login", None)
    return respond(request, "error.html", {"error": message, "status": status_code}, status_code=status_code, login=login)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if wants_json(request) or request.method != "GET":
            return JSONResponse({"error": "Log ind først"}, status_code=401)
        return redirect(f"/login?next={request.url.path}")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, exc.message)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return _error(request, exc.status_code, exc.message)

    @app.exception_handler(FilterError)
    async def bad_filter(request: Request, exc: FilterError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(DecisionError)
    async def bad_decision(request: Request, exc: DecisionError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(LookupError)
    async def not_found(request: Request, exc: LookupError) -> Response:
        return _error(request, 404, "Siden findes ikke")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return _error(request, 400, f"Ugyldige felter: {', '.join(f for f in fields if f) or 'forespørgslen'}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Siden findes ikke", 405: "Metoden er ikke tilladt her"}
        return _error(request, exc.status_code, messages.get(exc.status_code, "Forespørgslen kunne ikke behandles"))


class GuardMiddleware:
    """Security headers on every response, one access-log line per request, safe 500s.

    Pure ASGI so it sees every response (also static files and errors). An exception that gets
    this far is logged by type and code location only: its message could hold data.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        state = {"status": 500, "sent": False}
        path = scope.get("path", "")

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["sent"] = message["status"], True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not path.startswith("/static/"):
                    headers["cache-control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            frames = "".join(traceback.format_tb(exc.__traceback__))
            error_log.error("unhandled %s during %s %s\n%s", type(exc).__name__, scope.get("method"), path, frames)
            if not state["sent"]:
                response = PlainTextResponse("Der opstod en fejl på serveren. Prøv igen.", status_code=500)
                await response(scope, receive, send_with_headers)
        finally:
            login = (scope.get("state") or {}).get("login")
            user_id = login.user.id if login is not None else "-"
            access_log.info(
                "%s %s %s %.1fms user=%s",
                scope.get("method"), path, state["status"], (perf_counter() - started) * 1000, user_id,
            )
