"""The shared base of every learned note-level marker model (sklearn, spaCy, transformer, hybrid).

A learned model scores each note for the four markers; a marker flags when its score reaches
the marker's threshold. What stays the same for every learned backend lives here:

- the training targets (`marker_targets`): the gold labels as they are for the three
  note-level markers; for `unhandled_concern` a note is a positive when gold says so **or**
  when it holds worrying information (`concern_present`) and the rule tagger finds no
  HANDLING sentence in it. Gold already applies the 24-hour rule across notes, so a concern
  handled by a *later* note is 0 in gold although nothing in the note's own text shows
  handling; the case timeline (`pipeline.cases`) clears such notes at prediction time, so the
  note-level model learns "worry without handling in this note";
- thresholds chosen on dev (`choose_thresholds`): a recall target for `unhandled_concern`
  (0.95 by default, measured after the case timeline, exactly as a scan would flag), the best
  F1 for the others, unless configured otherwise (`threshold_targets`);
- evidence: for a flagged marker, the note's sentences the model itself scores highest for
  that marker, each with a Danish reason. A flag never goes out without a sentence;
- `concern_types` for `unhandled_concern` from the rule tagger's CONCERN hits in the evidence
  sentences, and `handling` (the case timeline's input) from the rule tagger's HANDLING
  sentences: the cross-note 24-hour rule uses the rules' handling detection for every backend;
- the model directory: config.yaml (backend, params, thresholds, seed, training data and its
  hash, date, library versions), the backend's weights, and the model card.

Subclasses implement `_fit_texts`, `_score_texts`, `_save_weights`, `_load_weights` and
`_config_extra`; a backend that can use the rule tagger's sentence roles as features overrides
`_fit_readings` / `_score_readings` instead of the text-only pair.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

from models.base import JournalModel, NoteAnalysis
from pipeline.roles import HANDLING, SentenceRoles
from pipeline.schema import (
    CONCERN_TYPES, MARKER_NAMES_DA, MARKERS, UNHANDLED_CONCERN, Evidence, MarkerResult, Note, NoteFlags,
)

CONFIG_NAME = "config.yaml"
CONCERN_PRESENT = "concern_present"
HANDLING_MIN_SCORE = 0.5  # the rules model's unhandled_concern.handling_min_score
CONCERN_MIN_SCORE = 0.5  # the rules model's unhandled_concern.concern_min_score
MAX_EVIDENCE_SENTENCES = 3
DEFAULT_THRESHOLD = 0.5
DEFAULT_THRESHOLD_TARGETS: dict[str, str] = {
    "missing_assessment": "f1",
    "missing_child_conversation": "f1",
    "authority_jargon": "f1",
    "unhandled_concern": "recall:0.95",
}
LIBRARIES: tuple[str, ...] = ("numpy", "scikit-learn", "spacy", "torch", "transformers")


class LearnedModelError(ValueError):
    """Bad training input or a model directory that cannot be read; the message says which."""


@dataclass(slots=True)
class NoteReading:
    """One text as every learned backend sees it: the text and the rule tagger's sentence roles.

    Notes are read once per chunk in the rules model's single pass (spaCy, one pattern match
    for roles and jargon, the four rule markers) and the reading is shared by scoring,
    evidence, concern types and the handling records. `doc` is the spaCy doc (None for a
    single sentence read out of a note); it is only kept for the chunk being analysed.
    `extra` holds "jargon" (the note's JargonReport) and "rule_markers" (the rules' NoteMarkers,
    scored with all thresholds at 0 so that every rule evidence is kept); a sentence reading
    holds its note's reading under "note".
    """

    text: str
    sentences: list[SentenceRoles]
    doc: Any = None
    offset: int = 0  # where `text` starts in its note (sentence readings)
    case_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rule_model_config() -> dict[str, Any]:
    """The rules model's config that learned models read notes with: the named model `rules`
    when it exists, else the shipped default when that is a rules model (or carries a `markers:`
    block, as the hybrid does)."""
    from models.registry import ModelNotFound, read_config, resolve

    for name in ("rules", "default"):
        try:
            config = read_config(resolve(name))
        except ModelNotFound:
            continue
        if isinstance(config.get("markers"), dict):
            return config
    raise LearnedModelError("no rules model config (models/rules/ or models/default/) with a `markers:` block")


def rules_reader(settings: Mapping[str, Any], case_window_hours: float = 24.0):
    """A rules model with every threshold at 0: it reads notes for a learned model and keeps
    every piece of rule evidence it finds (the learned model decides the flags). Cheap to
    build: the compiled patterns are shared per process."""
    from models.rules_model import RulesModel

    return RulesModel(
        name="rules-reader",
        thresholds={m: 0.0 for m in MARKERS},
        settings=dict(settings),
        case_window_hours=case_window_hours,
    )


def read_notes(notes: Sequence[Note], reader, progress: bool = False) -> list[NoteReading]:
    """Tokenise, split, tag roles and jargon and run the rule markers over `notes`, in one pass.
    `progress` shows a bar on a terminal (training); scans keep their own accounting."""
    from tqdm import tqdm

    readings = []
    explained = reader.explain_many(list(notes))
    for x in tqdm(explained, total=len(notes), desc="reading notes", unit="note", disable=None if progress else True, leave=False):
        readings.append(NoteReading(
            text=x.note.text, sentences=list(x.sentences), doc=x.doc, case_id=x.note.case_id,
            extra={"jargon": x.jargon, "rule_markers": x.markers},
        ))
    return readings


def notes_from_texts(texts: Sequence[str]) -> list[Note]:
    """Bare texts as notes (no case, no date) for `_score_texts`-style calls."""
    placeholder_time = datetime(2000, 1, 1)
    return [Note(note_id=str(i), case_id="", written_at=placeholder_time, text=t) for i, t in enumerate(texts)]


def sentence_readings(reading: NoteReading) -> list[NoteReading]:
    """One reading per sentence of a note (for scoring sentences as evidence)."""
    out = []
    for s in reading.sentences:
        start, end = _trimmed(reading.text, s.start, s.end)
        if end > start:
            out.append(NoteReading(text=reading.text[start:end], sentences=[s], offset=start, extra={"note": reading}))
    return out


def has_handling(sentences: Sequence[SentenceRoles], min_score: float = HANDLING_MIN_SCORE) -> bool:
    return any(s.has(HANDLING, min_score) for s in sentences)


def handling_records(reading: NoteReading) -> list[Evidence]:
    """The note's handling records for the case timeline, exactly as the rules model gives them
    (matched words only, no sentence text)."""
    markers = reading.extra.get("rule_markers")
    if markers is not None:
        return list(markers.handling)
    out = []
    for s in reading.sentences:
        hit = s.roles.get(HANDLING)
        if hit is None or hit.score < HANDLING_MIN_SCORE or hit.start is None:
            continue
        out.append(Evidence(hit.start, hit.end, " ".join(hit.matched)[:120], "Behandlet som underretning"))
    return out


def concern_types_of(sentences: Sequence[SentenceRoles]) -> list[str]:
    found = {h.concern_type for s in sentences for h in s.concerns if h.score >= CONCERN_MIN_SCORE}
    return [t for t in CONCERN_TYPES if t in found]


def marker_targets(labels: Sequence[Mapping[str, Any]], readings: Sequence[NoteReading], handling_min_score: float = HANDLING_MIN_SCORE) -> np.ndarray:
    """The (n, 4) training targets in MARKERS order (see the module docstring for unhandled_concern)."""
    if len(labels) != len(readings):
        raise LearnedModelError(f"{len(labels)} label dicts for {len(readings)} notes")
    Y = np.zeros((len(labels), len(MARKERS)), dtype=np.int64)
    for i, (label, reading) in enumerate(zip(labels, readings)):
        missing = [m for m in MARKERS if m not in label]
        if missing:
            raise LearnedModelError(f"label dict {i} lacks {missing}")
        for j, marker in enumerate(MARKERS):
            Y[i, j] = int(label[marker])
        unhandled = MARKERS.index(UNHANDLED_CONCERN)
        if not Y[i, unhandled] and int(label.get(CONCERN_PRESENT, 0)) and not has_handling(reading.sentences, handling_min_score):
            Y[i, unhandled] = 1
    return Y


def best_f1_threshold(y_true: Sequence[int], scores: Sequence[float]) -> float:
    """The dev score that, used as threshold, gives the highest F1 (ties: the higher threshold)."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if not y.any():
        raise ValueError("no gold positives: no F1 threshold can be chosen")
    best, best_f1 = DEFAULT_THRESHOLD, -1.0
    for threshold in np.unique(s)[::-1]:
        flagged = s >= threshold
        tp = int((y & flagged).sum())
        f1 = 2 * tp / (int(flagged.sum()) + int(y.sum()))
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return best


def parse_target(spec: str) -> tuple[str, float | None]:
    """`"f1"`, `"recall:0.95"` or `"precision:0.8"` → (kind, value)."""
    kind, _, value = str(spec).partition(":")
    kind = kind.strip()
    if kind == "f1" and not value:
        return "f1", None
    if kind in ("recall", "precision"):
        try:
            number = float(value)
        except ValueError:
            raise LearnedModelError(f"threshold target '{spec}': '{value}' is not a number") from None
        if not 0.0 < number <= 1.0:
            raise LearnedModelError(f"threshold target '{spec}': the value must lie in (0, 1]")
        return kind, number
    raise LearnedModelError(f"threshold target '{spec}' is not f1, recall:VALUE or precision:VALUE")


def choose_marker_threshold(spec: str, y_true: Sequence[int], scores: Sequence[float]) -> float:
    """The threshold for one marker on dev; 0.5 when dev has no positive (nothing to aim at).

    The target picks a dev score (`best_f1_threshold`, `evaluation.thresholds.choose_threshold`);
    the threshold is then set halfway down to the next lower dev score. Both flag exactly the
    same dev notes, so the dev figures are the same, but the midpoint leaves a margin on both
    sides instead of sitting on the weakest flagged note (new notes just below it still flag).
    """
    from evaluation.thresholds import ThresholdUnreachable, choose_threshold

    kind, value = parse_target(spec)
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if not y.any():
        return DEFAULT_THRESHOLD
    if kind == "f1":
        chosen = best_f1_threshold(y, s)
    else:
        try:
            chosen = choose_threshold(y, s, kind, value)
        except ThresholdUnreachable:
            chosen = best_f1_threshold(y, s)
    below = s[s < chosen]
    return float((chosen + below.max()) / 2) if below.size else float(chosen)


def cleared_by_later_handling(notes: Sequence[Note], handling: Sequence[Sequence[Evidence]], window_hours: float = 24.0) -> np.ndarray:
    """Which notes the case timeline would clear of `unhandled_concern`: a note of the same case,
    written within the window after them, records handling (`handling[i]` belongs to `notes[i]`)."""
    from datetime import timedelta

    from pipeline.cases import HandlingIndex

    index = HandlingIndex()
    for note, records in zip(notes, handling):
        index.add(note.case_id, note.note_id, note.written_at, list(records))
    window = timedelta(hours=window_hours)
    return np.array(
        [index.find(n.case_id, n.written_at, window, n.note_id) is not None for n in notes], dtype=bool
    )


def thresholds_on_dev(scores: np.ndarray, labels: Sequence[Mapping[str, Any]], cleared: np.ndarray,
                      targets: Mapping[str, str]) -> dict[str, float]:
    """One threshold per marker for its target (see `choose_marker_threshold`), from note scores
    (n, 4) before the case timeline; `cleared` marks the notes the timeline clears of
    `unhandled_concern`, which therefore count as unflagged whatever their score."""
    thresholds = {}
    for j, marker in enumerate(MARKERS):
        y = np.array([int(label[marker]) for label in labels])
        s = np.asarray(scores, dtype=float)[:, j].copy()
        if marker == UNHANDLED_CONCERN:
            s[np.asarray(cleared, dtype=bool)] = 0.0
        thresholds[marker] = float(choose_marker_threshold(targets.get(marker, DEFAULT_THRESHOLD_TARGETS[marker]), y, s))
    return thresholds


def data_fingerprint(notes: Sequence[Note], labels: Sequence[Mapping[str, Any]]) -> str:
    """sha256 over the training notes and their labels (order-sensitive), for the model card."""
    digest = hashlib.sha256()
    for note, label in zip(notes, labels):
        row = {"note": note.to_dict(), "labels": {k: label[k] for k in sorted(label)}}
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _format_score_da(score: float) -> str:
    return f"{score:.2f}".replace(".", ",")


class LearnedMarkerModel(JournalModel):
    """A note-level marker classifier behind `JournalModel` (see the module docstring).

    `__init__` stores parameters only; `fit` sets the learned state (ending in `_`) and the
    thresholds. Subclasses add their own parameters and return them from `_config_extra`, so
    that `from_disk` can rebuild them with `cls(name=..., version=..., seed=...,
    threshold_targets=..., **params)`.
    """

    backend = "abstract-learned"

    def __init__(
        self,
        name: str = "model",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        seed: int = 0,
        threshold_targets: Mapping[str, str] | None = None,
        case_window_hours: float = 24.0,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds)
        self.seed = int(seed)
        self.threshold_targets = {**DEFAULT_THRESHOLD_TARGETS, **dict(threshold_targets or {})}
        for marker, spec in self.threshold_targets.items():
            if marker not in MARKERS:
                raise LearnedModelError(f"threshold target for unknown marker '{marker}'; known: {list(MARKERS)}")
            parse_target(spec)
        self.case_window_hours = float(case_window_hours)
        # the rule settings notes are read with (the rules model's `markers:` block); resolved
        # from models/rules or models/default at first use and written into config.yaml
        self.rule_settings: dict[str, Any] | None = None
        self._reader = None
        self.trained_on_: dict[str, Any] | None = None
        self.created_at_: str | None = None
        self.metrics_: dict[str, Any] = {}  # figures the training run measured (model card)
        self.dev_scores_: np.ndarray | None = None

    @property
    def case_window(self):
        from datetime import timedelta

        return timedelta(hours=self.case_window_hours)

    # -- what subclasses implement ------------------------------------------------------------

    def _fit_texts(self, texts: list[str], Y: np.ndarray, dev_texts: list[str] | None, dev_Y: np.ndarray | None) -> None:
        raise NotImplementedError(f"{type(self).__name__} implements neither _fit_texts nor _fit_readings")

    def _score_texts(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} implements neither _score_texts nor _score_readings")

    def _save_weights(self, directory: Path) -> None:
        raise NotImplementedError

    def _load_weights(self, directory: Path) -> None:
        raise NotImplementedError

    def _config_extra(self) -> dict[str, Any]:
        return {}

    # Backends that use the rule tagger's roles as features override these two.
    def _fit_readings(self, readings: list[NoteReading], Y: np.ndarray, dev_readings: list[NoteReading] | None, dev_Y: np.ndarray | None) -> None:
        self._fit_texts([r.text for r in readings], Y, [r.text for r in dev_readings] if dev_readings is not None else None, dev_Y)

    def _score_readings(self, readings: list[NoteReading]) -> np.ndarray:
        if not readings:
            return np.zeros((0, len(MARKERS)))
        return self._score_texts([r.text for r in readings])

    def _score_sentences(self, sentences: list[NoteReading]) -> np.ndarray:
        """Scores for single sentences (evidence); the hybrid scores them with its learned part only."""
        return self._score_readings(sentences)

    # -- training -------------------------------------------------------------------------------

    def fit(self, notes: Sequence[Note], labels: Sequence[Mapping[str, Any]], dev: tuple | None = None) -> "LearnedMarkerModel":
        """Learn from gold notes and label dicts; choose thresholds on `dev` = (notes, labels)."""
        notes, labels = list(notes), list(labels)
        if not notes:
            raise LearnedModelError("no training notes")
        if len(notes) != len(labels):
            raise LearnedModelError(f"{len(notes)} training notes but {len(labels)} label dicts")
        readings = self.read(notes, progress=True)
        handling_min = float(self.reader.settings[UNHANDLED_CONCERN]["handling_min_score"])
        Y = marker_targets(labels, readings, handling_min)
        dev_notes: list[Note] | None = None
        dev_readings = dev_Y = None
        if dev is not None:
            dev_notes, dev_labels = list(dev[0]), list(dev[1])
            if len(dev_notes) != len(dev_labels):
                raise LearnedModelError(f"{len(dev_notes)} dev notes but {len(dev_labels)} label dicts")
            dev_readings = self.read(dev_notes, progress=True)
            dev_Y = marker_targets(dev_labels, dev_readings, handling_min)
        self._fit_readings(readings, Y, dev_readings, dev_Y)
        if dev is not None and dev_notes:
            self.thresholds = self.choose_thresholds(dev_notes, dev_labels, dev_readings)
        else:
            self.thresholds = {m: DEFAULT_THRESHOLD for m in MARKERS}
        self.trained_on_ = {"file": None, "sha256": data_fingerprint(notes, labels), "n_notes": len(notes)}
        return self

    def choose_thresholds(self, notes: Sequence[Note], labels: Sequence[Mapping[str, Any]], readings: list[NoteReading] | None = None) -> dict[str, float]:
        """Per-marker thresholds on dev, each measured the way a scan flags (case timeline included)."""
        readings = readings if readings is not None else self.read(notes)
        scores = self._checked_scores(self._score_readings(readings), len(readings))
        self.dev_scores_ = scores
        cleared = cleared_by_later_handling(notes, [handling_records(r) for r in readings], self.case_window_hours)
        return thresholds_on_dev(scores, labels, cleared, self.threshold_targets)

    # -- analysis -------------------------------------------------------------------------------

    @property
    def reader(self):
        """The zero-threshold rules model that reads notes for this model."""
        if self.rule_settings is None:
            self.rule_settings = dict(rule_model_config()["markers"])
        if self._reader is None:
            self._reader = rules_reader(self.rule_settings, self.case_window_hours)
        return self._reader

    @property
    def tagger(self):
        """The rule role tagger this model reads notes with (the same object the rules model uses)."""
        return self.reader.tagger

    @property
    def jargon_reader(self):
        return self.reader.jargon_reader

    def explain_many(self, notes: Sequence[Note]):
        """The rules' reading of each note (sentences, roles, jargon) that this model's features,
        evidence and handling records come from; `journaltjek explain` prints it. Its `markers`
        are the rules' scores with every threshold at 0, not this model's decisions."""
        return self.reader.explain_many(notes)

    def read(self, notes: Sequence[Note], progress: bool = False) -> list[NoteReading]:
        return read_notes(notes, self.reader, progress=progress)

    def read_texts(self, texts: Sequence[str]) -> list[NoteReading]:
        return self.read(notes_from_texts(texts))

    def predict_proba(self, notes: Sequence[Note]) -> np.ndarray:
        """Marker scores (n, 4) before thresholds and the case timeline; no evidence is built."""
        return self._score_readings(self.read(notes))

    def analyse(self, notes: Sequence[Note]) -> list[NoteAnalysis]:
        notes = list(notes)
        if not notes:
            return []
        readings = self.read(notes)
        scores = self._checked_scores(self._score_readings(readings), len(notes))
        thresholds = np.array([self.thresholds[m] for m in MARKERS])
        flags = (scores >= thresholds) & np.array([[bool(r.sentences)] for r in readings])
        own_evidence = [self._own_evidence(reading, flags[i]) for i, reading in enumerate(readings)]
        need = flags & np.array([[m not in own_evidence[i] for m in MARKERS] for i in range(len(readings))], dtype=bool).reshape(flags.shape)
        sentence_scores = self._sentence_scores(readings, need)
        return [
            self._note_analysis(note, reading, scores[i], flags[i], sentence_scores.get(i), own_evidence[i])
            for i, (note, reading) in enumerate(zip(notes, readings))
        ]

    def _own_evidence(self, reading: NoteReading, flags: np.ndarray) -> dict[str, tuple[list[Evidence], list[str] | None]]:
        """Evidence a backend has without scoring sentences: {marker: (evidence, concern types)}.
        The base has none; the hybrid returns the rules' evidence where the rules found some."""
        return {}

    def _checked_scores(self, scores: np.ndarray, n: int) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        if scores.shape != (n, len(MARKERS)):
            raise LearnedModelError(f"{self.backend}: scores have shape {scores.shape}, expected ({n}, {len(MARKERS)})")
        return np.clip(np.nan_to_num(scores, nan=0.0), 0.0, 1.0)

    def _sentence_scores(self, readings: list[NoteReading], flags: np.ndarray) -> dict[int, tuple[list[NoteReading], np.ndarray]]:
        """Score the sentences of every note with a flag, in one batch for the chunk."""
        wanted = [i for i in range(len(readings)) if flags[i].any()]
        pieces = {i: sentence_readings(readings[i]) for i in wanted}
        flat = [s for i in wanted for s in pieces[i]]
        if not flat:
            return {}
        scores = self._checked_scores(self._score_sentences(flat), len(flat))
        out, at = {}, 0
        for i in wanted:
            k = len(pieces[i])
            out[i] = (pieces[i], scores[at:at + k])
            at += k
        return out

    def _note_analysis(self, note: Note, reading: NoteReading, scores: np.ndarray, flags: np.ndarray,
                       sentences: tuple[list[NoteReading], np.ndarray] | None,
                       own_evidence: Mapping[str, tuple[list[Evidence], list[str] | None]] | None = None) -> NoteAnalysis:
        results: dict[str, MarkerResult] = {}
        own_evidence = own_evidence or {}
        for j, marker in enumerate(MARKERS):
            evidence: list[Evidence] = []
            types: list[str] | None = None
            if flags[j] and marker in own_evidence:
                evidence, types = own_evidence[marker]
            elif flags[j] and sentences is not None:
                evidence, evidence_roles = self._evidence(marker, sentences[0], sentences[1][:, j])
                types = concern_types_of(evidence_roles)
                if not types and marker == UNHANDLED_CONCERN:
                    types = self._note_concern_types(reading)
            flag = bool(flags[j]) and bool(evidence)
            if not flag:
                evidence = []
            if marker == UNHANDLED_CONCERN and not flag:
                # not flagged: the note's concern types and, when the note handles its concern
                # itself, where it does so, as the rules (and the case timeline) report them
                types, evidence = self._unflagged_concern(reading)
            elif marker == UNHANDLED_CONCERN:
                types = list(types or [])
            else:
                types = None
            results[marker] = MarkerResult(flag=flag, score=float(scores[j]), evidence=evidence, concern_types=types)
        flags_out = NoteFlags(note_id=note.note_id, case_id=note.case_id, model=self.label, markers=results)
        return NoteAnalysis(flags=flags_out, written_at=note.written_at, handling=handling_records(reading))

    def _unflagged_concern(self, reading: NoteReading) -> tuple[list[str], list[Evidence]]:
        rules = reading.extra.get("rule_markers")
        if rules is None:
            return [], []
        result = rules.results[UNHANDLED_CONCERN]
        handled_here = list(result.evidence) if not result.flag else []
        return list(result.concern_types or []), handled_here

    def _note_concern_types(self, reading: NoteReading) -> list[str]:
        """Concern types for a flag whose evidence sentences carry no concern hit: none (the
        model's evidence did not show one). The hybrid falls back to the rules' note-level types."""
        return []

    def _evidence(self, marker: str, pieces: list[NoteReading], scores: np.ndarray) -> tuple[list[Evidence], list[SentenceRoles]]:
        """The sentence the model scores highest for `marker`, and up to two more above the threshold."""
        if not pieces:
            return [], []
        order = np.argsort(-scores, kind="stable")
        chosen = [order[0]] + [k for k in order[1:MAX_EVIDENCE_SENTENCES] if scores[k] >= self.thresholds[marker]]
        chosen.sort()
        name = MARKER_NAMES_DA[marker].lower()
        evidence = []
        for k in chosen:
            piece = pieces[k]
            reason = f"Modellen vurderer, at denne sætning peger på: {name} (sætningsscore {_format_score_da(scores[k])})"
            evidence.append(Evidence(piece.offset, piece.offset + len(piece.text), piece.text, reason))
        return evidence, [pieces[k].sentences[0] for k in chosen]

    # -- the model directory --------------------------------------------------------------------

    def config_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "name": self.name,
            "version": self.version,
            "thresholds": {m: float(self.thresholds[m]) for m in MARKERS},
            "threshold_targets": dict(self.threshold_targets),
            "case_window_hours": self.case_window_hours,
            "seed": self.seed,
            "params": self._config_extra(),
            "trained_on": self.trained_on_,
            "created_at": self.created_at_,
            "libraries": library_versions(),
            # the rules' settings this model reads notes with, in the rules model's layout
            # (pattern files and lexicon: the package's own)
            "markers": self.reader.settings,
            "resources": {"roles": None, "jargon_lexicon": None},
            "training_targets": (
                "gold labels; unhandled_concern = gold unhandled_concern OR (concern_present AND the rule "
                "tagger finds no HANDLING sentence in the note)"
            ),
        }

    def to_disk(self, path: str | Path) -> None:
        """config.yaml first, then the weights, then MODEL_CARD.md and card.json."""
        from models.card import write_card

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.created_at_ is None:
            self.created_at_ = datetime.now().isoformat(timespec="seconds")
        config = self.config_dict()
        with open(path / CONFIG_NAME, "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
        self._save_weights(path)
        write_card(path, config, self.metrics_)

    @classmethod
    def from_disk(cls, path: str | Path) -> "LearnedMarkerModel":
        from models.card import read_card_metrics

        path = Path(path)
        config_path = path / CONFIG_NAME
        if not config_path.is_file():
            raise LearnedModelError(f"{path} is not a model directory: no {CONFIG_NAME}")
        with open(config_path, encoding="utf-8") as fh:
            config = yaml.safe_load(fh) or {}
        if config.get("backend") != cls.backend:
            raise LearnedModelError(f"{config_path}: backend is '{config.get('backend')}', expected '{cls.backend}'")
        params = config.get("params") or {}
        if not isinstance(params, dict):
            raise LearnedModelError(f"{config_path}: 'params' must be a mapping")
        try:
            model = cls(
                name=str(config.get("name", path.name)),
                version=str(config.get("version", "0.0.0")),
                seed=int(config.get("seed", 0)),
                threshold_targets=config.get("threshold_targets"),
                case_window_hours=float(config.get("case_window_hours", 24.0)),
                **params,
            )
        except TypeError as exc:
            raise LearnedModelError(f"{config_path}: params do not fit backend '{cls.backend}' ({exc})") from None
        thresholds = config.get("thresholds") or {}
        bad = [m for m in MARKERS if not isinstance(thresholds.get(m), (int, float))]
        if bad:
            raise LearnedModelError(f"{config_path}: thresholds lack numbers for {bad}")
        model.thresholds = {m: float(thresholds[m]) for m in MARKERS}
        if config.get("markers") is not None:
            if not isinstance(config["markers"], dict):
                raise LearnedModelError(f"{config_path}: 'markers' must map each marker to its rule settings")
            model.rule_settings = dict(config["markers"])
        model.trained_on_ = config.get("trained_on")
        model.created_at_ = config.get("created_at")
        model.metrics_ = read_card_metrics(path)
        model._load_weights(path)
        return model
