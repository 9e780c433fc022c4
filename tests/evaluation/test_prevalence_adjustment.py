"""Precision at a stated prevalence, from recall and false positive rate, on known answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evaluation.prevalence import parse_prevalence_spec, precision_at_prevalence
from evaluation_fixtures import HAND_MADE
from pipeline.cli import main
from pipeline.schema import MARKERS


def test_a_rare_marker_lowers_precision_as_bayes_rule_says():
    # sensitivity 0.9, specificity 0.95, prevalence 5 %: 0.045 / (0.045 + 0.0475)
    assert precision_at_prevalence(0.9, 0.05, 0.05) == pytest.approx(0.045 / 0.0925)
    assert precision_at_prevalence(0.9, 0.05, 0.05) == pytest.approx(0.4864864865)


def test_at_even_prevalence_with_equal_sensitivity_and_specificity_precision_equals_sensitivity():
    assert precision_at_prevalence(0.8, 0.2, 0.5) == pytest.approx(0.8)


def test_no_false_positives_gives_precision_one_and_no_flags_gives_zero():
    assert precision_at_prevalence(0.3, 0.0, 0.01) == 1.0
    assert precision_at_prevalence(0.0, 0.0, 0.01) == 0.0


def test_it_works_elementwise_on_arrays():
    out = precision_at_prevalence(np.array([0.9, 0.8]), np.array([0.05, 0.2]), 0.5)
    np.testing.assert_allclose(out, [0.9 / 0.95, 0.8])


def test_at_the_gold_sets_own_prevalence_it_gives_back_the_measured_precision(tmp_path, gold_file, pred_file):
    marker = "authority_jargon"
    k = MARKERS.index(marker)
    own = sum(s["gold"][k] for s in HAND_MADE) / len(HAND_MADE)
    out = tmp_path / "r.json"
    assert main(["evaluate", "--gold", str(gold_file), "--pred", str(pred_file), "--json", str(out),
                 "--bootstrap", "50", "--prevalence", f"{marker}={own}"]) == 0
    figures = json.loads(out.read_text())["markers"][marker]
    assert figures["at_prevalence"]["precision"] == pytest.approx(figures["precision"])
    lo, hi = figures["at_prevalence"]["ci"]
    assert 0.0 <= lo <= hi <= 1.0


def test_the_spec_accepts_fractions_and_percentages_and_names_bad_items():
    assert parse_prevalence_spec("unhandled_concern=0.05, authority_jargon=20%", MARKERS) == {
        "unhandled_concern": 0.05,
        "authority_jargon": 0.2,
    }
    for bad, message in [("unhandled_concern", "MARKER=VALUE"), ("colour=0.1", "unknown marker"),
                         ("unhandled_concern=1.5", "strictly between"), ("unhandled_concern=x", "not a number")]:
        with pytest.raises(ValueError, match=message):
            parse_prevalence_spec(bad, MARKERS)
    with pytest.raises(ValueError):
        precision_at_prevalence(0.5, 0.5, 0.0)
