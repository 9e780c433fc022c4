"""The hybrid backend: the rules' evidence stays, a learned score refines it; trains from the gold
split and reloads to the same predictions; never flags without evidence."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import yaml

from models.hybrid_model import HybridModel, rule_scores
from models.learned import LearnedModelError
from models.registry import load
from models.rules_model import RulesModel
from pipeline.schema import AUTHORITY_JARGON, MARKERS, MISSING_ASSESSMENT, UNHANDLED_CONCERN, Note
from gold_splits import gold_split

RULE_REASON_PREFIX = "Modellen vurderer"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    notes, labels = gold_split("train")
    dev = gold_split("dev")
    model = HybridModel(name="hybrid-test", seed=2).fit(notes, labels, dev=dev)
    directory = tmp_path_factory.mktemp("hybrid-model")
    model.to_disk(directory)
    return model, directory, dev


def test_the_directory_holds_the_combiner_the_learned_part_and_the_rule_settings(trained):
    _, directory, _ = trained
    assert (directory / "combiner.json").is_file()
    assert (directory / "learned" / "weights.npz").is_file()
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert config["backend"] == "hybrid"
    assert config["params"]["oof_folds"] == 5
    # the rules model's own layout: a RulesModel can be built from the same block
    RulesModel(settings=config["markers"])


def test_a_loaded_model_gives_the_same_scores_and_flags(trained):
    model, directory, (dev_notes, _) = trained
    loaded = load(directory)
    assert isinstance(loaded, HybridModel)
    np.testing.assert_array_equal(loaded.predict_proba(dev_notes), model.predict_proba(dev_notes))
    assert [a.flags.to_dict() for a in loaded.analyse(dev_notes)] == [a.flags.to_dict() for a in model.analyse(dev_notes)]


def test_the_score_is_a_logistic_combination_that_rises_with_both_parts(trained):
    model, _, (dev_notes, _) = trained
    readings = model.read(dev_notes[:20])
    combined = model._score_readings(readings)
    learned = model.learned_._score_readings(readings)
    rules = rule_scores(readings)
    eps = 1e-4
    logit = lambda p: np.log(np.clip(p, eps, 1 - eps) / (1 - np.clip(p, eps, 1 - eps)))  # noqa: E731
    expected = 1 / (1 + np.exp(-(logit(rules) * model.combiner_coef_[:, 0] + logit(learned) * model.combiner_coef_[:, 1] + model.combiner_intercept_)))
    np.testing.assert_allclose(combined, expected)
    assert (model.combiner_coef_[:, 1] > 0).all()  # the learned score always counts
    assert (model.combiner_coef_[[MARKERS.index(MISSING_ASSESSMENT)], 0] > 0).all()  # the rules help on M1


def test_flags_quote_the_rules_evidence_where_the_rules_found_some(trained):
    model, _, (dev_notes, _) = trained
    rules_reasons = 0
    for note, analysis in zip(dev_notes, model.analyse(dev_notes)):
        for marker in MARKERS:
            result = analysis.flags.markers[marker]
            assert not result.flag or result.evidence
            for e in result.evidence:
                assert note.text[e.start:e.end] == e.text
                rules_reasons += not e.reason.startswith(RULE_REASON_PREFIX)
    assert rules_reasons > 30


def test_jargon_flags_list_the_unexplained_terms_with_plain_alternatives(trained):
    model, _, _ = trained
    note = Note("j-1", "c-j", datetime(2025, 2, 1, 9),
                "Der er d.d. foretaget visitation iht. § 32, stk. 1, nr. 3, hvorfor pågældende foranstaltning iværksættes "
                "med virkning fra 1/3, jf. bevillingsskrivelse.")
    (analysis,) = model.analyse([note])
    result = analysis.flags.markers[AUTHORITY_JARGON]
    assert result.flag
    assert any(e.plain for e in result.evidence)
    assert not any(e.reason.startswith(RULE_REASON_PREFIX) for e in result.evidence)


def test_when_the_rules_have_no_evidence_the_learned_parts_top_sentence_is_quoted(trained):
    model, _, _ = trained
    # a reasoned assessment: the rules see nothing missing and quote nothing for M1
    note = Note("r-1", "c-r", datetime(2025, 2, 1, 9),
                "Samtale med [BARN] (12 år) på skolen. Han fortæller, at det går bedre hjemme. "
                "Vurdering: Jeg vurderer, at indsatsen virker, idet både [BARN] og skolen beskriver færre konflikter.")
    readings = model.read([note])
    assert not readings[0].extra["rule_markers"].results[MISSING_ASSESSMENT].evidence
    forced = HybridModel.from_disk(trained[1])
    forced.thresholds = {**forced.thresholds, MISSING_ASSESSMENT: 0.0}  # the learned score alone pushes it over
    (analysis,) = forced.analyse([note])
    result = analysis.flags.markers[MISSING_ASSESSMENT]
    assert result.flag
    assert len(result.evidence) >= 1 and result.evidence[0].reason.startswith(RULE_REASON_PREFIX)


def test_a_concern_handled_in_the_note_is_not_quoted_as_worry(trained):
    model, _, _ = trained
    note = Note("u-1", "c-u", datetime(2025, 2, 1, 9),
                "Skolen ringer: [BARN] har blå mærker på armene og siger, at far slår. "
                "Oplysningerne behandles som underretning, og der er foretaget en akutvurdering i dag.")
    forced = HybridModel.from_disk(trained[1])
    forced.thresholds = {**forced.thresholds, UNHANDLED_CONCERN: 0.0}
    (analysis,) = forced.analyse([note])
    result = analysis.flags.markers[UNHANDLED_CONCERN]
    assert analysis.handling  # the case timeline still learns that the note handles a concern
    assert result.flag and result.evidence
    assert not any(e.reason == "Behandlet som underretning i samme notat" for e in result.evidence)
    assert "violence" in result.concern_types


def test_the_hybrid_needs_notes_from_two_cases_and_sensible_parameters():
    notes, labels = gold_split("train", 3)
    one_case = [n for n in notes if n.case_id == notes[0].case_id]
    with pytest.raises(LearnedModelError, match="two cases"):
        HybridModel().fit(one_case, labels[: len(one_case)])
    with pytest.raises(LearnedModelError, match="learned_params"):
        HybridModel(learned_params={"no_such": 1})
    with pytest.raises(LearnedModelError, match="oof_folds"):
        HybridModel(oof_folds=1)
