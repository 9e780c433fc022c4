"""The list of wrong decisions, for the people who improve the rules and models.

Each entry names the note, the marker, whether it was a false flag (FP) or a missed one (FN),
the score and the evidence the model gave. Reports travel, so the note text is included only
when asked for (`--show-text`); the evidence spans are the model's own quotes, which a reader
needs to see why it flagged.
"""

from __future__ import annotations

from typing import Sequence

from annotations.schema import GoldRecord
from pipeline.schema import MARKERS, UNHANDLED_CONCERN, NoteFlags

FALSE_POSITIVE = "FP"
FALSE_NEGATIVE = "FN"


def error_list(records: Sequence[GoldRecord], flags: Sequence[NoteFlags], show_text: bool = False) -> list[dict]:
    """All disagreements between gold and flags: per marker, false flags (highest score first)
    before missed ones (lowest score first), the order in which they are most instructive."""
    errors: list[dict] = []
    for record, note_flags in zip(records, flags):
        for marker in MARKERS:
            result = note_flags.markers[marker]
            gold = bool(record.labels[marker])
            if result.flag == gold:
                continue
            entry = {
                "note_id": record.note.note_id,
                "case_id": record.note.case_id,
                "marker": marker,
                "kind": FALSE_POSITIVE if result.flag else FALSE_NEGATIVE,
                "score": float(result.score),
                "evidence": [e.to_dict() for e in result.evidence],
            }
            if marker == UNHANDLED_CONCERN:
                entry["gold_concern_types"] = list(record.labels["concern_types"])
                entry["predicted_concern_types"] = list(result.concern_types or [])
            if show_text:
                entry["text"] = record.note.text
            errors.append(entry)
    errors.sort(
        key=lambda e: (MARKERS.index(e["marker"]), e["kind"] != FALSE_POSITIVE, -e["score"] if e["kind"] == FALSE_POSITIVE else e["score"])
    )
    return errors
