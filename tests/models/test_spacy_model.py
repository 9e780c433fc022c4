"""The spaCy textcat backend: trains from the gold split through its config, loads back the same."""

from __future__ import annotations


import numpy as np
import pytest
import yaml

from models.early_stopping import mean_average_precision
from models.learned import LearnedModelError, marker_targets
from models.spacy_model import SpacyTextcatModel
from pipeline.schema import MARKERS
from gold_splits import gold_split



@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A bag-of-bigrams textcat trained on the full train split, early-stopped on dev, saved."""
    notes, labels = gold_split("train")
    dev = gold_split("dev")
    model = SpacyTextcatModel(name="spacy-test", max_epochs=6, eval_frequency=10, seed=3).fit(notes, labels, dev=dev)
    directory = tmp_path_factory.mktemp("spacy-model")
    model.to_disk(directory)
    return model, directory, dev


@pytest.mark.slow
def test_the_model_directory_holds_the_spacy_config_and_pipeline(trained):
    _, directory, _ = trained
    assert (directory / "config.cfg").is_file()
    assert (directory / "textcat_multilabel").is_dir()
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert config["backend"] == "spacy"
    assert config["params"]["architecture"] == "bow"
    assert config["params"]["max_epochs"] == 6
    cfg_text = (directory / "config.cfg").read_text(encoding="utf-8")
    assert 'factory = "textcat_multilabel"' in cfg_text and "ngram_size = 2" in cfg_text


@pytest.mark.slow
def test_a_loaded_model_gives_the_same_scores_and_flags(trained):
    model, directory, (dev_notes, _) = trained
    loaded = SpacyTextcatModel.from_disk(directory)
    assert loaded.thresholds == pytest.approx(model.thresholds)
    np.testing.assert_allclose(loaded.predict_proba(dev_notes), model.predict_proba(dev_notes), atol=1e-6)
    before = [a.flags.to_dict() for a in model.analyse(dev_notes[:30])]
    after = [a.flags.to_dict() for a in loaded.analyse(dev_notes[:30])]
    assert after == before


@pytest.mark.slow
def test_models_load_finds_the_backend_by_its_config(trained):
    from models import load

    model, directory, (dev_notes, _) = trained
    loaded = load(directory)
    assert isinstance(loaded, SpacyTextcatModel)
    np.testing.assert_allclose(loaded.predict_proba(dev_notes[:10]), model.predict_proba(dev_notes[:10]), atol=1e-6)


@pytest.mark.slow
def test_the_saved_pipeline_runs_in_plain_spacy_with_the_journal_abbreviations(trained):
    import spacy

    _, directory, _ = trained
    nlp = spacy.load(directory)
    doc = nlp("Samtale d.d. med mor, jf. aftale.")
    assert "d.d." in [t.text for t in doc] and "jf." in [t.text for t in doc]
    assert set(doc.cats) == set(MARKERS)


@pytest.mark.slow
def test_the_trained_model_ranks_dev_notes_far_better_than_chance(trained):
    model, _, (dev_notes, dev_labels) = trained
    targets = marker_targets(dev_labels, model.read(dev_notes))
    score, per_marker = mean_average_precision(targets, model.predict_proba(dev_notes))
    prevalence = targets.mean(axis=0)
    assert score > 0.7
    assert all(per_marker[m] > prevalence[j] + 0.2 for j, m in enumerate(MARKERS))


@pytest.mark.slow
def test_the_same_seed_trains_the_same_model():
    notes, labels = gold_split("train", 60)
    first = SpacyTextcatModel(max_epochs=2, seed=11).fit(notes, labels)
    second = SpacyTextcatModel(max_epochs=2, seed=11).fit(notes, labels)
    np.testing.assert_array_equal(first.predict_proba(notes[:20]), second.predict_proba(notes[:20]))


def test_parameters_become_spacy_config_overrides():
    model = SpacyTextcatModel(architecture="ensemble", ngram_size=1, max_epochs=3, overrides={"training.dropout": 0.3})
    config = model.training_config()
    assert config["components"]["textcat_multilabel"]["model"]["linear_model"]["ngram_size"] == 1
    assert config["training"]["max_epochs"] == 3
    assert config["training"]["dropout"] == 0.3


def test_an_unknown_architecture_is_refused_with_the_known_ones():
    with pytest.raises(LearnedModelError, match="bow"):
        SpacyTextcatModel(architecture="lstm")


def test_an_override_that_does_not_fit_the_config_is_refused():
    with pytest.raises(LearnedModelError, match="overrides"):
        SpacyTextcatModel(overrides={"nosuchsection.key": 1}).training_config()


def test_an_untrained_model_refuses_to_score():
    notes, _ = gold_split("dev", 2)
    with pytest.raises(LearnedModelError, match="not trained"):
        SpacyTextcatModel().predict_proba(notes)


@pytest.mark.slow
def test_a_directory_without_a_pipeline_is_refused(trained, tmp_path):
    _, directory, _ = trained
    (tmp_path / "config.yaml").write_text((directory / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LearnedModelError, match="no trained spaCy pipeline"):
        SpacyTextcatModel.from_disk(tmp_path)


@pytest.mark.slow
def test_a_text_without_tokens_scores_zero_beside_ordinary_texts(trained):
    model, _, _ = trained
    scores = model._score_texts(["Vurdering: -", "", "Mor ringede."])
    assert scores.shape == (3, len(MARKERS))
    assert (scores[1] == 0).all() and (scores[[0, 2]] > 0).all()
