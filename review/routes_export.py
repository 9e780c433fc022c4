"""`/eksport`: the queue (CSV, Excel, JSONL) for reviewers and researchers; labels for researchers."""

from __future__ import annotations

import io
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from review import audit
from review.auth import Login, has_permission
from review.exports import XLSX_CONTENT_TYPE, export_queue
from review.labels_export import iter_review_labels_from_store, write_review_labels
from review.web import client_address, page, require, respond, store_of

router = APIRouter()
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE, "jsonl": "application/x-ndjson; charset=utf-8"}


@page(router, "/eksport")
def export_page(request: Request, login: Login = Depends(require("export_queue"))) -> Response:
    data = {
        "queue": [{"format": f, "url": f"/eksport/markeringer.{f}"} for f in ("csv", "xlsx", "jsonl")],
        "labels": {"url": "/eksport/labels.jsonl"} if has_permission(login.user, "export_labels") else None,
    }
    return respond(request, "export.html", data, login=login)


def _queue_export(request: Request, login: Login, fmt: str) -> Response:
    with store_of(request).write_session() as session, session.begin():
        content, count = export_queue(session, fmt)
        audit.record(session, user=login.user, action="export", client=client_address(request),
                     detail={"what": "queue", "format": fmt, "rows": count})
    return _download(content, fmt, "markeringer")


@router.get("/eksport/markeringer.csv")
def export_queue_csv(request: Request, login: Login = Depends(require("export_queue"))) -> Response:
    return _queue_export(request, login, "csv")


@router.get("/eksport/markeringer.xlsx")
def export_queue_xlsx(request: Request, login: Login = Depends(require("export_queue"))) -> Response:
    return _queue_export(request, login, "xlsx")


@router.get("/eksport/markeringer.jsonl")
def export_queue_jsonl(request: Request, login: Login = Depends(require("export_queue"))) -> Response:
    return _queue_export(request, login, "jsonl")


@router.get("/eksport/labels.jsonl")
def export_labels(request: Request, login: Login = Depends(require("export_labels"))) -> Response:
    buffer = io.StringIO()
    with store_of(request).write_session() as session, session.begin():
        count = write_review_labels(iter_review_labels_from_store(session), buffer)
        audit.record(session, user=login.user, action="export", client=client_address(request),
                     detail={"what": "labels", "format": "jsonl", "rows": count})
    return _download(buffer.getvalue().encode("utf-8"), "jsonl", "labels")


def _download(content: bytes, fmt: str, stem: str) -> Response:
    name = f"journaltjek-{stem}-{date.today().isoformat()}.{fmt}"
    return Response(content, media_type=MEDIA_TYPES[fmt], headers={"content-disposition": f'attachment; filename="{name}"'})
