"""Find and load model directories: `load("default")`, `load("/path/to/model")`.

A model directory holds `config.yaml` with at least `backend:`; the backend class named there
reads the rest. Named models are the directories shipped inside this package (`models/default/`)
and any under `$JOURNALTJEK_MODELS`.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import yaml

from models.base import JournalModel

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_NAME = "default"

# backend name -> "module:Class"
BACKENDS: dict[str, str] = {
    "rules": "models.rules_model:RulesModel",
    "sklearn": "models.sklearn_model:SklearnMarkerModel",
    "hybrid": "models.hybrid_model:HybridModel",
    "spacy": "models.spacy_model:SpacyTextcatModel",
    "transformer": "models.transformer_model:TransformerModel",
}


class ModelNotFound(Exception):
    pass


def model_search_dirs() -> list[Path]:
    dirs = [PACKAGE_DIR]
    extra = os.environ.get("JOURNALTJEK_MODELS")
    if extra:
        dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    return dirs


def available_models() -> dict[str, Path]:
    """Named model directories: every folder with a config.yaml in the search dirs."""
    found: dict[str, Path] = {}
    for base in model_search_dirs():
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (child / "config.yaml").is_file() and child.name not in found:
                found[child.name] = child
    return found


def resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if (path / "config.yaml").is_file():
        return path
    named = available_models()
    if str(name_or_path) in named:
        return named[str(name_or_path)]
    raise ModelNotFound(
        f"no model '{name_or_path}': not a directory with config.yaml and not one of {sorted(named)}"
    )


def read_config(model_dir: Path) -> dict:
    with open(model_dir / "config.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def backend_class(backend: str) -> type[JournalModel]:
    if backend not in BACKENDS:
        raise ModelNotFound(f"unknown backend '{backend}'; known: {sorted(BACKENDS)}")
    module_name, class_name = BACKENDS[backend].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def load(name_or_path: str | Path = DEFAULT_MODEL_NAME) -> JournalModel:
    model_dir = resolve(name_or_path)
    config = read_config(model_dir)
    if "backend" not in config:
        raise ModelNotFound(f"{model_dir / 'config.yaml'} names no backend")
    return backend_class(config["backend"]).from_disk(model_dir)
