"""Figures per slice of the gold set (note type, team, writing style, any gold column) and per
concern type, because a model that works on narrative notes may fail on terse ones and a
reviewer should see that before trusting the queue for a team."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

import numpy as np

from annotations.schema import GoldRecord
from evaluation.metrics import confusion, f1, precision, recall
from pipeline.schema import CONCERN_TYPES, NOTE_FIELDS, UNHANDLED_CONCERN, NoteFlags

DEFAULT_SLICE_COLUMNS: tuple[str, ...] = ("note_type", "team", "style")
UNKNOWN = "(ukendt)"


def slice_value(record: GoldRecord, column: str) -> Any:
    """The record's value in `column`: a note field or an extra gold field (style, split, ...)."""
    if column in NOTE_FIELDS:
        value = getattr(record.note, column)
    else:
        value = record.extra.get(column)
    return UNKNOWN if value in (None, "") else value


def column_present(records: Sequence[GoldRecord], column: str) -> bool:
    return any(slice_value(r, column) != UNKNOWN for r in records)


def resolve_columns(records: Sequence[GoldRecord], requested: Sequence[str]) -> list[str]:
    """The default columns the gold set has, plus every requested one (which must exist)."""
    absent = [c for c in requested if not column_present(records, c)]
    if absent:
        raise ValueError(f"the gold set has no values in column(s) {', '.join(absent)}")
    columns = [c for c in DEFAULT_SLICE_COLUMNS if column_present(records, c)]
    columns += [c for c in requested if c not in columns]
    return columns


def slice_table(
    records: Sequence[GoldRecord],
    y_true: dict[str, np.ndarray],
    y_pred: dict[str, np.ndarray],
    column: str,
) -> list[dict]:
    """One row per value of `column`, largest slice first, with per-marker figures."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        groups[str(slice_value(record, column))].append(i)
    rows = []
    for value, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        idx = np.asarray(members)
        per_marker = {}
        for marker in y_true:
            counts = confusion(y_true[marker][idx], y_pred[marker][idx])
            per_marker[marker] = {
                "precision": precision(counts.tp, counts.fp),
                "recall": recall(counts.tp, counts.fn),
                "f1": f1(counts.tp, counts.fp, counts.fn),
                "support": int(counts.support),
                "n_flagged": int(counts.flagged),
                "confusion": counts.to_dict(),
            }
        rows.append({"value": value, "n_notes": len(members), "markers": per_marker})
    return rows


def concern_type_table(records: Sequence[GoldRecord], flags: Sequence[NoteFlags]) -> list[dict]:
    """For each concern type: among gold notes with an unhandled concern of that type, how many
    were flagged (recall) and how many flags also named the type."""
    rows = []
    for concern_type in CONCERN_TYPES:
        members = [
            (r, f)
            for r, f in zip(records, flags)
            if r.labels[UNHANDLED_CONCERN] and concern_type in r.labels["concern_types"]
        ]
        detected = [f for _r, f in members if f.markers[UNHANDLED_CONCERN].flag]
        named = [f for f in detected if concern_type in (f.markers[UNHANDLED_CONCERN].concern_types or [])]
        rows.append(
            {
                "concern_type": concern_type,
                "support": len(members),
                "detected": len(detected),
                "recall": len(detected) / len(members) if members else None,
                "type_named": len(named),
                "type_named_rate": len(named) / len(detected) if detected else None,
            }
        )
    return rows

