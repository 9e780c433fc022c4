"""The transformer backend: fine-tunes a local encoder offline, windows long notes, loads back the same.

The encoder is a tiny BERT built here from the gold train texts (tests/models/tiny_bert.py):
random weights, a WordPiece vocabulary of our own, a few hundred thousand parameters.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import yaml


from tiny_bert import build_tiny_bert  # noqa: E402

from models.learned import LearnedModelError  # noqa: E402
from models.transformer_model import TransformerModel  # noqa: E402
from pipeline.schema import MARKERS, Note  # noqa: E402
from gold_splits import gold_split  # noqa: E402

FAST = dict(max_length=64, epochs=2, patience=0, batch_size=8, learning_rate=1e-3, num_threads=1)


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    notes, _ = gold_split("train")
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), [n.text for n in notes], vocab_size=2000, hidden_size=32)


@pytest.fixture(scope="module")
def trained(tiny_encoder, tmp_path_factory):
    """Fine-tuned on 120 train notes, dev thresholds on 60 dev notes, with the network cut off."""
    notes, labels = gold_split("train", 120)
    dev = gold_split("dev", 60)

    def refuse(*args, **kwargs):
        raise AssertionError("the transformer backend tried to reach the network")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        model = TransformerModel(name="tf-test", base_model=str(tiny_encoder), seed=5, **FAST).fit(notes, labels, dev=dev)
        directory = tmp_path_factory.mktemp("tf-model")
        model.to_disk(directory)
    return model, directory, dev


def _long_note(n_sentences: int) -> Note:
    from datetime import datetime

    topics = ["skolen", "weekenden", "lægen", "fritiden", "maden", "søvnen", "vennerne"]
    places = ["hjemme", "i klubben", "hos farmor", "i bilen", "på legepladsen"]
    text = " ".join(f"Mor fortalte d.d. om {topics[i % 7]} og om dagene {places[i % 5]}." for i in range(n_sentences))
    return Note(note_id="LONG-1", case_id="LONG", written_at=datetime(2025, 3, 1, 10, 0), text=text)


@pytest.mark.slow
def test_a_loaded_model_gives_the_same_scores_and_flags(trained):
    model, directory, (dev_notes, _) = trained
    loaded = TransformerModel.from_disk(directory)
    assert loaded.thresholds == pytest.approx(model.thresholds)
    np.testing.assert_allclose(loaded.predict_proba(dev_notes), model.predict_proba(dev_notes), atol=1e-5)
    before = [a.flags.to_dict() for a in model.analyse(dev_notes[:20])]
    after = [a.flags.to_dict() for a in loaded.analyse(dev_notes[:20])]
    assert after == before


@pytest.mark.slow
def test_the_model_directory_holds_the_fine_tuned_encoder_and_its_parameters(trained, tiny_encoder):
    _, directory, _ = trained
    assert (directory / "encoder" / "config.json").is_file()
    assert (directory / "encoder" / "tokenizer.json").is_file()
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert config["backend"] == "transformer"
    assert config["params"]["base_model"] == str(tiny_encoder)
    assert config["params"]["max_length"] == 64
    encoder_config = yaml.safe_load((directory / "encoder" / "config.json").read_text(encoding="utf-8"))
    assert encoder_config["problem_type"] == "multi_label_classification"
    assert [encoder_config["id2label"][str(i)] for i in range(4)] == list(MARKERS)


@pytest.mark.slow
def test_models_load_finds_the_backend_by_its_config(trained):
    from models import load

    model, directory, (dev_notes, _) = trained
    loaded = load(directory)
    assert isinstance(loaded, TransformerModel)
    np.testing.assert_allclose(loaded.predict_proba(dev_notes[:5]), model.predict_proba(dev_notes[:5]), atol=1e-5)


@pytest.mark.slow
def test_a_long_note_is_read_in_overlapping_windows_and_scored_by_its_best_window(trained):
    model, _, _ = trained
    note = _long_note(40)
    reading = model.read([note])[0]
    windows = model._encode_notes([reading])[0]
    assert len(windows) > 3
    assert all(len(ids) <= model.max_length for ids in windows)
    per_window = model._score_windows([[ids] for ids in windows])
    np.testing.assert_allclose(model.predict_proba([note])[0], per_window.max(axis=0), atol=1e-6)


@pytest.mark.slow
def test_consecutive_windows_share_exactly_one_sentence(trained):
    from models.transformer_model import reading_spans

    model, _, _ = trained
    reading = model.read([_long_note(30)])[0]
    sentences = reading_spans(reading)
    windows = model._window_spans([reading.text], [sentences])[0]
    starts = [s for s, _ in sentences]
    ends = [e for _, e in sentences]
    assert len(windows) > 2
    assert windows[0][0] == starts[0] and windows[-1][1] == ends[-1]
    for (left_start, left_end), (right_start, right_end) in zip(windows, windows[1:]):
        assert right_start in starts and left_end in ends  # whole sentences
        shared = [s for s in sentences if s[0] >= right_start and s[1] <= left_end]
        assert len(shared) == 1


@pytest.mark.slow
def test_a_sentence_longer_than_a_window_is_cut_not_dropped(trained):
    from datetime import datetime

    model, _, _ = trained
    words = " ".join(f"ord{i}" for i in range(200))  # one sentence, far over 64 tokens
    note = Note(note_id="ONE-1", case_id="ONE", written_at=datetime(2025, 3, 1), text=words)
    windows = model._encode_notes(model.read([note]))[0]
    text = " ".join(model.tokenizer_.decode(ids, skip_special_tokens=True) for ids in windows)
    assert "ord0" in text.replace(" ", "") and "ord199" in text.replace(" ", "")


@pytest.mark.slow
def test_the_same_seed_fine_tunes_the_same_model(tiny_encoder):
    notes, labels = gold_split("train", 40)
    params = dict(FAST, epochs=1)
    first = TransformerModel(base_model=str(tiny_encoder), seed=9, **params).fit(notes, labels)
    second = TransformerModel(base_model=str(tiny_encoder), seed=9, **params).fit(notes, labels)
    np.testing.assert_allclose(first.predict_proba(notes[:10]), second.predict_proba(notes[:10]), atol=1e-6)


def test_training_without_a_base_model_is_refused_with_what_to_pass():
    notes, labels = gold_split("train", 4)
    with pytest.raises(LearnedModelError, match="--base-model"):
        TransformerModel().fit(notes, labels)


def test_a_base_model_that_is_not_an_encoder_directory_is_refused(tmp_path):
    notes, labels = gold_split("train", 4)
    with pytest.raises(LearnedModelError, match="no config.json"):
        TransformerModel(base_model=str(tmp_path)).fit(notes, labels)


def test_an_untrained_model_refuses_to_score():
    notes, _ = gold_split("dev", 2)
    with pytest.raises(LearnedModelError, match="not trained"):
        TransformerModel().predict_proba(notes)


@pytest.mark.parametrize("key, value", [("max_length", 4), ("epochs", 0), ("learning_rate", 0.0), ("num_threads", 0)])
def test_impossible_parameters_are_refused_by_name(key, value):
    with pytest.raises(LearnedModelError, match=key):
        TransformerModel(**{key: value})
