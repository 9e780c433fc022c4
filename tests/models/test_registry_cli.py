"""`journaltjek train`, `journaltjek models list|show` and loading models by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.schema import read_gold, write_gold
from models.registry import BACKENDS, ModelNotFound, available_models, load
from pipeline.cli import main

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "gold"


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory) -> Path:
    """A small sklearn model trained through the CLI."""
    base = tmp_path_factory.mktemp("cli")
    train, dev = base / "train.jsonl", base / "dev.jsonl"
    write_gold(read_gold(GOLD / "train.jsonl")[:120], train)
    write_gold(read_gold(GOLD / "dev.jsonl")[:60], dev)
    out = base / "models" / "kommune-sklearn"
    code = main(["train", "--backend", "sklearn", "--train", str(train), "--dev", str(dev), "-o", str(out),
                 "--seed", "3", "--name", "kommune-sklearn", "--param", "max_char_features=4000",
                 "--thresholds", "authority_jargon=precision:0.8"])
    assert code == 0
    return out


def test_every_backend_is_registered_by_name():
    assert {"rules", "sklearn", "hybrid", "spacy", "transformer"} <= set(BACKENDS)


def test_train_writes_a_model_that_loads_by_path_with_its_parameters(trained_dir, capsys):
    model = load(trained_dir)
    assert model.backend == "sklearn" and model.label == "kommune-sklearn@0.1.0"
    assert model.max_char_features == 4000 and model.seed == 3
    assert model.threshold_targets["authority_jargon"] == "precision:0.8"
    assert (trained_dir / "MODEL_CARD.md").is_file()


def test_models_under_journaltjek_models_are_listed_and_shown_by_name(trained_dir, monkeypatch, capsys):
    monkeypatch.setenv("JOURNALTJEK_MODELS", str(trained_dir.parent))
    assert "kommune-sklearn" in available_models()
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "default" in listing and "kommune-sklearn" in listing and "sklearn" in listing
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert isinstance(rows["kommune-sklearn"]["dev_macro_f1"], float)
    assert main(["models", "show", "kommune-sklearn"]) == 0
    shown = capsys.readouterr().out
    assert "# Model card: kommune-sklearn" in shown and "| dev | unhandled_concern |" in shown
    assert main(["models", "show", "kommune-sklearn", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "sklearn"
    assert load("kommune-sklearn").backend == "sklearn"


def test_the_shipped_default_loads_by_name_and_shows_its_card(capsys):
    model = load("default")
    assert model.backend in BACKENDS
    assert main(["models", "show", "default"]) == 0
    assert "default" in capsys.readouterr().out


def test_an_unknown_model_name_is_a_usage_error(capsys):
    assert main(["models", "show", "no-such-model"]) == 2
    assert "no model 'no-such-model'" in capsys.readouterr().err
    with pytest.raises(ModelNotFound):
        load("no-such-model")


@pytest.mark.parametrize("extra, message", [
    (["--param", "C"], "is not KEY=VALUE"),
    (["--param", "gamma=2"], "does not take these parameters"),
    (["--thresholds", "unhandled_concern=recall"], "not a number"),
    (["--thresholds", "jargon=f1"], "is not MARKER=TARGET"),
    (["--base-model", "somewhere"], "--base-model is for the transformer backend"),
    (["--synthetic", "-3"], "--synthetic must be 0 or more"),
])
def test_train_refuses_bad_options_with_a_clear_message(extra, message, tmp_path, capsys):
    code = main(["train", "--backend", "sklearn", "--train", str(GOLD / "train.jsonl"), "-o", str(tmp_path / "m")] + extra)
    assert code == 2
    assert message in capsys.readouterr().err


def test_train_names_a_missing_gold_file(tmp_path, capsys):
    assert main(["train", "--backend", "sklearn", "--train", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "m")]) == 2
    assert "nope.jsonl does not exist" in capsys.readouterr().err


def test_the_rules_stay_loadable_by_name():
    from models.rules_model import RulesModel

    model = load("rules")
    assert isinstance(model, RulesModel) and model.label == "rules@0.1.0"


def test_models_card_measures_a_model_and_writes_its_card_without_touching_thresholds(tmp_path, capsys):
    import shutil

    from models.card import read_card
    from models.registry import resolve

    shutil.copytree(resolve("rules"), tmp_path / "r")
    before = (tmp_path / "r" / "config.yaml").read_text(encoding="utf-8")
    test = tmp_path / "test.jsonl"
    write_gold(read_gold(GOLD / "test.jsonl")[:30], test)
    assert main(["models", "card", str(tmp_path / "r"), "--test", str(test)]) == 0
    card = read_card(tmp_path / "r")
    assert set(card["metrics"]) == {"test"} and card["metrics"]["test"]["n_notes"] == 30
    assert (tmp_path / "r" / "config.yaml").read_text(encoding="utf-8") == before
    assert "| test | missing_assessment |" in (tmp_path / "r" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert main(["models", "card", str(tmp_path / "r")]) == 2
    assert "give --dev and/or --test" in capsys.readouterr().err
