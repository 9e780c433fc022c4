"""The append-only audit log (revisionslog): who saw or did what, when, in which case.

Entries are only ever added (`record`); the database refuses UPDATE and DELETE on the table
(triggers from the migrations). `detail` holds codes, counts and ids only, never note text or a
reviewer's free text: `record` refuses long strings so that text cannot slip in by accident.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.priority import to_local
from review.store import AuditEntry, User
from review.vocabulary import AUDIT_ACTION_LABELS

MAX_DETAIL_STRING = 120


class AuditDetailError(ValueError):
    """An audit detail that could carry text; a programming error, caught in tests."""


def record(
    session: Session,
    *,
    user: User | None,
    action: str,
    user_name: str | None = None,
    case_id: str | None = None,
    note_id: str | None = None,
    item_id: int | None = None,
    client: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    if action not in AUDIT_ACTION_LABELS:
        raise AuditDetailError(f"unknown audit action {action!r}")
    detail = detail or {}
    _check_detail(detail)
    entry = AuditEntry(
        user_id=user.id if user else None,
        user_name=(user.name if user else user_name or "ukendt")[:80],
        action=action,
        case_id=case_id,
        note_id=note_id,
        item_id=item_id,
        client=(client or "")[:64] or None,
        detail_json=json.dumps(detail, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    return entry


def _check_detail(detail: dict[str, Any]) -> None:
    for key, value in detail.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, str) and len(v) > MAX_DETAIL_STRING:
                raise AuditDetailError(f"audit detail {key!r} is too long to be a code or id")
            if not isinstance(v, (str, int, float, bool, type(None))):
                raise AuditDetailError(f"audit detail {key!r} must hold scalars")


def entries_for_case(session: Session, case_id: str) -> list[AuditEntry]:
    return list(
        session.execute(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.at, AuditEntry.id)).scalars()
    )


def recent_entries(session: Session, limit: int = 200) -> list[AuditEntry]:
    return list(session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars())


def entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    local = to_local(entry.at)
    return {
        "id": entry.id,
        "at": local.isoformat(timespec="seconds") if local else None,
        "user": entry.user_name,
        "action": entry.action,
        "action_label": AUDIT_ACTION_LABELS.get(entry.action, entry.action),
        "case_id": entry.case_id,
        "note_id": entry.note_id,
        "item_id": entry.item_id,
        "client": entry.client,
        "detail": entry.detail,
    }


AUDIT_CSV_HEADER = ["Tidspunkt", "Bruger", "Handling", "Sag", "Notat", "Markering", "Klient", "Detaljer"]


def audit_rows(entries: list[AuditEntry]) -> list[list[Any]]:
    rows = []
    for entry in entries:
        d = entry_to_dict(entry)
        detail = ", ".join(f"{k}={v}" for k, v in sorted(d["detail"].items()))
        rows.append([to_local(entry.at), d["user"], d["action_label"], d["case_id"], d["note_id"], d["item_id"], d["client"], detail])
    return rows
