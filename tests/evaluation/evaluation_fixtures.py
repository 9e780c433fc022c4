"""Hand-made gold and flag data for the evaluation tests (imported by conftest and the tests).

The name is unique across the test tree because test directories are not packages."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.schema import CONCERN_TYPES, MARKERS, UNHANDLED_CONCERN

# Ten notes in four cases. Per note: gold labels (in MARKERS order), flags, scores.
HAND_MADE: list[dict] = [
    # note,  case, note_type,   style,       gold,         flags,        scores
    dict(id="n01", case="c1", note_type="samtale", style="narrative", gold=(1, 0, 0, 1), flag=(1, 0, 0, 1), score=(0.9, 0.1, 0.2, 0.8)),
    dict(id="n02", case="c1", note_type="samtale", style="terse", gold=(1, 1, 0, 0), flag=(0, 1, 0, 0), score=(0.4, 0.7, 0.1, 0.1)),
    dict(id="n03", case="c1", note_type="møde", style="template", gold=(0, 0, 1, 0), flag=(1, 0, 1, 0), score=(0.6, 0.2, 0.9, 0.2)),
    dict(id="n04", case="c2", note_type="møde", style="narrative", gold=(0, 1, 1, 0), flag=(0, 0, 1, 0), score=(0.3, 0.45, 0.75, 0.3)),
    dict(id="n05", case="c2", note_type="underretning", style="terse", gold=(1, 0, 0, 1), flag=(1, 0, 0, 0), score=(0.8, 0.3, 0.3, 0.45)),
    dict(id="n06", case="c3", note_type="underretning", style="narrative", gold=(0, 0, 0, 0), flag=(0, 0, 1, 1), score=(0.2, 0.1, 0.65, 0.6)),
    dict(id="n07", case="c3", note_type="samtale", style="template", gold=(1, 0, 1, 0), flag=(1, 0, 0, 0), score=(0.7, 0.35, 0.4, 0.05)),
    dict(id="n08", case="c4", note_type="samtale", style="terse", gold=(0, 1, 0, 1), flag=(0, 1, 0, 1), score=(0.1, 0.8, 0.15, 0.7)),
    dict(id="n09", case="c4", note_type="møde", style="narrative", gold=(0, 0, 0, 0), flag=(0, 0, 0, 0), score=(0.35, 0.25, 0.05, 0.2)),
    dict(id="n10", case="c4", note_type="underretning", style="template", gold=(1, 0, 1, 0), flag=(1, 1, 1, 0), score=(0.85, 0.6, 0.8, 0.1)),
]

CONCERN_OF = {"n01": ["violence"], "n05": ["neglect", "violence"], "n08": ["self_harm"]}


def gold_row(spec: dict) -> dict:
    labels = dict(zip(MARKERS, spec["gold"]))
    types = CONCERN_OF.get(spec["id"], []) if labels[UNHANDLED_CONCERN] else []
    labels["concern_present"] = 1 if types else 0
    labels["concern_types"] = types
    return {
        "note_id": spec["id"],
        "case_id": spec["case"],
        "written_at": "2024-03-01T10:00",
        "text": f"Notat {spec['id']} om [BARN].",
        "note_type": spec["note_type"],
        "team": "Team Nord" if spec["case"] in {"c1", "c2"} else "Team Syd",
        "labels": labels,
        "style": spec["style"],
    }


def flag_row(spec: dict) -> dict:
    markers = {}
    for marker, flag, score in zip(MARKERS, spec["flag"], spec["score"]):
        evidence = [{"start": 0, "end": 5, "text": "Notat", "reason": f"grund til {marker}"}] if flag else []
        markers[marker] = {"flag": bool(flag), "score": score, "evidence": evidence}
    markers[UNHANDLED_CONCERN]["concern_types"] = ["violence"] if spec["flag"][3] else []
    return {"note_id": spec["id"], "case_id": spec["case"], "model": "test@0.0.1", "markers": markers}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path

assert all(t in CONCERN_TYPES for types in CONCERN_OF.values() for t in types)
