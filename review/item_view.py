"""What the item and note pages show, built as plain data (the HTML page and its JSON twin share it).

- The note text cut into segments at every evidence boundary, each segment listing the evidence
  that covers it, so overlapping spans highlight correctly and the template only escapes text.
- Evidence that lies in another note of the case (`note_id` set, e.g. the handling note) is
  shown with that note, not highlighted in this one.
- The case timeline: the case's notes in order, with their flags and the time from this note.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.claims import active_holder_id
from review.decisions import decisions_for_item
from review.priority import describe_time_left, local_now, to_local
from review.queue import item_summary
from review.claims import CLAIM_TTL
from review.store import Item, StoredNote, User, utcnow
from review.vocabulary import (
    CONCERN_TYPE_LABELS,
    DECISION_LABELS,
    DECISION_PAST_LABELS,
    DISMISS_REASONS,
    ESCALATION_TARGETS,
    MARKER_LABELS,
    MARKER_SHORT_LABELS,
    STATUS_LABELS,
)

TIMELINE_LIMIT = 200
HANDLING_WINDOW = timedelta(hours=24)


def highlight_segments(text: str, spans: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """Cut `text` at every span boundary; spans are (start, end, evidence_number)."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, start), min(len(text), end)))
    points = sorted(cuts)
    segments = []
    for a, b in zip(points, points[1:]):
        if a == b:
            continue
        covering = [number for start, end, number in spans if start <= a and end >= b]
        segments.append({"text": text[a:b], "evidence": covering})
    return segments


def _users(session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(User.id, User.name))}


def _note_header(note: StoredNote) -> dict[str, Any]:
    return {
        "pk": note.id,
        "url": f"/notater/{note.id}",
        "note_id": note.note_id,
        "case_id": note.case_id,
        "written_at": note.written_at.isoformat(timespec="minutes"),
        "title": note.title,
        "note_type": note.note_type,
        "team": note.team,
        "author_id": note.author_id,
        "child_age": note.child_age,
        "scanned_model": note.scanned_model,
    }


def _evidence_entries(item: Item, note: StoredNote, notes_by_id: dict[str, StoredNote], first_number: int) -> list[dict[str, Any]]:
    entries = []
    for offset, ev in enumerate(item.evidence):
        elsewhere = bool(ev.get("note_id")) and ev["note_id"] != note.note_id
        other = notes_by_id.get(ev["note_id"]) if elsewhere else None
        entries.append({
            "number": first_number + offset,
            "item_id": item.id,
            "marker": item.marker,
            "marker_short": MARKER_SHORT_LABELS[item.marker],
            "start": ev["start"],
            "end": ev["end"],
            "text": ev["text"],
            "reason": ev["reason"],
            "plain": ev.get("plain"),
            "in_this_note": not elsewhere,
            "note_id": ev.get("note_id") or note.note_id,
            "note_pk": other.id if other else (note.id if not elsewhere else None),
            "note_written_at": other.written_at.isoformat(timespec="minutes") if other else None,
            "note_title": other.title if other else None,
        })
    return entries


def _decision_dict(decision: Any, users: dict[int, str]) -> dict[str, Any]:
    at = to_local(decision.created_at)
    return {
        "id": decision.id,
        "user": users.get(decision.user_id, "?"),
        "kind": decision.kind,
        "kind_label": DECISION_LABELS[decision.kind],
        "past_label": DECISION_PAST_LABELS[decision.kind],
        "reason_code": decision.reason_code,
        "reason_label": DISMISS_REASONS.get(decision.reason_code) if decision.reason_code else None,
        "text": decision.reason_text,
        "escalated_to": decision.escalated_to,
        "escalated_to_label": ESCALATION_TARGETS.get(decision.escalated_to) if decision.escalated_to else None,
        "seen_version": decision.seen_version,
        "conflict": decision.conflict,
        "model": decision.model,
        "at": at.isoformat(timespec="seconds") if at else None,
    }


def case_timeline(session: Session, note: StoredNote, evidence_note_ids: set[str]) -> list[dict[str, Any]]:
    notes = session.execute(
        select(StoredNote).where(StoredNote.case_id == note.case_id).order_by(StoredNote.written_at, StoredNote.id).limit(TIMELINE_LIMIT)
    ).scalars().all()
    items = session.execute(
        select(Item.id, Item.note_pk, Item.marker, Item.status, Item.active).where(Item.case_id == note.case_id)
    ).all()
    flags_by_note: dict[int, list[dict[str, Any]]] = {}
    for row in items:
        flags_by_note.setdefault(row.note_pk, []).append({
            "item_id": row.id, "url": f"/markeringer/{row.id}", "marker": row.marker,
            "marker_short": MARKER_SHORT_LABELS[row.marker], "status": row.status,
            "status_label": STATUS_LABELS[row.status], "active": row.active,
        })
    timeline = []
    for other in notes:
        delta = other.written_at - note.written_at
        timeline.append({
            **_note_header(other),
            "is_current": other.id == note.id,
            "relative": _relative(delta),
            "within_24h_after": timedelta(0) < delta <= HANDLING_WINDOW,
            "holds_evidence": other.note_id in evidence_note_ids,
            "scanned": other.scanned_model is not None,
            "flags": sorted(flags_by_note.get(other.id, []), key=lambda f: f["marker"]),
        })
    return timeline


def _relative(delta: timedelta) -> str:
    if delta == timedelta(0):
        return "dette notat"
    sign = "+" if delta > timedelta(0) else "−"
    hours = abs(delta.total_seconds()) / 3600
    if hours < 48:
        return f"{sign}{hours:.0f} t"
    return f"{sign}{hours / 24:.0f} dage"


def build_item_page(session: Session, item_id: int, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or local_now()
    item = session.get(Item, item_id)
    if item is None:
        raise LookupError(item_id)
    note = session.get(StoredNote, item.note_pk)
    users = _users(session)
    other_ids = {ev["note_id"] for ev in item.evidence if ev.get("note_id") and ev["note_id"] != note.note_id}
    notes_by_id = {
        n.note_id: n for n in session.execute(select(StoredNote).where(StoredNote.note_id.in_(other_ids))).scalars()
    } if other_ids else {}
    evidence = _evidence_entries(item, note, notes_by_id, first_number=1)
    spans = [(e["start"], e["end"], e["number"]) for e in evidence if e["in_this_note"]]
    siblings = session.execute(select(Item).where(Item.note_pk == note.id, Item.id != item.id).order_by(Item.priority_class, Item.marker)).scalars().all()
    decisions = [_decision_dict(d, users) for d in decisions_for_item(session, item.id)]
    holder_id = active_holder_id(item)
    summary = item_summary(item, note.note_id, users, now, utcnow() - CLAIM_TTL)
    summary["concern_type_codes"] = item.concern_types
    summary["model"] = item.model
    summary["changed_at"] = (to_local(item.changed_at) or item.changed_at).isoformat(timespec="minutes") if item.changed_at else None
    return {
        "item": summary,
        "note": {**_note_header(note), "text": note.text, "segments": highlight_segments(note.text, spans)},
        "evidence": evidence,
        "jargon": [e for e in evidence if e["plain"]],
        "elsewhere": [e for e in evidence if not e["in_this_note"]],
        "other_markers": [
            {"item_id": s.id, "url": f"/markeringer/{s.id}", "marker": s.marker, "marker_label": MARKER_LABELS[s.marker],
             "status": s.status, "status_label": STATUS_LABELS[s.status], "active": s.active}
            for s in siblings
        ],
        "decisions": decisions,
        "conflict": _conflict_summary(item, decisions),
        "claim": {
            "holder": users.get(holder_id) if holder_id else None,
            "mine": holder_id == user.id,
            "until": (to_local(item.claimed_at + CLAIM_TTL).isoformat(timespec="minutes") if holder_id else None),
        },
        "deadline": {"at": item.deadline.isoformat(timespec="minutes"), "text": describe_time_left(item.deadline, now), "overdue": item.deadline < now},
        "timeline": case_timeline(session, note, other_ids),
        "options": {"dismiss_reasons": DISMISS_REASONS, "escalation_targets": ESCALATION_TARGETS},
    }


def _conflict_summary(item: Item, decisions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Shown while two reviewers' decisions disagree (until someone decides having seen both)."""
    if not item.conflict:
        return None
    decided = [d for d in decisions if d["kind"] != "comment"]
    # The decisions that collided: from the last decision made on a fresh page onwards.
    start = max((i for i, d in enumerate(decided) if not d["conflict"]), default=0)
    return {"decisions": decided[start:], "text": "To gennemgåere har afgjort markeringen forskelligt på samme tid."}


def build_note_page(session: Session, note_pk: int, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or local_now()
    note = session.get(StoredNote, note_pk)
    if note is None:
        raise LookupError(note_pk)
    items = session.execute(select(Item).where(Item.note_pk == note.id).order_by(Item.priority_class, Item.marker)).scalars().all()
    other_ids = {ev["note_id"] for it in items for ev in it.evidence if ev.get("note_id") and ev["note_id"] != note.note_id}
    notes_by_id = {
        n.note_id: n for n in session.execute(select(StoredNote).where(StoredNote.note_id.in_(other_ids))).scalars()
    } if other_ids else {}
    evidence: list[dict[str, Any]] = []
    for it in items:
        if it.active:
            evidence.extend(_evidence_entries(it, note, notes_by_id, first_number=len(evidence) + 1))
    spans = [(e["start"], e["end"], e["number"]) for e in evidence if e["in_this_note"]]
    users = _users(session)
    cutoff = utcnow() - CLAIM_TTL
    return {
        "note": {**_note_header(note), "text": note.text, "segments": highlight_segments(note.text, spans),
                 "concern_types": [CONCERN_TYPE_LABELS.get(t, t) for t in note.concern_types]},
        "items": [item_summary(it, note.note_id, users, now, cutoff) for it in items],
        "evidence": evidence,
        "jargon": [e for e in evidence if e["plain"]],
        "elsewhere": [e for e in evidence if not e["in_this_note"]],
        "timeline": case_timeline(session, note, other_ids),
    }
