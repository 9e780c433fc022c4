"""The rule model: the shipped default, its directory on disk, and its config checks."""

from __future__ import annotations

from datetime import datetime

import pytest
import yaml

from models import load
from models.rules_model import ModelConfigError, RulesModel
from pipeline.schema import MARKERS, Note

NOTE = Note("n1", "c1", datetime(2024, 4, 2, 8, 30),
            "Der træffes afgørelse om aflastning iht. § 52, stk. 3, nr. 5. Mor var beruset ved mødet.")


def test_a_rules_model_takes_the_shipped_rule_settings_by_default():
    model = RulesModel()
    assert model.backend == "rules"
    assert set(model.thresholds) == set(MARKERS)
    assert set(model.settings) == set(MARKERS)
    assert model.case_window.total_seconds() == 24 * 3600


def test_a_named_rules_model_loads_as_the_rule_model():
    from models.registry import available_models

    named = [name for name, path in available_models().items()
             if yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")).get("backend") == "rules"]
    assert named, "no rules model ships with the package"
    assert isinstance(load(named[0]), RulesModel)


def test_a_saved_model_is_complete_and_gives_the_same_flags(tmp_path):
    model = RulesModel()
    model.to_disk(tmp_path / "copy")
    assert (tmp_path / "copy" / "resources" / "roles" / "concern.yaml").is_file()
    assert (tmp_path / "copy" / "resources" / "jargon_lexicon.yaml").is_file()
    again = load(tmp_path / "copy")
    assert again.thresholds == model.thresholds and again.settings == model.settings
    assert again.analyse([NOTE])[0].flags.to_dict()["markers"] == model.analyse([NOTE])[0].flags.to_dict()["markers"]


def test_a_config_missing_a_marker_setting_is_refused_by_name(tmp_path):
    RulesModel().to_disk(tmp_path / "broken")
    path = tmp_path / "broken" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    del config["markers"]["authority_jargon"]["min_items"]
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelConfigError, match="authority_jargon.*min_items"):
        RulesModel.from_disk(tmp_path / "broken")


def test_a_threshold_outside_the_unit_interval_is_refused():
    with pytest.raises(ModelConfigError, match="thresholds"):
        RulesModel(thresholds={m: 1.5 for m in MARKERS})


def test_a_config_pointing_at_missing_resources_is_refused(tmp_path):
    RulesModel().to_disk(tmp_path / "m")
    path = tmp_path / "m" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["resources"]["roles"] = "nowhere"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelConfigError, match="resources.roles"):
        RulesModel.from_disk(tmp_path / "m")


def test_predict_proba_gives_one_score_per_marker():
    scores = RulesModel().predict_proba([NOTE, NOTE])
    assert scores.shape == (2, len(MARKERS))
    assert ((scores >= 0) & (scores <= 1)).all()
