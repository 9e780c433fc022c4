"""The training recipe shared by `journaltjek train` and `compare`: targets, dev thresholds measured
the way a scan flags, synthetic data, seeds, metrics in the card."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from annotations.schema import read_gold, write_gold
from models.card import read_card
from models.learned import (
    NoteReading, best_f1_threshold, choose_marker_threshold, cleared_by_later_handling, marker_targets,
    thresholds_on_dev,
)
from models.registry import load
from models.training import TrainingError, TrainingSpec, file_sha256, synthetic_records, train_model
from pipeline.roles import CONCERN, HANDLING, RoleHit, SentenceRoles
from pipeline.schema import MARKERS, UNHANDLED_CONCERN, Evidence, Note

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "gold"


def _labels(**ones) -> dict:
    labels = {m: 0 for m in MARKERS} | {"concern_present": 0, "concern_types": []}
    labels.update(ones)
    return labels


def _reading(*roles: str) -> NoteReading:
    sentence = SentenceRoles(index=0, start=0, end=10, roles={r: RoleHit(0.9, ("x",)) for r in roles})
    return NoteReading(text="x" * 10, sentences=[sentence])


@pytest.fixture(scope="module")
def small_splits(tmp_path_factory) -> dict[str, Path]:
    """Train/dev/test files cut from the gold splits (whole files would make these tests slow)."""
    directory = tmp_path_factory.mktemp("splits")
    out = {}
    for name, limit in (("train", 150), ("dev", 119), ("test", 40)):
        out[name] = directory / f"{name}.jsonl"
        write_gold(read_gold(GOLD / f"{name}.jsonl")[:limit], out[name])
    return out


# --- targets and thresholds ------------------------------------------------------------------


def test_a_worry_without_handling_in_its_own_note_is_a_note_level_positive_even_when_a_later_note_handled_it():
    labels = [
        _labels(unhandled_concern=1, concern_present=1, concern_types=["neglect"]),
        _labels(concern_present=1, concern_types=["neglect"]),  # handled by a later note: 0 in gold
        _labels(concern_present=1, concern_types=["violence"]),  # handled in the note itself
        _labels(),
    ]
    readings = [_reading(CONCERN), _reading(CONCERN), _reading(CONCERN, HANDLING), _reading()]
    Y = marker_targets(labels, readings)
    assert Y[:, MARKERS.index(UNHANDLED_CONCERN)].tolist() == [1, 1, 0, 0]
    assert Y[:, MARKERS.index("missing_assessment")].tolist() == [0, 0, 0, 0]


def test_the_f1_threshold_is_the_dev_score_with_the_best_f1():
    y = [1, 1, 0, 1, 0, 0]
    scores = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1]
    # at 0.6: tp 3, fp 1 -> F1 6/7; at 0.8: tp 2 -> F1 0.8
    assert best_f1_threshold(y, scores) == 0.6


def test_the_chosen_threshold_sits_halfway_to_the_next_lower_dev_score_and_flags_the_same_dev_notes():
    y = [1, 1, 0, 1, 0, 0]
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    threshold = choose_marker_threshold("f1", y, scores)
    assert threshold == pytest.approx(0.4)
    assert ((scores >= threshold) == (scores >= 0.6)).all()
    assert choose_marker_threshold("recall:0.5", y, scores) == pytest.approx(0.75)  # 0.8 is the recall choice
    assert choose_marker_threshold("f1", [1, 0], [0.3, 0.3]) == 0.3  # nothing below: the score itself
    assert choose_marker_threshold("f1", [0, 0, 0], [0.2, 0.3, 0.4]) == 0.5  # no positive: neutral


def test_notes_the_case_timeline_clears_do_not_count_as_flags_when_thresholds_are_chosen():
    t0 = datetime(2025, 1, 6, 9)
    notes = [
        Note("a-1", "A", t0, "bekymring"),
        Note("a-2", "A", t0 + timedelta(hours=3), "behandles som underretning"),
        Note("b-1", "B", t0, "bekymring"),
        Note("b-2", "B", t0 + timedelta(hours=30), "behandles som underretning"),  # too late
    ]
    handled = [Evidence(0, 5, "behandles", "Behandlet som underretning")]
    cleared = cleared_by_later_handling(notes, [[], handled, [], handled])
    assert cleared.tolist() == [True, False, False, False]
    labels = [_labels(concern_present=1, concern_types=["neglect"]), _labels(),
              _labels(unhandled_concern=1, concern_present=1, concern_types=["neglect"]), _labels()]
    scores = np.zeros((4, 4))
    scores[:, MARKERS.index(UNHANDLED_CONCERN)] = [0.9, 0.1, 0.4, 0.1]
    thresholds = thresholds_on_dev(scores, labels, cleared, {UNHANDLED_CONCERN: "f1"})
    # a-1 scores highest but the timeline clears it: the best threshold is b-1's score (0.4),
    # set halfway down to the next lower score (0.1)
    assert thresholds[UNHANDLED_CONCERN] == pytest.approx(0.25)


# --- the recipe ----------------------------------------------------------------------------


def test_training_writes_a_model_whose_card_states_its_data_thresholds_and_metrics(small_splits, tmp_path):
    spec = TrainingSpec(backend="sklearn", train=small_splits["train"], dev=small_splits["dev"], test=small_splits["test"],
                        output=tmp_path / "model", seed=4, params={"max_char_features": 5000})
    result = train_model(spec, progress=False)
    card = read_card(tmp_path / "model")
    assert card["trained_on"]["sha256"] == file_sha256(small_splits["train"])
    assert card["trained_on"]["n_notes"] == 150
    assert card["params"]["max_char_features"] == 5000
    assert set(card["metrics"]) == {"dev", "test"}
    for split in ("dev", "test"):
        for marker in MARKERS:
            figures = card["metrics"][split][marker]
            assert 0.0 <= figures["precision"] <= 1.0 and 0.0 <= figures["f1"] <= 1.0
        assert card["metrics"][split]["notes_per_second"] > 0
    # the recall target for unhandled concern holds on dev, after the case timeline
    assert card["metrics"]["dev"][UNHANDLED_CONCERN]["recall"] >= 0.95
    text = (tmp_path / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert file_sha256(small_splits["train"]) in text and "| test | authority_jargon |" in text
    assert result.metrics == card["metrics"]


def test_the_same_seed_gives_identical_predictions_through_the_whole_recipe(small_splits, tmp_path):
    def run(seed: int, out: str):
        spec = TrainingSpec(backend="hybrid", train=small_splits["train"], dev=small_splits["dev"], output=tmp_path / out,
                            seed=seed, params={"learned_params": {"max_char_features": 5000}, "oof_folds": 3})
        train_model(spec, progress=False)
        return load(tmp_path / out)

    notes = [r.note for r in read_gold(small_splits["test"])]
    first, second = run(7, "a"), run(7, "b")
    assert first.thresholds == second.thresholds
    assert [a.flags.to_dict() for a in first.analyse(notes)] == [a.flags.to_dict() for a in second.analyse(notes)]


def test_synthetic_notes_are_added_to_training_and_recorded(small_splits, tmp_path):
    assert [r.note.note_id for r in synthetic_records(12, 3)] == [r.note.note_id for r in synthetic_records(12, 3)]
    spec = TrainingSpec(backend="sklearn", train=small_splits["train"], output=tmp_path / "m", synthetic=40, seed=1,
                        params={"max_char_features": 3000})
    train_model(spec, progress=False)
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    assert card["trained_on"]["n_notes"] == 190 and card["trained_on"]["synthetic"] == 40


def test_the_rules_train_by_choosing_their_thresholds_on_dev_and_get_a_card(small_splits, tmp_path):
    spec = TrainingSpec(backend="rules", train=small_splits["train"], dev=small_splits["dev"], output=tmp_path / "rules")
    result = train_model(spec, progress=False)
    model = load(tmp_path / "rules")
    assert model.backend == "rules" and model.thresholds == pytest.approx(result.model.thresholds)
    card = read_card(tmp_path / "rules")
    assert card["metrics"]["dev"]["macro_f1"] > 0.4
    assert "by hand" in card["trained_on"]["note"]


def test_a_run_that_cannot_start_says_why(small_splits, tmp_path):
    with pytest.raises(TrainingError, match="unknown backend 'svm'"):
        train_model(TrainingSpec(backend="svm", train=small_splits["train"]), progress=False)
    with pytest.raises(TrainingError, match="does not exist"):
        train_model(TrainingSpec(backend="sklearn", train=tmp_path / "missing.jsonl"), progress=False)
    with pytest.raises(TrainingError, match="does not take these parameters"):
        train_model(TrainingSpec(backend="sklearn", train=small_splits["train"], params={"gamma": 1}), progress=False)
    with pytest.raises(TrainingError, match="takes no --param"):
        train_model(TrainingSpec(backend="rules", train=small_splits["train"], params={"C": 1}), progress=False)
