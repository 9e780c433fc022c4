"""The label schema of GUIDELINES.md and the gold file format (JSONL), with validation.

One gold record per line:

    {"note_id", "case_id", "written_at", "text",                      # required Note fields
     "title", "note_type", "team", "author_id", "child_age",         # optional Note fields
     "labels": {"missing_assessment": 0|1, "missing_child_conversation": 0|1,
                "authority_jargon": 0|1, "unhandled_concern": 0|1,
                "concern_present": 0|1, "concern_types": [...]},
     "evidence": {label: [quoted span, ...]},                         # optional
     "annotator": "...", "style": "...", "split": "..."}             # optional
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.jsonl import iter_jsonl
from pipeline.schema import CONCERN_TYPES, MARKERS, UNHANDLED_CONCERN, Note

CONCERN_PRESENT = "concern_present"
BINARY_LABELS: tuple[str, ...] = MARKERS + (CONCERN_PRESENT,)
LABEL_KEYS: tuple[str, ...] = BINARY_LABELS + ("concern_types",)
WRITING_STYLES: tuple[str, ...] = ("terse", "template", "narrative", "admin", "mixed")


class GoldFormatError(ValueError):
    """A gold record that breaks the schema; the message names the line and the problem."""


@dataclass(slots=True)
class GoldRecord:
    note: Note
    labels: dict[str, Any]
    evidence: dict[str, list[str]] = field(default_factory=dict)
    annotator: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # style, split, rationale, ...

    def to_dict(self) -> dict[str, Any]:
        out = self.note.to_dict()
        out["labels"] = dict(self.labels)
        if self.evidence:
            out["evidence"] = self.evidence
        if self.annotator:
            out["annotator"] = self.annotator
        out.update(self.extra)
        return out


def validate_labels(labels: Any, where: str = "") -> dict[str, Any]:
    """Check a label dict against GUIDELINES.md; return it normalised (ints, sorted types)."""
    prefix = f"{where}: " if where else ""
    if not isinstance(labels, dict):
        raise GoldFormatError(f"{prefix}'labels' must be an object")
    missing = [k for k in LABEL_KEYS if k not in labels]
    if missing:
        raise GoldFormatError(f"{prefix}labels lack {missing}")
    unknown = sorted(set(labels) - set(LABEL_KEYS))
    if unknown:
        raise GoldFormatError(f"{prefix}unknown labels {unknown}")
    out: dict[str, Any] = {}
    for key in BINARY_LABELS:
        value = labels[key]
        if isinstance(value, bool):
            value = int(value)
        if value not in (0, 1):
            raise GoldFormatError(f"{prefix}label {key} must be 0 or 1, got {value!r}")
        out[key] = int(value)
    types = labels["concern_types"]
    if not isinstance(types, list) or any(t not in CONCERN_TYPES for t in types):
        raise GoldFormatError(f"{prefix}concern_types must be a list drawn from {list(CONCERN_TYPES)}, got {types!r}")
    out["concern_types"] = sorted(set(types), key=CONCERN_TYPES.index)
    if out[CONCERN_PRESENT] and not out["concern_types"]:
        raise GoldFormatError(f"{prefix}concern_present is 1 but concern_types is empty")
    if not out[CONCERN_PRESENT] and out["concern_types"]:
        raise GoldFormatError(f"{prefix}concern_types given but concern_present is 0")
    if out[UNHANDLED_CONCERN] and not out[CONCERN_PRESENT]:
        raise GoldFormatError(f"{prefix}unhandled_concern is 1 but concern_present is 0")
    return out


def parse_gold_record(data: Any, where: str = "") -> GoldRecord:
    prefix = f"{where}: " if where else ""
    if not isinstance(data, dict):
        raise GoldFormatError(f"{prefix}a gold record must be a JSON object")
    for key in ("note_id", "case_id", "written_at", "text", "labels"):
        if key not in data or data[key] in (None, ""):
            raise GoldFormatError(f"{prefix}missing required field '{key}'")
    try:
        note = Note.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise GoldFormatError(f"{prefix}bad note field ({exc})") from None
    labels = validate_labels(data["labels"], where=f"{where} note {note.note_id}".strip())
    evidence = data.get("evidence") or {}
    if not isinstance(evidence, dict) or any(k not in LABEL_KEYS for k in evidence):
        raise GoldFormatError(f"{prefix}note {note.note_id}: 'evidence' must map label ids to lists of quoted spans")
    known = set(LABEL_KEYS) | {"labels", "evidence", "annotator"} | set(note.to_dict())
    extra = {k: v for k, v in data.items() if k not in known}
    return GoldRecord(note=note, labels=labels, evidence=evidence, annotator=data.get("annotator"), extra=extra)


def iter_gold(path: str | Path) -> Iterator[GoldRecord]:
    """Stream a gold JSONL file, validating each line; errors name the file and line."""
    for where, data in iter_jsonl(path, GoldFormatError):
        yield parse_gold_record(data, where=where)


def read_gold(path: str | Path) -> list[GoldRecord]:
    records = list(iter_gold(path))
    seen: set[str] = set()
    for record in records:
        if record.note.note_id in seen:
            raise GoldFormatError(f"{Path(path).name}: duplicate note_id {record.note.note_id}")
        seen.add(record.note.note_id)
    return records


def write_gold(records: Iterable[GoldRecord], path: str | Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count
