"""Train one backend from gold files: data, seed, fit, thresholds on dev, metrics, model directory.

`journaltjek train` and `journaltjek compare` both go through `train_model`, so a model in the
comparison table is exactly the model `train` would write:

1. read the training split (+ `synthetic` notes from the generator, same seed → same notes);
2. build the backend with its parameters and the seed, `fit` it (learned backends early-stop
   and choose their thresholds on dev inside `fit`); the rules learn nothing, but get their
   thresholds chosen on dev the same way when a dev split is given;
3. measure precision, recall and F1 per marker on dev and test, after the case timeline,
   exactly as `journaltjek scan` flags, plus notes per second;
4. write the model directory with its card.

Test figures are measured, never used for a choice.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from annotations.schema import GoldRecord, parse_gold_record, read_gold
from evaluation.metrics import marker_metrics
from models.base import JournalModel
from models.learned import (
    DEFAULT_THRESHOLD_TARGETS, LearnedMarkerModel, cleared_by_later_handling, library_versions, rule_model_config,
    thresholds_on_dev,
)
from models.registry import BACKENDS, backend_class
from pipeline.schema import MARKERS

log = logging.getLogger(__name__)

SPEED_WARMUP_NOTES = 8


class TrainingError(ValueError):
    """A training run that cannot start: unknown backend, bad parameter, missing file."""


@dataclass(slots=True)
class TrainingSpec:
    backend: str
    train: Path
    output: Path | None = None
    dev: Path | None = None
    test: Path | None = None
    synthetic: int = 0
    seed: int = 0
    name: str | None = None
    version: str = "0.1.0"
    params: dict[str, Any] = field(default_factory=dict)
    threshold_targets: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class TrainingResult:
    model: JournalModel
    metrics: dict[str, Any]
    seconds: float


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_split(path: str | Path | None, what: str) -> list[GoldRecord]:
    if path is None:
        return []
    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"{what} file {path} does not exist")
    records = read_gold(path)
    if not records:
        raise TrainingError(f"{what} file {path} holds no notes")
    return records


def synthetic_records(n: int, seed: int) -> list[GoldRecord]:
    """`n` labelled synthetic notes (whole cases) from the generator of `journaltjek synth`."""
    if n <= 0:
        return []
    from annotations.synth.generator import SyntheticCorpus

    return [parse_gold_record(r, where=f"synthetic note {i}") for i, r in enumerate(SyntheticCorpus(seed=seed).records(n))]


def build_model(spec: TrainingSpec) -> JournalModel:
    if spec.backend not in BACKENDS:
        raise TrainingError(f"unknown backend '{spec.backend}'; known: {', '.join(sorted(BACKENDS))}")
    cls = backend_class(spec.backend)
    name = spec.name or spec.backend
    if spec.backend == "rules":
        if spec.params:
            raise TrainingError(f"the rules backend takes no --param (its settings live in its config.yaml): got {sorted(spec.params)}")
        config = rule_model_config()
        return cls(name=name, version=spec.version, thresholds=config.get("thresholds"), settings=config["markers"],
                   case_window_hours=float(config.get("case_window_hours", 24)))
    if not issubclass(cls, LearnedMarkerModel):
        raise TrainingError(f"backend '{spec.backend}' cannot be trained")
    try:
        return cls(name=name, version=spec.version, seed=spec.seed, threshold_targets=spec.threshold_targets or None, **spec.params)
    except TypeError as exc:
        raise TrainingError(f"backend '{spec.backend}' does not take these parameters: {exc}") from None
    except ValueError as exc:
        raise TrainingError(f"backend '{spec.backend}': {exc}") from None


def seed_everything(seed: int) -> None:
    """Python's and numpy's global generators; backends seed their own libraries from `seed`."""
    random.seed(seed)
    np.random.seed(seed % (2**32))


def choose_rule_thresholds(model: JournalModel, dev: Sequence[GoldRecord], targets: Mapping[str, str]) -> dict[str, float]:
    """Dev thresholds for a model that does not choose its own (the rules), by the same rule."""
    analyses = model.analyse([r.note for r in dev])
    scores = np.array([[a.flags.markers[m].score for m in MARKERS] for a in analyses])
    cleared = cleared_by_later_handling([r.note for r in dev], [a.handling for a in analyses],
                                        model.case_window.total_seconds() / 3600)
    return thresholds_on_dev(scores, [r.labels for r in dev], cleared, {**DEFAULT_THRESHOLD_TARGETS, **targets})


def measure(model: JournalModel, records: Sequence[GoldRecord]) -> dict[str, Any]:
    """Precision, recall, F1 (and PR-AUC) per marker after the case timeline, and notes/s."""
    from pipeline.batch import predict_notes

    notes = [r.note for r in records]
    model.analyse(notes[:SPEED_WARMUP_NOTES])  # compile patterns, load weights: not part of the rate
    started = time.perf_counter()
    flags = predict_notes(model, notes)
    elapsed = time.perf_counter() - started
    out: dict[str, Any] = {"n_notes": len(notes), "notes_per_second": len(notes) / elapsed if elapsed > 0 else None}
    for m, flag_list in ((m, [f.markers[m] for f in flags]) for m in MARKERS):
        figures = marker_metrics([r.labels[m] for r in records], [x.flag for x in flag_list], [x.score for x in flag_list])
        out[m] = {k: figures[k] for k in ("precision", "recall", "f1", "support", "n_flagged", "pr_auc")}
    out["macro_f1"] = float(np.mean([out[m]["f1"] for m in MARKERS]))
    return out


def train_model(spec: TrainingSpec, progress: bool = True) -> TrainingResult:
    """Run the whole training recipe (see the module docstring); write the model if `spec.output`."""
    from tqdm import tqdm

    started = time.perf_counter()
    seed_everything(spec.seed)
    stages = ["data", "fit", "dev", "test", "write"]
    bar = tqdm(total=len(stages), desc=f"train {spec.backend}", unit="stage", disable=None if progress else True)
    try:
        train = read_split(spec.train, "training")
        dev = read_split(spec.dev, "dev")
        test = read_split(spec.test, "test")
        synthetic = synthetic_records(spec.synthetic, spec.seed)
        model = build_model(spec)
        bar.update(1)

        records = train + synthetic
        bar.set_postfix(stage="fit", notes=len(records))
        if isinstance(model, LearnedMarkerModel):
            model.fit([r.note for r in records], [r.labels for r in records],
                      dev=([r.note for r in dev], [r.labels for r in dev]) if dev else None)
        elif dev:
            model.thresholds = choose_rule_thresholds(model, dev, spec.threshold_targets)
        bar.update(1)

        metrics: dict[str, Any] = {}
        for split, split_records in (("dev", dev), ("test", test)):
            bar.set_postfix(stage=split)
            if split_records:
                metrics[split] = measure(model, split_records)
                metrics[split]["gold"] = Path(spec.dev if split == "dev" else spec.test).name
            bar.update(1)

        trained_on = {
            "file": str(spec.train),
            "sha256": file_sha256(spec.train),
            "n_notes": len(records),
            "synthetic": spec.synthetic,
            "dev_file": str(spec.dev) if spec.dev else None,
        }
        if isinstance(model, LearnedMarkerModel):
            model.trained_on_ = trained_on
            model.metrics_ = metrics
        if spec.output is not None:
            bar.set_postfix(stage="write")
            targets = {**DEFAULT_THRESHOLD_TARGETS, **spec.threshold_targets} if dev else None
            write_model(model, Path(spec.output), trained_on, metrics, targets)
        bar.update(1)
    finally:
        bar.close()
    return TrainingResult(model=model, metrics=metrics, seconds=time.perf_counter() - started)


def write_model(model: JournalModel, output: Path, trained_on: dict[str, Any], metrics: dict[str, Any],
                threshold_targets: Mapping[str, str] | None = None) -> None:
    """The model directory; the rules model gets a card here (it writes none itself)."""
    model.to_disk(output)
    if isinstance(model, LearnedMarkerModel):
        return
    import yaml

    from models.card import write_card

    with open(output / "config.yaml", encoding="utf-8") as fh:
        config = yaml.safe_load(fh) or {}
    from datetime import datetime

    config.update({
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "trained_on": {**trained_on, "note": "rules are written by hand; only the thresholds were chosen on dev"},
        "threshold_targets": dict(threshold_targets) if threshold_targets else {m: "set by hand" for m in MARKERS},
        "libraries": library_versions(),
    })
    write_card(output, config, metrics)
