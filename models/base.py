"""The one interface every journaltjek model implements.

A model is a directory (config.yaml, weights, lexicons, thresholds, MODEL_CARD.md). In code it
analyses notes one chunk at a time and returns a `NoteAnalysis` per note: the note's own marker
decisions plus what the case timeline needs (when it was written and which sentences record the
handling of a concern). `pipeline.cases` then applies the 24-hour rule across the notes of a case.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from pipeline.schema import MARKERS, Evidence, Note, NoteFlags


@dataclass(slots=True)
class NoteAnalysis:
    """A model's view of one note before the case timeline is applied.

    `flags.markers["unhandled_concern"]` counts only handling written in this very note;
    `handling` lists the sentences of this note that record a concern being handled as a
    notification, so that `pipeline.cases` can clear a concern raised in an earlier note.
    """

    flags: NoteFlags
    written_at: datetime
    handling: list[Evidence] = field(default_factory=list)


class JournalModel(ABC):
    """Base class: `fit` learns and returns self; learned state ends in `_`."""

    backend: str = "abstract"

    def __init__(self, name: str = "model", version: str = "0.1.0", thresholds: dict[str, float] | None = None):
        self.name = name
        self.version = version
        self.thresholds = dict(thresholds or {m: 0.5 for m in MARKERS})

    @property
    def case_window(self) -> timedelta:
        """How long after a worrying note a handling note still counts (GUIDELINES M4: 24 hours)."""
        return timedelta(hours=24)

    @property
    def label(self) -> str:
        """The id written into every flag row: `name@version`."""
        return f"{self.name}@{self.version}"

    @abstractmethod
    def analyse(self, notes: Sequence[Note]) -> list[NoteAnalysis]:
        """Analyse a chunk of notes (any cases, any order)."""

    def predict_proba(self, notes: Sequence[Note]) -> np.ndarray:
        """Marker scores, shape (n_notes, 4) in MARKERS order, before the case timeline."""
        analyses = self.analyse(notes)
        return np.array([[a.flags.markers[m].score for m in MARKERS] for a in analyses], dtype=float)

    def fit(self, notes: Sequence[Note], labels: Sequence[dict[str, Any]], dev: tuple | None = None) -> "JournalModel":
        """Learn from gold notes and their label dicts. Rule models learn nothing."""
        return self

    @abstractmethod
    def to_disk(self, path: str | Path) -> None:
        """Write the model directory (config.yaml first)."""

    @classmethod
    @abstractmethod
    def from_disk(cls, path: str | Path) -> "JournalModel":
        """Load a model directory written by `to_disk`."""
