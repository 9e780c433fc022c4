"""Exports in the formats Danish offices open: CSV for Excel (`;`, decimal comma, UTF-8 with
BOM, CRLF), real Excel files, and JSONL for programs.

The queue export lists every item with its status and latest decision; it carries ids, codes,
times and the reviewer's own words, never the note text (that is what the labels export is for,
and only researchers may run it).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.formatting import dk_decimal
from review.priority import to_local
from review.store import Decision, Item, StoredNote, User
from review.vocabulary import (
    DISMISS_REASONS,
    ESCALATION_TARGETS,
    MARKER_LABELS,
    STATUS_LABELS,
)

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "xlsx")
CSV_DATETIME = "%d-%m-%Y %H:%M"
CSV_DATE = "%d-%m-%Y"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cell(value: Any, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME)
    if isinstance(value, date):
        return value.strftime(CSV_DATE)
    if isinstance(value, float):
        return dk_decimal(value * 100, 1) if percent else dk_decimal(value, 4).rstrip("0").rstrip(",")
    return str(value)


def danish_csv(header: list[str], rows: Iterable[list[Any]], percent_columns: set[int] = frozenset()) -> bytes:
    """CSV that Excel with Danish settings opens right on a double-click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f"{h} (%)" if i in percent_columns else h for i, h in enumerate(header)])
    for row in rows:
        writer.writerow([csv_cell(v, i in percent_columns) for i, v in enumerate(row)])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]], sheet_title: str, percent_columns: set[int] = frozenset()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([("ja" if v else "nej") if isinstance(v, bool) else v for v in row])
    for index in range(1, len(header) + 1):
        letter = get_column_letter(index)
        for cell in sheet[letter][1:]:
            if index - 1 in percent_columns:
                cell.number_format = "0.0%"
            elif isinstance(cell.value, datetime):
                cell.number_format = "dd-mm-yyyy hh:mm"
            elif isinstance(cell.value, float):
                cell.number_format = "0.000"
        sheet.column_dimensions[letter].width = min(45, max(10, len(str(header[index - 1])) + 2))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the queue export ------------------------------------------------------------------------------

QUEUE_HEADER = [
    "Markering", "Notat", "Sag", "Team", "Notattype", "Skrevet", "Frist", "Markør", "Score", "Status",
    "Aktiv", "Afgjort af", "Afgjort", "Begrundelse", "Eskaleret til", "Tekst fra gennemgåer",
    "Konflikt", "Ændret efter afgørelse", "Model",
]


def iter_queue_records(session: Session, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every item (in id order) with its latest decision, streamed in batches."""
    users = {row.id: row.name for row in session.execute(select(User.id, User.name))}
    last_id = 0
    while True:
        items = session.execute(select(Item).where(Item.id > last_id).order_by(Item.id).limit(batch)).scalars().all()
        if not items:
            return
        last_id = items[-1].id
        ids = [i.id for i in items]
        note_ids = dict(session.execute(select(StoredNote.id, StoredNote.note_id).where(StoredNote.id.in_({i.note_pk for i in items}))).all())
        decisions: dict[int, list[Decision]] = {}
        for d in session.execute(select(Decision).where(Decision.item_id.in_(ids)).order_by(Decision.id)).scalars():
            decisions.setdefault(d.item_id, []).append(d)
        for item in items:
            yield _queue_record(item, note_ids.get(item.note_pk, ""), decisions.get(item.id, []), users)


def _queue_record(item: Item, note_id: str, decisions: list[Decision], users: dict[int, str]) -> dict[str, Any]:
    final = [d for d in decisions if d.kind != "comment"]
    last = final[-1] if final else None
    return {
        "item_id": item.id,
        "note_id": note_id,
        "case_id": item.case_id,
        "team": item.team,
        "note_type": item.note_type,
        "written_at": item.written_at,
        "deadline": item.deadline,
        "marker": item.marker,
        "score": round(item.score, 4),
        "status": item.status,
        "active": item.active,
        "decided_by": users.get(item.decided_by_id) if item.decided_by_id else None,
        "decided_at": to_local(item.decided_at),
        "reason": last.reason_code if last else None,
        "escalated_to": last.escalated_to if last else None,
        "reviewer_text": last.reason_text if last else None,
        "conflict": item.conflict,
        "changed_after_decision": item.changed_after_decision,
        "model": item.model,
        "decisions": [
            {"kind": d.kind, "user": users.get(d.user_id), "at": to_local(d.created_at), "reason": d.reason_code,
             "escalated_to": d.escalated_to, "text": d.reason_text, "conflict": d.conflict}
            for d in decisions
        ],
    }


def queue_table_row(record: dict[str, Any]) -> list[Any]:
    return [
        record["item_id"], record["note_id"], record["case_id"], record["team"], record["note_type"],
        record["written_at"], record["deadline"], MARKER_LABELS[record["marker"]], record["score"],
        STATUS_LABELS[record["status"]], record["active"], record["decided_by"], record["decided_at"],
        DISMISS_REASONS.get(record["reason"]) if record["reason"] else None,
        ESCALATION_TARGETS.get(record["escalated_to"]) if record["escalated_to"] else None,
        record["reviewer_text"], record["conflict"], record["changed_after_decision"], record["model"],
    ]


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def queue_jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, default=_json_default) + "\n"


def export_queue(session: Session, fmt: str) -> tuple[bytes, int]:
    """(file content, number of items) in `fmt`."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; formats are {', '.join(EXPORT_FORMATS)}")
    records = list(iter_queue_records(session))
    if fmt == "jsonl":
        return "".join(queue_jsonl_lines(records)).encode("utf-8"), len(records)
    rows = [queue_table_row(r) for r in records]
    if fmt == "csv":
        return danish_csv(QUEUE_HEADER, rows), len(rows)
    return xlsx_bytes(QUEUE_HEADER, rows, "Markeringer"), len(rows)
