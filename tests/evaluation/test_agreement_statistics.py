"""Cohen's κ and Krippendorff's α against hand-computed values, and `journaltjek agreement`."""

from __future__ import annotations

import json
import math

import pytest
from sklearn.metrics import cohen_kappa_score

from evaluation.agreement import cohen_kappa, krippendorff_alpha_nominal, percent_agreement
from evaluation_fixtures import HAND_MADE, gold_row, write_jsonl
from pipeline.cli import main

A = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
B = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]


def test_kappa_equals_the_hand_computed_value_and_scikit_learn():
    # pₒ = 8/10, pₑ = 0.4·0.4 + 0.6·0.6 = 0.52, κ = 0.28 / 0.48
    assert cohen_kappa(A, B) == pytest.approx(0.28 / 0.48)
    assert cohen_kappa(A, B) == pytest.approx(cohen_kappa_score(A, B))


def test_kappa_equals_scikit_learn_on_several_categories():
    a = ["x", "y", "z", "x", "x", "y", "z", "z", "y", "x", "z", "y"]
    b = ["x", "y", "y", "x", "z", "y", "z", "x", "y", "x", "z", "z"]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_kappa_is_undefined_when_both_annotators_use_one_label_only():
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    assert cohen_kappa([0, 1], [1, 0]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        percent_agreement([0, 1], [0])


def test_alpha_for_two_annotators_equals_the_hand_computed_value():
    # 20 values, 8 ones and 12 zeros; 2 disagreeing items give o₀₁ = o₁₀ = 2.
    # α = 1 − (n − 1)·Σ o_ck / Σ n_c·n_k = 1 − 19·4 / (2·8·12)
    assert krippendorff_alpha_nominal([A, B]) == pytest.approx(1 - 76 / 192)


def test_alpha_reproduces_krippendorffs_published_example_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", four coders, 12 units: α nominal = 0.743
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert krippendorff_alpha_nominal([[0, 1, 1], [0, 1, 1], [0, 1, 1]]) == pytest.approx(1.0)
    assert math.isnan(krippendorff_alpha_nominal([[1, 1], [1, 1]]))
    with pytest.raises(ValueError):
        krippendorff_alpha_nominal([[0, 1], [0]])


def _annotator_file(tmp_path, name, flips: set[str], drop: set[str] = frozenset()):
    rows = []
    for spec in HAND_MADE:
        if spec["id"] in drop:
            continue
        row = gold_row(spec)
        if spec["id"] in flips:
            row["labels"]["authority_jargon"] = 1 - row["labels"]["authority_jargon"]
        row["annotator"] = name
        rows.append(row)
    return write_jsonl(tmp_path / f"{name}.jsonl", rows)


def test_agreement_command_reports_kappa_alpha_and_disagreeing_notes(tmp_path, capsys):
    anna = _annotator_file(tmp_path, "anna", flips=set())
    bo = _annotator_file(tmp_path, "bo", flips={"n02", "n07"}, drop={"n10"})
    out = tmp_path / "agreement.json"
    assert main(["agreement", str(anna), str(bo), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["annotators"] == ["anna", "bo"]
    assert report["n_notes_compared"] == 9
    assert report["notes_not_in_all_files"] == {"count": 1, "present_in": {"n10": ["anna"]}}
    jargon = report["labels"]["authority_jargon"]
    assert jargon["disagreeing_note_ids"] == ["n02", "n07"]
    shared = [s for s in HAND_MADE if s["id"] != "n10"]
    a = [s["gold"][2] for s in shared]
    b = [1 - g if s["id"] in {"n02", "n07"} else g for s, g in zip(shared, a)]
    assert jargon["cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert jargon["krippendorff_alpha"] == pytest.approx(krippendorff_alpha_nominal([a, b]))
    assert report["labels"]["missing_assessment"]["percent_agreement"] == 1.0
    assert set(report["labels"]) == {"missing_assessment", "missing_child_conversation", "authority_jargon",
                                     "unhandled_concern", "concern_present"}
    printed = capsys.readouterr().out
    assert "n02, n07" in printed and "n10" in printed


def test_three_annotators_get_alpha_and_pairwise_kappa(tmp_path):
    files = [_annotator_file(tmp_path, "a", set()), _annotator_file(tmp_path, "b", {"n01"}), _annotator_file(tmp_path, "c", {"n01", "n03"})]
    out = tmp_path / "agreement.json"
    assert main(["agreement", *map(str, files), "--json", str(out)]) == 0
    jargon = json.loads(out.read_text())["labels"]["authority_jargon"]
    assert jargon["cohen_kappa"] is None
    assert set(jargon["pairwise_kappa"]) == {"a / b", "a / c", "b / c"}
    assert jargon["disagreeing_note_ids"] == ["n01", "n03"]
    rows = []
    for flips in (set(), {"n01"}, {"n01", "n03"}):
        rows.append([1 - s["gold"][2] if s["id"] in flips else s["gold"][2] for s in HAND_MADE])
    assert jargon["krippendorff_alpha"] == pytest.approx(krippendorff_alpha_nominal(rows))


def test_agreement_needs_two_readable_files(tmp_path, capsys):
    one = _annotator_file(tmp_path, "anna", set())
    assert main(["agreement", str(one)]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"note_id": "x"}\n', encoding="utf-8")
    assert main(["agreement", str(one), str(bad)]) == 2
    assert "bad.jsonl line 1" in capsys.readouterr().err
