"""The committed gold set is valid, split cleanly by case, large and balanced enough, and is
exactly what `annotations.gold_build` makes from the hand-written sources."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict

import pytest
import yaml

from annotations import gold_build
from annotations.schema import BINARY_LABELS, GoldRecord, read_gold
from pipeline.schema import MARKERS

GOLD_DIR = gold_build.GOLD_DIR
AGREEMENT_DIR = gold_build.AGREEMENT_DIR
SPLITS = gold_build.SPLITS


@pytest.fixture(scope="module")
def splits() -> dict[str, list[GoldRecord]]:
    """Every committed split, read through the schema's own validation."""
    return {split: read_gold(GOLD_DIR / f"{split}.jsonl") for split in SPLITS}


@pytest.fixture(scope="module")
def all_records(splits) -> list[GoldRecord]:
    return [record for records in splits.values() for record in records]


def test_every_split_validates_against_the_gold_schema(splits):
    for split, records in splits.items():
        assert records, f"{split}.jsonl is empty"
        assert all(record.extra.get("split") == split for record in records), f"{split}.jsonl holds a record of another split"


def test_no_case_appears_in_two_splits(splits):
    seen: dict[str, str] = {}
    for split, records in splits.items():
        for case_id in {record.note.case_id for record in records}:
            assert case_id not in seen, f"case {case_id} is in both {seen[case_id]} and {split}"
            seen[case_id] = split


def test_no_note_appears_in_two_splits(splits):
    seen: dict[str, str] = {}
    for split, records in splits.items():
        for record in records:
            note_id = record.note.note_id
            assert note_id not in seen, f"note {note_id} is in both {seen[note_id]} and {split}"
            seen[note_id] = split


def test_the_notes_of_a_case_follow_each_other_in_date_order(splits):
    for split, records in splits.items():
        last: dict[str, object] = {}
        for record in records:
            note = record.note
            if note.case_id in last:
                assert note.written_at >= last[note.case_id], f"{split}: note {note.note_id} is written before the note above it"
            last[note.case_id] = note.written_at


def test_the_gold_set_holds_at_least_500_notes_in_90_cases_of_3_to_8_notes(all_records):
    notes_per_case: dict[str, int] = defaultdict(int)
    for record in all_records:
        notes_per_case[record.note.case_id] += 1
    assert len(all_records) >= 500
    assert len(notes_per_case) >= 90
    odd = {case_id: n for case_id, n in notes_per_case.items() if not 3 <= n <= 8}
    assert not odd, f"cases with fewer than 3 or more than 8 notes: {odd}"


@pytest.mark.parametrize("label", BINARY_LABELS)
def test_every_label_is_set_on_15_to_40_percent_of_the_notes(all_records, label):
    rate = sum(record.labels[label] for record in all_records) / len(all_records)
    assert 0.15 <= rate <= 0.40, f"{label} is set on {rate:.1%} of the notes"


def test_every_split_has_positives_for_every_marker(splits):
    for split, records in splits.items():
        for marker in MARKERS:
            assert any(record.labels[marker] for record in records), f"{split} has no note with {marker} = 1"


def test_rebuilding_from_the_sources_reproduces_the_committed_splits_byte_for_byte(tmp_path):
    gold_build.build(out_dir=tmp_path)
    for split in SPLITS:
        rebuilt = (tmp_path / f"{split}.jsonl").read_bytes()
        committed = (GOLD_DIR / f"{split}.jsonl").read_bytes()
        assert rebuilt == committed, f"{split}.jsonl differs from what gold_build makes of the sources; rerun python -m annotations.gold_build"


def test_every_adjudicated_change_and_kept_decision_is_in_the_gold_labels(all_records):
    by_id = {record.note.note_id: record for record in all_records}
    with open(gold_build.ADJUDICATION_FILE, encoding="utf-8") as fh:
        adjudication = yaml.safe_load(fh)
    for change in adjudication["changes"]:
        record = by_id[str(change["note_id"])]
        for label, value in change["labels"].items():
            assert record.labels[label] == value, f"{record.note.note_id}: {label} is not the adjudicated value"
        assert record.extra.get("adjudicated") is True
    for kept in adjudication.get("kept", []):
        assert by_id[str(kept["note_id"])].labels[kept["label"]] == kept["value"]


def test_the_agreement_files_cover_at_least_150_of_the_same_gold_notes(all_records):
    first = read_gold(AGREEMENT_DIR / "annotator1.jsonl")
    second = read_gold(AGREEMENT_DIR / "annotator2.jsonl")
    ids_first = [record.note.note_id for record in first]
    ids_second = [record.note.note_id for record in second]
    assert len(ids_first) >= 150
    assert ids_first == ids_second, "the two annotators' files hold different notes"
    gold_texts = {record.note.note_id: record.note.text for record in all_records}
    for record in second:
        assert gold_texts.get(record.note.note_id) == record.note.text, f"{record.note.note_id} is not a gold note"
    with open(AGREEMENT_DIR / "agreement.json", encoding="utf-8") as fh:
        assert json.load(fh)["n_notes_compared"] == len(ids_first)


def test_rebuilding_the_agreement_files_reproduces_the_committed_ones(tmp_path):
    shutil.copy(AGREEMENT_DIR / "annotator2.yaml", tmp_path / "annotator2.yaml")
    gold_build.build_agreement_files(agreement_dir=tmp_path)
    for name in ("annotator1.jsonl", "annotator2.jsonl"):
        assert (tmp_path / name).read_bytes() == (AGREEMENT_DIR / name).read_bytes(), f"{name} is stale"
