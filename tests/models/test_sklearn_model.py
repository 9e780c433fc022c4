"""The sklearn backend: trains from the gold split, reloads to the same predictions, is reproducible,
scores calibrated probabilities, quotes its evidence and shrugs off typos."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
import yaml
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from models.learned import LearnedModelError, marker_targets
from models.registry import load
from models.sklearn_model import SklearnMarkerModel
from pipeline.schema import MARKERS, UNHANDLED_CONCERN, Note
from gold_splits import gold_split



@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The sklearn model trained on the full train split, thresholds on dev, saved and reloaded."""
    notes, labels = gold_split("train")
    dev = gold_split("dev")
    model = SklearnMarkerModel(name="sklearn-test", seed=5).fit(notes, labels, dev=dev)
    directory = tmp_path_factory.mktemp("sklearn-model")
    model.to_disk(directory)
    return model, directory, dev


def test_the_model_directory_is_readable_data_with_a_card(trained):
    _, directory, _ = trained
    assert {"config.yaml", "vocabulary.json", "weights.npz", "MODEL_CARD.md", "card.json"} <= {p.name for p in directory.iterdir()}
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert config["backend"] == "sklearn"
    assert config["seed"] == 5
    assert config["params"]["char_ngrams"] == [2, 5]
    assert config["trained_on"]["n_notes"] == 347 and len(config["trained_on"]["sha256"]) == 64
    assert set(config["thresholds"]) == set(MARKERS)
    assert "unhandled_concern" in config["markers"]  # the rule settings it reads notes with
    vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
    assert "vurdering" in vocabulary["word"] and "vurd" in vocabulary["char"]


def test_a_loaded_model_gives_the_same_scores_and_flags(trained):
    model, directory, (dev_notes, _) = trained
    loaded = load(directory)
    assert isinstance(loaded, SklearnMarkerModel)
    assert loaded.thresholds == model.thresholds
    np.testing.assert_array_equal(loaded.predict_proba(dev_notes), model.predict_proba(dev_notes))
    assert [a.flags.to_dict() for a in loaded.analyse(dev_notes)] == [a.flags.to_dict() for a in model.analyse(dev_notes)]


def test_every_flag_quotes_sentences_of_the_note_with_a_danish_reason(trained):
    model, _, (dev_notes, _) = trained
    flagged = 0
    for note, analysis in zip(dev_notes, model.analyse(dev_notes)):
        for marker in MARKERS:
            result = analysis.flags.markers[marker]
            if not result.flag:
                # an unflagged concern may point at its handling in the same note; nothing else quotes
                assert all(marker == UNHANDLED_CONCERN and e.reason.startswith("Behandlet som underretning") for e in result.evidence)
                continue
            flagged += 1
            assert result.evidence
            for evidence in result.evidence:
                assert note.text[evidence.start:evidence.end] == evidence.text
                assert evidence.reason.startswith("Modellen vurderer, at denne sætning")
    assert flagged > 40


def test_an_unhandled_concern_flag_names_the_concern_types_the_rules_see_in_its_evidence(trained):
    model, _, (dev_notes, dev_labels) = trained
    analyses = model.analyse(dev_notes)
    typed = [a.flags.markers[UNHANDLED_CONCERN].concern_types for a in analyses if a.flags.markers[UNHANDLED_CONCERN].flag]
    assert typed and sum(1 for t in typed if t) >= len(typed) // 2


def test_a_concern_handled_in_the_note_is_not_flagged_but_keeps_its_type_and_says_where_it_was_handled(trained):
    model, _, _ = trained
    note = Note("h-2", "c-2", datetime(2025, 3, 4, 10),
                "Mor ringer og fortæller, at hendes kæreste har slået [BARN]. Henvendelsen behandles som underretning, "
                "og der er lavet en akutvurdering.")
    result = model.analyse([note])[0].flags.markers[UNHANDLED_CONCERN]
    assert not result.flag
    assert result.concern_types == ["violence"]
    assert result.evidence and "samme notat" in result.evidence[0].reason
    plain = model.analyse([Note("p-1", "c-3", datetime(2025, 3, 4, 10), "Mor ringer og flytter mødet til torsdag.")])[0]
    assert plain.flags.markers[UNHANDLED_CONCERN].concern_types == [] and not plain.flags.markers[UNHANDLED_CONCERN].evidence


def test_handling_records_for_the_case_timeline_come_from_the_rules(trained):
    model, _, _ = trained
    note = Note("h-1", "c-1", datetime(2025, 3, 4, 10), "Oplysningerne behandles som underretning. Der er foretaget en akutvurdering.")
    (analysis,) = model.analyse([note])
    assert analysis.handling and analysis.handling[0].reason == "Behandlet som underretning"


def test_scores_are_platt_calibrated_probabilities_as_scikit_learn_computes_them(trained):
    model, _, _ = trained
    notes, labels = gold_split("train")
    readings = model.read(notes)
    X = model._features(readings)
    Y = marker_targets(labels, readings)
    j = MARKERS.index("missing_assessment")
    reference = CalibratedClassifierCV(
        LogisticRegression(C=model.C, class_weight="balanced", max_iter=5000, solver="liblinear", dual=True, random_state=5),
        method="sigmoid", cv=StratifiedKFold(5, shuffle=True, random_state=5), ensemble=False,
    ).fit(X, Y[:, j])
    dev_readings = model.read(gold_split("dev", 40)[0])
    ours = model._score_readings(dev_readings)[:, j]
    np.testing.assert_allclose(ours, reference.predict_proba(model._features(dev_readings))[:, 1], rtol=1e-9)
    assert ((ours > 0) & (ours < 1)).all()


def test_character_ngrams_keep_a_misspelt_note_close_to_the_original(trained):
    model, _, (dev_notes, _) = trained
    from dataclasses import replace

    note = next(n for n in dev_notes if "vurdering" in n.text.lower())
    typo = replace(note, text=note.text.replace("vurdering", "vurdreing").replace("Vurdering", "Vurdreing"))
    clean, misspelt = model.predict_proba([note, typo])
    assert np.abs(clean - misspelt).max() < 0.2


def test_the_same_seed_trains_the_same_model_and_another_seed_another_calibration():
    notes, labels = gold_split("train", 120)
    dev = gold_split("dev", 60)
    first = SklearnMarkerModel(seed=11).fit(notes, labels, dev=dev)
    second = SklearnMarkerModel(seed=11).fit(notes, labels, dev=dev)
    third = SklearnMarkerModel(seed=12).fit(notes, labels, dev=dev)
    np.testing.assert_array_equal(first.predict_proba(dev[0]), second.predict_proba(dev[0]))
    assert first.thresholds == second.thresholds
    assert [a.flags.to_dict() for a in first.analyse(dev[0])] == [a.flags.to_dict() for a in second.analyse(dev[0])]
    assert not np.array_equal(first.predict_proba(dev[0]), third.predict_proba(dev[0]))


def test_rule_features_can_be_switched_off_and_the_model_still_loads(tmp_path):
    notes, labels = gold_split("train", 80)
    model = SklearnMarkerModel(role_features=False, max_char_features=2000).fit(notes, labels)
    assert model.thresholds == {m: 0.5 for m in MARKERS}  # no dev: the neutral threshold
    model.to_disk(tmp_path)
    loaded = SklearnMarkerModel.from_disk(tmp_path)
    assert loaded.role_features is False
    np.testing.assert_array_equal(loaded.predict_proba(notes[:10]), model.predict_proba(notes[:10]))


def test_a_model_directory_without_weights_is_refused_by_name(trained, tmp_path):
    _, directory, _ = trained
    (tmp_path / "config.yaml").write_text((directory / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LearnedModelError, match="lacks vocabulary.json"):
        SklearnMarkerModel.from_disk(tmp_path)


def test_bad_parameters_are_refused_when_the_model_is_built():
    with pytest.raises(LearnedModelError, match="char_ngrams"):
        SklearnMarkerModel(char_ngrams=(5, 2))
    with pytest.raises(LearnedModelError, match="C must be positive"):
        SklearnMarkerModel(C=0)
    with pytest.raises(LearnedModelError, match="threshold target"):
        SklearnMarkerModel(threshold_targets={"unhandled_concern": "recall:2"})


def test_an_untrained_model_says_so():
    with pytest.raises(LearnedModelError, match="not trained"):
        SklearnMarkerModel().predict_proba(gold_split("dev", 2)[0])


def test_a_model_keeps_working_when_the_rules_gain_a_feature_and_refuses_one_it_lost(trained, tmp_path):
    import shutil

    model, directory, (dev_notes, _) = trained
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    vocabulary = json.loads((copy / "vocabulary.json").read_text(encoding="utf-8"))
    vocabulary["rule_features"] = vocabulary["rule_features"][:-1]  # as if trained before the last feature existed
    with np.load(copy / "weights.npz") as weights:
        arrays = {k: weights[k] for k in weights.files}
    arrays["coef"] = arrays["coef"][:, :-1]
    np.savez_compressed(copy / "weights.npz", **arrays)
    (copy / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    older = SklearnMarkerModel.from_disk(copy)
    assert older.predict_proba(dev_notes[:5]).shape == (5, len(MARKERS))

    vocabulary["rule_features"][0] = "max:NO_SUCH_ROLE"
    (copy / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LearnedModelError, match="no longer computes.*NO_SUCH_ROLE"):
        SklearnMarkerModel.from_disk(copy)
