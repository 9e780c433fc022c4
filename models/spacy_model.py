"""The `spacy` backend: a `textcat_multilabel` pipeline trained through spaCy's config system.

The training recipe is a spaCy config file (models/resources/textcat.cfg, a bag-of-n-grams
model that is fast on a CPU; textcat_ensemble.cfg adds a small CNN). The model's parameters
become config overrides, the pipeline is built with `spacy.util.load_model_from_config`, and it
is trained with spaCy's own loop (`spacy.training.loop.train_while_improving`): the config's
batcher, optimizer, dropout, `eval_frequency`, `patience`, `max_epochs` and `max_steps` apply
with spaCy's meaning. Early stopping and the kept checkpoint use the dev split's mean average
precision over the markers (thresholds are chosen on dev afterwards, see models.learned).

Documents are whole notes, tokenised by spaCy's Danish tokenizer with the journal
abbreviations of pipeline/text.py as special cases: the very docs the rule tagger reads, so a
note is tokenised once per scan. The trained pipeline is written into the model directory with
`nlp.to_disk` (config.cfg, meta.json, tokenizer, vocab, textcat_multilabel/), so
`spacy.load(model_dir)` also works on its own; config.yaml and the model card sit beside it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from models.early_stopping import mean_average_precision
from models.learned import LearnedMarkerModel, LearnedModelError, NoteReading
from pipeline.schema import MARKERS

RESOURCES = Path(__file__).resolve().parent / "resources"
ARCHITECTURES: dict[str, str] = {"bow": "textcat.cfg", "ensemble": "textcat_ensemble.cfg"}
COMPONENT = "textcat_multilabel"
PREDICT_BATCH = 256

log = logging.getLogger(__name__)


class SpacyTextcatModel(LearnedMarkerModel):
    """Note-level marker scores from a spaCy `textcat_multilabel` component.

    Parameters (all optional; each is also a `--param key=value` of `journaltjek train`):
    architecture "bow" | "ensemble"; ngram_size (1-3); max_epochs; patience and eval_frequency
    (in training steps, spaCy's meaning); dropout; learn_rate; overrides: any further spaCy
    config overrides as {"section.key": value}.
    """

    backend = "spacy"

    def __init__(
        self,
        name: str = "spacy",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        seed: int = 0,
        threshold_targets: Mapping[str, str] | None = None,
        case_window_hours: float = 24.0,
        architecture: str = "bow",
        ngram_size: int = 2,
        max_epochs: int = 20,
        patience: int = 200,
        eval_frequency: int = 20,
        dropout: float = 0.1,
        learn_rate: float = 0.001,
        overrides: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds, seed=seed,
                         threshold_targets=threshold_targets, case_window_hours=case_window_hours)
        if architecture not in ARCHITECTURES:
            raise LearnedModelError(f"spacy backend: architecture '{architecture}' is not one of {sorted(ARCHITECTURES)}")
        if not 1 <= int(ngram_size) <= 3:
            raise LearnedModelError(f"spacy backend: ngram_size must be 1, 2 or 3, got {ngram_size}")
        self.architecture = architecture
        self.ngram_size = int(ngram_size)
        self.max_epochs = int(max_epochs)
        self.patience = int(patience)
        self.eval_frequency = int(eval_frequency)
        self.dropout = float(dropout)
        self.learn_rate = float(learn_rate)
        self.overrides = dict(overrides or {})
        self.nlp_ = None
        self.best_step_: int | None = None
        self.best_dev_score_: float | None = None

    # -- configuration --------------------------------------------------------------------------

    def config_overrides(self) -> dict[str, Any]:
        """The model's parameters as spaCy config overrides (the user's `overrides` win)."""
        model_path = f"components.{COMPONENT}.model"
        ngram_key = f"{model_path}.linear_model.ngram_size" if self.architecture == "ensemble" else f"{model_path}.ngram_size"
        return {
            "system.seed": self.seed,
            ngram_key: self.ngram_size,
            "training.max_epochs": self.max_epochs,
            "training.patience": self.patience,
            "training.eval_frequency": self.eval_frequency,
            "training.dropout": self.dropout,
            "training.optimizer.learn_rate": self.learn_rate,
            **self.overrides,
        }

    def training_config(self):
        """The spaCy config this model trains from: the packaged .cfg with the overrides applied."""
        from spacy.util import load_config

        try:
            return load_config(RESOURCES / ARCHITECTURES[self.architecture], overrides=self.config_overrides(), interpolate=False)
        except Exception as exc:  # spaCy raises ConfigValidationError, KeyError, ...
            raise LearnedModelError(f"spacy backend: the config overrides do not fit {ARCHITECTURES[self.architecture]} ({exc})") from None

    # -- training -------------------------------------------------------------------------------

    def _fit_readings(self, readings: list[NoteReading], Y: np.ndarray, dev_readings: list[NoteReading] | None,
                      dev_Y: np.ndarray | None) -> None:
        from spacy.schemas import ConfigSchemaTraining
        from spacy.training import Example
        from spacy.training.loop import create_train_batches, train_while_improving
        from spacy.util import fix_random_seed, load_model_from_config, registry
        from tqdm.auto import tqdm

        fix_random_seed(self.seed)
        nlp = load_model_from_config(self.training_config(), auto_fill=True, validate=True)
        add_journal_special_cases(nlp)
        training = registry.resolve(nlp.config.interpolate()["training"], schema=ConfigSchemaTraining)
        has_dev = dev_readings is not None and len(dev_readings) > 0
        if not has_dev and not training["max_epochs"] and not training["max_steps"]:
            raise LearnedModelError("spacy backend: without a dev split, set max_epochs or training.max_steps (nothing would stop training)")

        examples = [
            Example.from_dict(doc, {"cats": {m: float(y) for m, y in zip(MARKERS, row)}})
            for doc, row in zip(self._docs(readings, nlp), Y)
        ]
        fix_random_seed(self.seed)
        optimizer = nlp.initialize(get_examples=lambda: examples)
        textcat = nlp.get_pipe(COMPONENT)
        dev_docs = self._docs(dev_readings, nlp) if has_dev else []

        def evaluate() -> tuple[float, dict[str, float]]:
            if not has_dev:
                return 0.0, {}
            return mean_average_precision(dev_Y, self._predict_docs(textcat, dev_docs))

        batches = create_train_batches(nlp, lambda _nlp: examples, training["batcher"], training["max_epochs"])
        steps = train_while_improving(
            nlp, optimizer, batches, evaluate,
            dropout=training["dropout"], eval_frequency=training["eval_frequency"],
            accumulate_gradient=training["accumulate_gradient"], patience=training["patience"] if has_dev else 0,
            max_steps=training["max_steps"], exclude=[], annotating_components=[], before_update=None,
        )
        best_bytes, best_step, best_score = None, None, None
        with tqdm(desc="spaCy textcat", unit="step", disable=None) as progress:
            for _batch, info, is_best in steps:
                progress.update(1)
                if is_best is not None:
                    progress.set_postfix(epoch=info["epoch"], dev_map=f"{info['score']:.3f}")
                if is_best and has_dev:
                    best_bytes, best_step, best_score = textcat.to_bytes(exclude=["vocab"]), info["step"], info["score"]
        if best_bytes is not None:
            textcat.from_bytes(best_bytes, exclude=["vocab"])
            log.info("spacy backend: kept the step %d checkpoint (dev mean AP %.3f)", best_step, best_score)
        self.nlp_, self.best_step_, self.best_dev_score_ = nlp, best_step, best_score

    # -- scoring --------------------------------------------------------------------------------

    def _score_readings(self, readings: list[NoteReading]) -> np.ndarray:
        nlp = self._trained_nlp()
        return self._predict_docs(nlp.get_pipe(COMPONENT), self._docs(readings, nlp))

    def _score_texts(self, texts: list[str]) -> np.ndarray:
        nlp = self._trained_nlp()
        return self._predict_docs(nlp.get_pipe(COMPONENT), [nlp.make_doc(t) for t in texts])

    @staticmethod
    def _docs(readings: Sequence[NoteReading], nlp) -> list:
        """The reading's own doc where the chunk kept one (tokenised once), else a fresh one."""
        return [r.doc if r.doc is not None else nlp.make_doc(r.text) for r in readings]

    @staticmethod
    def _predict_docs(textcat, docs: list) -> np.ndarray:
        """Scores (n, 4) in MARKERS order, straight from the component's model (no doc.cats writes).

        A text without a single token scores 0 for every marker: there is nothing in it to
        flag (and spaCy's n-gram layer cannot read an empty doc in a batch)."""
        scores = np.zeros((len(docs), len(MARKERS)))
        order = [list(textcat.labels).index(m) for m in MARKERS]
        readable = [i for i, doc in enumerate(docs) if len(doc)]
        for b in range(0, len(readable), PREDICT_BATCH):
            rows = readable[b:b + PREDICT_BATCH]
            predicted = textcat.model.ops.to_numpy(textcat.predict([docs[i] for i in rows]))
            scores[rows] = np.asarray(predicted, dtype=float)[:, order]
        return scores

    def _trained_nlp(self):
        if self.nlp_ is None:
            raise LearnedModelError("spacy backend: the model is not trained (call fit or from_disk first)")
        return self.nlp_

    # -- the model directory --------------------------------------------------------------------

    def _save_weights(self, directory: Path) -> None:
        self._trained_nlp().to_disk(directory)

    def _load_weights(self, directory: Path) -> None:
        import spacy

        if not (directory / "config.cfg").is_file() or not (directory / COMPONENT).is_dir():
            raise LearnedModelError(f"{directory}: no trained spaCy pipeline (config.cfg and {COMPONENT}/ expected)")
        nlp = spacy.load(directory)
        if COMPONENT not in nlp.pipe_names or sorted(nlp.get_pipe(COMPONENT).labels) != sorted(MARKERS):
            raise LearnedModelError(f"{directory}: the spaCy pipeline has no {COMPONENT} with the four marker labels")
        self.nlp_ = nlp

    def _config_extra(self) -> dict[str, Any]:
        return {
            "architecture": self.architecture,
            "ngram_size": self.ngram_size,
            "max_epochs": self.max_epochs,
            "patience": self.patience,
            "eval_frequency": self.eval_frequency,
            "dropout": self.dropout,
            "learn_rate": self.learn_rate,
            "overrides": dict(self.overrides),
        }


def add_journal_special_cases(nlp) -> None:
    """Teach the pipeline's tokenizer the journal abbreviations pipeline/text.py keeps whole,
    so that `spacy.load(model_dir)` tokenises exactly as the scan does."""
    from spacy.symbols import ORTH

    from pipeline.text import JOURNAL_ABBREVIATIONS

    for abbreviation in JOURNAL_ABBREVIATIONS:
        for form in {abbreviation, abbreviation.capitalize(), abbreviation.upper()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
