"""Reviewer decisions as training labels: gold-format JSONL, partial where reviewers were partial.

A reviewer decides one marker of a note at a time, so most notes have some markers decided and
others not. A label nobody decided is never invented. One record per note with at least one
decided marker, in the gold format of `annotations/schema.py` with these rules:

- `labels` holds only decided markers: confirmed or escalated → 1, dismissed → 0.
  When `unhandled_concern` is 1, `concern_present` is 1 too (the guidelines make it a
  precondition); that derived key is listed in `derived_labels`. `concern_types` is never set,
  because a reviewer confirms the concern, not the model's list of types; the model's list is
  kept as `flag_concern_types`.
- `reviewed_labels`: the markers a reviewer decided (the keys of `labels` minus `derived_labels`).
  A consumer that needs all four markers checks this list.
- `evidence`: for confirmed markers, the quoted spans in this note, as in gold files.
- `reviewers`, `decided_at`, `flag_model`: per marker, who decided, when, about which model's flag.
- `recheck_labels`: markers whose flag changed in a rescan after the decision (kept, but flagged).
- `annotator` is "review-queue"; `source` is "review".

Markers whose reviewers disagree (an unresolved conflict) are left out. `read_review_labels`
loads and validates such a file; it is the contract for annotations/ and models/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotations.schema import BINARY_LABELS, CONCERN_PRESENT, GoldFormatError
from pipeline.jsonl import iter_jsonl
from pipeline.schema import MARKERS, UNHANDLED_CONCERN, Note
from review.priority import to_local
from review.store import Item, StoredNote, User

ANNOTATOR = "review-queue"
LABEL_FOR_STATUS = {"confirmed": 1, "escalated": 1, "dismissed": 0}


@dataclass(slots=True)
class ReviewedLabels:
    """One note with the markers reviewers decided."""

    note: Note
    labels: dict[str, int]
    reviewed_labels: list[str]
    derived_labels: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """All four markers decided (concern_present / concern_types may still be unknown)."""
        return set(self.reviewed_labels) == set(MARKERS)

    def to_dict(self) -> dict[str, Any]:
        out = self.note.to_dict()
        out["labels"] = dict(self.labels)
        out["reviewed_labels"] = list(self.reviewed_labels)
        out["derived_labels"] = list(self.derived_labels)
        if self.evidence:
            out["evidence"] = self.evidence
        out["annotator"] = ANNOTATOR
        out["source"] = "review"
        out.update(self.extra)
        return out


def iter_review_labels_from_store(session: Session, batch: int = 500) -> Iterator[ReviewedLabels]:
    """Notes with decided markers, in note order, streamed."""
    users = {row.id: row.name for row in session.execute(select(User.id, User.name))}
    decided = (Item.status.in_(tuple(LABEL_FOR_STATUS)), Item.conflict.is_(False))
    last_pk = 0
    while True:
        note_pks = session.execute(
            select(Item.note_pk).where(*decided, Item.note_pk > last_pk).group_by(Item.note_pk).order_by(Item.note_pk).limit(batch)
        ).scalars().all()
        if not note_pks:
            return
        last_pk = note_pks[-1]
        notes = {n.id: n for n in session.execute(select(StoredNote).where(StoredNote.id.in_(note_pks))).scalars()}
        items: dict[int, list[Item]] = {}
        for item in session.execute(select(Item).where(*decided, Item.note_pk.in_(note_pks)).order_by(Item.marker)).scalars():
            items.setdefault(item.note_pk, []).append(item)
        for pk in note_pks:
            yield _record(notes[pk], items[pk], users)


def _record(stored: StoredNote, items: list[Item], users: dict[int, str]) -> ReviewedLabels:
    note = Note(
        note_id=stored.note_id, case_id=stored.case_id, written_at=stored.written_at, text=stored.text,
        title=stored.title, note_type=stored.note_type, team=stored.team, author_id=stored.author_id,
        child_age=stored.child_age,
    )
    labels: dict[str, int] = {}
    evidence: dict[str, list[str]] = {}
    reviewers, decided_at, flag_model, recheck = {}, {}, {}, []
    concern_types: list[str] = []
    for item in sorted(items, key=lambda i: MARKERS.index(i.marker)):
        label = LABEL_FOR_STATUS[item.status]
        labels[item.marker] = label
        reviewers[item.marker] = users.get(item.decided_by_id)
        local = to_local(item.decided_at)
        decided_at[item.marker] = local.isoformat(timespec="minutes") if local else None
        flag_model[item.marker] = item.model
        if item.changed_after_decision:
            recheck.append(item.marker)
        if label == 1:
            spans = [e["text"] for e in item.evidence if not e.get("note_id") or e["note_id"] == stored.note_id]
            if spans:
                evidence[item.marker] = spans
        if item.marker == UNHANDLED_CONCERN:
            concern_types = item.concern_types
    reviewed = [m for m in MARKERS if m in labels]
    derived = []
    if labels.get(UNHANDLED_CONCERN) == 1:
        labels[CONCERN_PRESENT] = 1
        derived.append(CONCERN_PRESENT)
    extra: dict[str, Any] = {"reviewers": reviewers, "decided_at": decided_at, "flag_model": flag_model}
    if concern_types:
        extra["flag_concern_types"] = concern_types
    if recheck:
        extra["recheck_labels"] = recheck
    return ReviewedLabels(note=note, labels=labels, reviewed_labels=reviewed, derived_labels=derived, evidence=evidence, extra=extra)


def write_review_labels(records: Iterable[ReviewedLabels], out: Any) -> int:
    """Write JSONL to an open text stream; returns the number of records."""
    count = 0
    for record in records:
        out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


# --- reading them back -------------------------------------------------------------------------------

KNOWN_KEYS = {"labels", "reviewed_labels", "derived_labels", "evidence", "annotator", "source"}


def parse_review_labels(data: Any, where: str = "") -> ReviewedLabels:
    prefix = f"{where}: " if where else ""
    if not isinstance(data, dict):
        raise GoldFormatError(f"{prefix}a record must be a JSON object")
    try:
        note = Note.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise GoldFormatError(f"{prefix}bad note field ({exc})") from None
    where_note = f"{prefix}note {note.note_id}: "
    labels, reviewed = data.get("labels"), data.get("reviewed_labels")
    derived = data.get("derived_labels") or []
    if not isinstance(labels, dict) or not isinstance(reviewed, list) or not isinstance(derived, list):
        raise GoldFormatError(f"{where_note}'labels' must be an object and 'reviewed_labels' a list")
    unknown = sorted(set(labels) - set(BINARY_LABELS))
    if unknown:
        raise GoldFormatError(f"{where_note}labels {unknown} are not binary labels of the guidelines")
    if any(m not in MARKERS for m in reviewed):
        raise GoldFormatError(f"{where_note}reviewed_labels may hold only the four markers")
    if set(reviewed) | set(derived) != set(labels) or set(reviewed) & set(derived):
        raise GoldFormatError(f"{where_note}labels must be exactly reviewed_labels plus derived_labels")
    clean: dict[str, int] = {}
    for key, value in labels.items():
        if isinstance(value, bool):
            value = int(value)
        if value not in (0, 1):
            raise GoldFormatError(f"{where_note}label {key} must be 0 or 1, got {value!r}")
        clean[key] = int(value)
    if clean.get(UNHANDLED_CONCERN) == 1 and clean.get(CONCERN_PRESENT) != 1:
        raise GoldFormatError(f"{where_note}unhandled_concern is 1 but concern_present is not 1")
    evidence = data.get("evidence") or {}
    if not isinstance(evidence, dict) or any(k not in clean for k in evidence):
        raise GoldFormatError(f"{where_note}'evidence' may only quote decided labels")
    note_keys = set(note.to_dict())
    extra = {k: v for k, v in data.items() if k not in KNOWN_KEYS and k not in note_keys}
    return ReviewedLabels(note=note, labels=clean, reviewed_labels=list(reviewed), derived_labels=list(derived), evidence=evidence, extra=extra)


def iter_review_labels(path: str | Path) -> Iterator[ReviewedLabels]:
    for where, data in iter_jsonl(path, GoldFormatError):
        yield parse_review_labels(data, where)


def read_review_labels(path: str | Path) -> list[ReviewedLabels]:
    """Load a `queue export --labels` file, validated; errors name the line and note id."""
    return list(iter_review_labels(path))
