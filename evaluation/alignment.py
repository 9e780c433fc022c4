"""Read predictions and pair them with gold notes by note_id.

Notes missing on either side are kept as lists of ids so the report can show them: a scan that
dropped a tenth of the notes must not look like a perfect score on the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotations.schema import GoldRecord
from pipeline.jsonl import iter_jsonl
from pipeline.schema import NoteFlags


class PredictionFormatError(ValueError):
    """A prediction file that breaks the flag contract; the message names the line."""


@dataclass(slots=True)
class Predictions:
    flags: list[NoteFlags]
    # note_id -> reason, for rows a scan wrote as errors instead of flags
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class EvaluationSet:
    """Gold records and flags for the same notes, in gold order, plus what could not be paired."""

    gold: list[GoldRecord]
    flags: list[NoteFlags]
    gold_without_prediction: list[str]
    prediction_without_gold: list[str]
    prediction_errors: dict[str, str] = field(default_factory=dict)

    @property
    def n_missing(self) -> int:
        return len(self.gold_without_prediction) + len(self.prediction_without_gold)

    def missing_summary(self) -> dict:
        return {
            "gold_without_prediction": {
                "count": len(self.gold_without_prediction),
                "note_ids": list(self.gold_without_prediction),
            },
            "prediction_without_gold": {
                "count": len(self.prediction_without_gold),
                "note_ids": list(self.prediction_without_gold),
            },
            "prediction_errors": {"count": len(self.prediction_errors), "by_note_id": dict(self.prediction_errors)},
        }


def read_predictions(path: str | Path) -> Predictions:
    """Read flag-contract JSONL. A row with an `error` and no `markers` counts as an error row."""
    path = Path(path)
    if path.suffix.lower() in {".csv", ".parquet"}:
        raise PredictionFormatError(f"{path.name}: evaluate reads predictions as JSONL (scan with -o FILE.jsonl)")
    flags: list[NoteFlags] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for where, data in iter_jsonl(path, PredictionFormatError):
        if not isinstance(data, dict) or "note_id" not in data:
            raise PredictionFormatError(f"{where}: a prediction must be a JSON object with a note_id")
        note_id = str(data["note_id"])
        if note_id in seen:
            raise PredictionFormatError(f"{where}: duplicate note_id {note_id}")
        seen.add(note_id)
        if "markers" not in data and "error" in data:
            errors[note_id] = str(data["error"])
            continue
        try:
            flags.append(NoteFlags.from_dict(data))
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise PredictionFormatError(f"{where}: note {note_id} breaks the flag contract ({detail})") from None
    return Predictions(flags=flags, errors=errors)


def align(gold: list[GoldRecord], predictions: Predictions) -> EvaluationSet:
    by_id = {f.note_id: f for f in predictions.flags}
    gold_ids = {r.note.note_id for r in gold}
    paired_gold = [r for r in gold if r.note.note_id in by_id]
    return EvaluationSet(
        gold=paired_gold,
        flags=[by_id[r.note.note_id] for r in paired_gold],
        gold_without_prediction=[r.note.note_id for r in gold if r.note.note_id not in by_id],
        prediction_without_gold=[f.note_id for f in predictions.flags if f.note_id not in gold_ids]
        + [note_id for note_id in predictions.errors if note_id not in gold_ids],
        prediction_errors=dict(predictions.errors),
    )
