"""`/ledelse`: counts and rates per team and month, as a page, JSON, CSV (Danish Excel) and Excel."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from review import audit
from review.auth import Login
from review.exports import XLSX_CONTENT_TYPE, danish_csv, xlsx_bytes
from review.management import SHARE_COLUMNS_SUFFIX, ManagementFilters, management_report, management_table
from review.web import client_address, page, require, respond, store_of

router = APIRouter()


@page(router, "/ledelse")
def management_page(request: Request, login: Login = Depends(require("view_management"))) -> Response:
    filters = ManagementFilters.from_query(request.query_params)
    with store_of(request).session() as session:
        report = management_report(session, filters)
    report["query"] = request.url.query
    return respond(request, "management.html", report, login=login)


@router.get("/ledelse.csv")
def management_csv(request: Request, login: Login = Depends(require("view_management"))) -> Response:
    header, rows, percent = _table(request, login, "csv")
    return _download(danish_csv(header, rows, percent), "text/csv; charset=utf-8", "csv")


@router.get("/ledelse.xlsx")
def management_xlsx(request: Request, login: Login = Depends(require("view_management"))) -> Response:
    header, rows, percent = _table(request, login, "xlsx")
    return _download(xlsx_bytes(header, rows, "Ledelse", percent), XLSX_CONTENT_TYPE, "xlsx")


def _table(request: Request, login: Login, fmt: str) -> tuple[list[str], list[list], set[int]]:
    filters = ManagementFilters.from_query(request.query_params)
    with store_of(request).write_session() as session, session.begin():
        header, rows = management_table(management_report(session, filters))
        audit.record(
            session, user=login.user, action="export", client=client_address(request),
            detail={"what": "management", "format": fmt, "rows": len(rows), **{k: v for k, v in filters.to_dict().items() if v}},
        )
    percent = {i for i, h in enumerate(header) if h.endswith(SHARE_COLUMNS_SUFFIX)}
    return header, rows, percent


def _download(content: bytes, media_type: str, suffix: str) -> Response:
    name = f"journaltjek-ledelse-{date.today().isoformat()}.{suffix}"
    return Response(content, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})
