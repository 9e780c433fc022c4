"""Build the gold splits from the hand-written sources.

The sources (`annotations/gold/sources/batch_*.yaml`) hold whole cases as their writers wrote
and labelled them; adjudicated label changes live beside them in `adjudication.yaml`. This
module validates every note against the label schema, applies the adjudication, and splits
by case into `train`, `dev` and `test` JSONL (no case in two splits). The split is a fixed
function of the case id, so rebuilding never moves a case from one split to another.

    python -m annotations.gold_build        # rewrites annotations/gold/{train,dev,test}.jsonl
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from annotations.schema import GoldFormatError, GoldRecord, parse_gold_record, write_gold

GOLD_DIR = Path(__file__).resolve().parent / "gold"
SOURCES_DIR = GOLD_DIR / "sources"
ADJUDICATION_FILE = GOLD_DIR / "adjudication.yaml"
SPLITS: tuple[str, ...] = ("train", "dev", "test")
# Per batch, cases ordered by a hash of their id: the first 60 % train, the next 20 % dev, the rest test.
SPLIT_SHARES: dict[str, float] = {"train": 0.6, "dev": 0.2, "test": 0.2}


def load_source(path: Path) -> list[GoldRecord]:
    """Read one source file; every note becomes a validated GoldRecord."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    batch = data.get("batch", path.stem)
    annotator = data.get("annotator")
    records: list[GoldRecord] = []
    for case in data["cases"]:
        for note in case["notes"]:
            raw: dict[str, Any] = {
                **{k: v for k, v in note.items() if k not in ("rationale",)},
                "case_id": case["case_id"],
                "child_age": case.get("child_age"),
                "annotator": annotator,
                "style": case.get("style"),
                "batch": batch,
            }
            if note.get("rationale"):
                raw["rationale"] = note["rationale"]
            raw["written_at"] = str(note["written_at"])
            raw["text"] = note["text"].rstrip("\n")
            records.append(parse_gold_record(raw, where=f"{path.name} note {note.get('note_id')}"))
    return records


def load_adjudication(path: Path = ADJUDICATION_FILE) -> dict[str, dict[str, Any]]:
    """note_id -> {label: adjudicated value, ...} (plus a `decision` text, ignored here)."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    merged: dict[str, dict[str, Any]] = {}
    for item in data.get("changes", []):  # a note may be adjudicated more than once, label by label
        entry = merged.setdefault(str(item["note_id"]), {"note_id": str(item["note_id"]), "labels": {}})
        entry["labels"].update(item.get("labels", {}))
    return merged


def apply_adjudication(record: GoldRecord, change: dict[str, Any]) -> GoldRecord:
    labels = dict(record.labels)
    for key, value in change.get("labels", {}).items():
        labels[key] = value
    from annotations.schema import validate_labels

    record.labels = validate_labels(labels, where=f"adjudication of {record.note.note_id}")
    record.extra["adjudicated"] = True
    return record


def split_of_case(case_id: str, ordered_cases: list[str]) -> str:
    position = ordered_cases.index(case_id)
    n_train = round(SPLIT_SHARES["train"] * len(ordered_cases))
    n_dev = round(SPLIT_SHARES["dev"] * len(ordered_cases))
    if position < n_train:
        return "train"
    if position < n_train + n_dev:
        return "dev"
    return "test"


def _case_hash(case_id: str) -> str:
    return hashlib.sha256(case_id.encode("utf-8")).hexdigest()


def build(sources_dir: Path = SOURCES_DIR, out_dir: Path = GOLD_DIR) -> dict[str, list[GoldRecord]]:
    adjudication = load_adjudication(sources_dir.parent / ADJUDICATION_FILE.name)
    splits: dict[str, list[GoldRecord]] = {s: [] for s in SPLITS}
    seen: set[str] = set()
    for path in sorted(sources_dir.glob("batch_*.yaml")):
        records = load_source(path)
        cases = sorted({r.note.case_id for r in records}, key=_case_hash)
        for record in records:
            if record.note.note_id in seen:
                raise GoldFormatError(f"{path.name}: note_id {record.note.note_id} appears twice in the sources")
            seen.add(record.note.note_id)
            if record.note.note_id in adjudication:
                apply_adjudication(record, adjudication[record.note.note_id])
            split = split_of_case(record.note.case_id, cases)
            record.extra["split"] = split
            splits[split].append(record)
    unknown = set(adjudication) - seen
    if unknown:
        raise GoldFormatError(f"adjudication names unknown notes: {sorted(unknown)[:5]}")
    for split, records in splits.items():
        records.sort(key=lambda r: (r.note.case_id, r.note.written_at))
        write_gold(records, out_dir / f"{split}.jsonl")
    return splits


def describe(splits: dict[str, list[GoldRecord]]) -> str:
    lines = []
    for split, records in splits.items():
        cases = {r.note.case_id for r in records}
        rates = Counter()
        for r in records:
            for key, value in r.labels.items():
                if key != "concern_types":
                    rates[key] += value
        rate_text = ", ".join(f"{k} {v / len(records):.0%}" for k, v in rates.items())
        lines.append(f"{split}: {len(records)} notes in {len(cases)} cases; {rate_text}")
    return "\n".join(lines)




AGREEMENT_DIR = GOLD_DIR / "agreement"


def build_agreement_files(sources_dir: Path = SOURCES_DIR, agreement_dir: Path = AGREEMENT_DIR) -> tuple[Path, Path]:
    """Write the doubly annotated notes as two gold files: the writers' own labels (before
    adjudication) and the independent second annotator's (`agreement/annotator2.yaml`)."""
    with open(agreement_dir / "annotator2.yaml", encoding="utf-8") as fh:
        second = {str(n["note_id"]): n["labels"] for n in yaml.safe_load(fh)["notes"]}
    first: list[GoldRecord] = []
    for path in sorted(sources_dir.glob("batch_*.yaml")):
        first.extend(r for r in load_source(path) if r.note.note_id in second)
    missing = set(second) - {r.note.note_id for r in first}
    if missing:
        raise GoldFormatError(f"annotator2.yaml names notes not in the sources: {sorted(missing)[:5]}")
    from annotations.schema import validate_labels

    seconds = [
        GoldRecord(note=r.note, labels=validate_labels(second[r.note.note_id], where=r.note.note_id), annotator="annotator-2")
        for r in first
    ]
    path_a, path_b = agreement_dir / "annotator1.jsonl", agreement_dir / "annotator2.jsonl"
    write_gold(first, path_a)
    write_gold(seconds, path_b)
    return path_a, path_b


if __name__ == "__main__":
    print(describe(build()))
    if (AGREEMENT_DIR / "annotator2.yaml").exists():
        print("agreement files:", *build_agreement_files())
