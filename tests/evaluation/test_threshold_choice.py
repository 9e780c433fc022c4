"""Thresholds chosen for a target recall or precision, on data with known answers."""

from __future__ import annotations

import json

import pytest
import yaml

from evaluation.model_thresholds import write_thresholds
from evaluation.thresholds import ThresholdTarget, ThresholdUnreachable, choose, choose_threshold, parse_threshold_spec
from evaluation_fixtures import HAND_MADE
from pipeline.cli import main
from pipeline.schema import MARKERS

# Ten positives scored 1.0, 0.9, ..., 0.1 and ten negatives scored 0.95, 0.85, ..., 0.05.
POS = [round(1.0 - 0.1 * i, 2) for i in range(10)]
NEG = [round(0.95 - 0.1 * i, 2) for i in range(10)]
Y = [1] * 10 + [0] * 10
S = POS + NEG


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, 0.1), (0.95, 0.1), (0.9, 0.2), (0.8, 0.3), (0.5, 0.6), (0.1, 1.0), (0.81, 0.2)],
)
def test_a_recall_target_gives_the_highest_threshold_that_reaches_it(value, expected):
    assert choose_threshold(Y, S, "recall", value) == pytest.approx(expected)


def test_a_precision_target_gives_the_lowest_threshold_that_reaches_it():
    # ranked: 0.9 P, 0.8 P, 0.7 N, 0.6 P, 0.5 N, 0.4 N, 0.3 P
    y = [1, 1, 0, 1, 0, 0, 1]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    # precision at each threshold: 1, 1, 2/3, 3/4, 3/5, 3/6, 4/7
    assert choose_threshold(y, s, "precision", 0.75) == 0.6
    assert choose_threshold(y, s, "precision", 0.7) == 0.6
    assert choose_threshold(y, s, "precision", 0.58) == 0.5
    assert choose_threshold(y, s, "precision", 0.55) == 0.3
    assert choose_threshold(y, s, "precision", 1.0) == 0.8


def test_the_chosen_threshold_reproduces_the_target_on_the_same_data():
    choice = choose(ThresholdTarget("unhandled_concern", "recall", 0.8), Y, S)
    assert choice.threshold == pytest.approx(0.3)
    assert choice.recall == pytest.approx(0.8)
    assert choice.n_flagged == 15  # eight positives and seven negatives score >= 0.3
    assert choice.precision == pytest.approx(8 / 15)


def test_an_unreachable_precision_or_no_positives_raises():
    with pytest.raises(ThresholdUnreachable):
        choose_threshold([0, 1, 0], [0.9, 0.5, 0.4], "precision", 0.9)
    with pytest.raises(ThresholdUnreachable):
        choose_threshold([0, 0], [0.9, 0.5], "recall", 0.9)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown threshold target"):
        choose_threshold(Y, S, "f2", 0.5)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        choose_threshold(Y, S, "recall", 1.5)
    with pytest.raises(ValueError, match="labels but"):
        choose_threshold([1, 0], [0.3], "recall", 0.5)


def test_the_spec_lists_one_target_per_marker():
    targets = parse_threshold_spec("recall:unhandled_concern=0.95, precision:authority_jargon=0.8", MARKERS)
    assert targets == [ThresholdTarget("unhandled_concern", "recall", 0.95), ThresholdTarget("authority_jargon", "precision", 0.8)]
    for bad, message in [
        ("unhandled_concern=0.9", "TARGET:MARKER=VALUE"),
        ("recall:colour=0.9", "unknown marker"),
        ("recall:unhandled_concern=high", "not a number"),
        ("recall:unhandled_concern=0.9,precision:unhandled_concern=0.5", "more than one"),
        ("sensitivity:unhandled_concern=0.9", "unknown target"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_threshold_spec(bad, MARKERS)


def test_thresholds_are_written_into_config_yaml_keeping_other_keys_and_comments(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "# the shipped rules model\nbackend: rules\nversion: 0.3.0\nthresholds:\n  missing_assessment: 0.5\n"
        "  unhandled_concern: 0.5\n\nlexicon: jargon.jsonl  # plain words\n",
        encoding="utf-8",
    )
    written = write_thresholds(tmp_path, {"unhandled_concern": 0.42, "authority_jargon": 0.7})
    text = config.read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert loaded == {
        "backend": "rules",
        "version": "0.3.0",
        "thresholds": {"missing_assessment": 0.5, "unhandled_concern": 0.42, "authority_jargon": 0.7},
        "lexicon": "jargon.jsonl",
    }
    assert written == loaded["thresholds"]
    assert text.startswith("# the shipped rules model\n") and "# plain words" in text


def test_a_config_without_thresholds_gets_the_block_appended(tmp_path):
    (tmp_path / "config.yaml").write_text("backend: rules", encoding="utf-8")
    write_thresholds(tmp_path, {"missing_assessment": 0.25})
    assert yaml.safe_load((tmp_path / "config.yaml").read_text()) == {"backend": "rules", "thresholds": {"missing_assessment": 0.25}}
    with pytest.raises(FileNotFoundError):
        write_thresholds(tmp_path / "nowhere", {"missing_assessment": 0.25})


def test_evaluate_with_predictions_reports_chosen_thresholds_without_writing_anywhere(tmp_path, gold_file, pred_file):
    out = tmp_path / "r.json"
    code = main(["evaluate", "--gold", str(gold_file), "--pred", str(pred_file), "--bootstrap", "0", "--json", str(out),
                 "--choose-thresholds", "recall:unhandled_concern=1.0,precision:authority_jargon=1.0"])
    assert code == 0
    thresholds = json.loads(out.read_text())["thresholds"]
    unhandled_scores = sorted(s["score"][3] for s in HAND_MADE if s["gold"][3])
    assert thresholds["chosen"]["unhandled_concern"]["threshold"] == pytest.approx(unhandled_scores[0])
    assert thresholds["chosen"]["unhandled_concern"]["recall"] == 1.0
    assert thresholds["chosen"]["authority_jargon"]["precision"] == 1.0
    assert thresholds["written_to"] is None


def test_evaluate_with_a_model_writes_the_chosen_thresholds_into_its_config(tmp_path, gold_file):
    pytest.importorskip("models.rules_model", reason="the default rules model is not built yet")
    import shutil

    from models.registry import resolve

    model_dir = tmp_path / "model"
    shutil.copytree(resolve("default"), model_dir)
    before = yaml.safe_load((model_dir / "config.yaml").read_text())
    out = tmp_path / "r.json"
    code = main(["evaluate", "--gold", str(gold_file), "--model", str(model_dir), "--bootstrap", "0", "--json", str(out),
                 "--choose-thresholds", "recall:missing_assessment=0.5"])
    assert code == 0
    result = json.loads(out.read_text())
    after = yaml.safe_load((model_dir / "config.yaml").read_text())
    chosen = result["thresholds"]["chosen"]["missing_assessment"]["threshold"]
    assert after["thresholds"]["missing_assessment"] == pytest.approx(chosen)
    assert {k: v for k, v in after.items() if k != "thresholds"} == {k: v for k, v in before.items() if k != "thresholds"}
    assert result["thresholds"]["written_to"].endswith("config.yaml")
