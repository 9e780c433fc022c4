"""The rules' signals as a small dense feature vector, for learned models that can use them.

The rule tagger already knows what each sentence does (concern, handling, assessment, reason,
child contact, step, ...) and the jargon reader counts unexplained authority language and
measures the style. Words alone see "underretning" in "underretning oprettet" and in "mor vil
ikke have, at skolen laver en underretning"; the roles tell the two apart. So a learned model
gets, besides its n-grams, one vector per text:

- per role: the strongest hit and the share of sentences that carry it (score ≥ 0.5);
- per concern type: the strongest hit;
- a few combinations the markers read (worry with and without handling in the note, an
  assessment with a reason next to it, an empty assessment section);
- jargon: unexplained items (weight and count), LIX, nominalisation share, passives.

A sentence read out of a note (evidence scoring) gets the same vector from its own roles and
the jargon items that lie inside it; the style figures are the note's.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from models.learned import NoteReading
from pipeline.jargon import JargonReport
from pipeline.roles import ASSESSMENT, CONCERN, HANDLING, PLACEHOLDER, PLACEHOLDER_SECTION_RULE, REASON, ROLES
from pipeline.schema import CONCERN_TYPES

ROLE_MIN = 0.5

FEATURE_NAMES: tuple[str, ...] = (
    tuple(f"max:{r}" for r in ROLES)
    + tuple(f"share:{r}" for r in ROLES)
    + tuple(f"concern:{t}" for t in CONCERN_TYPES)
    + (
        "concern_without_handling",
        "concern_with_handling",
        "reasoned_assessment",
        "empty_assessment_section",
        "sentences",
        "jargon_weight",
        "jargon_items",
        "lix",
        "nominal_share",
        "passives_per_sentence",
        "words",
    )
)


def jargon_report(reading: NoteReading) -> JargonReport | None:
    """The jargon report of the reading's note (`models.learned.read_notes` keeps it there)."""
    note = reading.extra.get("note", reading)
    return note.extra.get("jargon")


def rule_features(reading: NoteReading) -> np.ndarray:
    sentences = reading.sentences
    n = len(sentences)
    out: list[float] = []
    for role in ROLES:
        out.append(max((s.score(role) for s in sentences), default=0.0))
    for role in ROLES:
        out.append(sum(1 for s in sentences if s.has(role, ROLE_MIN)) / n if n else 0.0)
    for concern_type in CONCERN_TYPES:
        out.append(max((h.score for s in sentences for h in s.concerns if h.concern_type == concern_type), default=0.0))
    worry = any(s.has(CONCERN, ROLE_MIN) for s in sentences)
    handled = any(s.has(HANDLING, ROLE_MIN) for s in sentences)
    reasoned = any(
        s.has(ASSESSMENT, ROLE_MIN) and any(o.has(REASON, ROLE_MIN) and abs(o.index - s.index) <= 1 for o in sentences)
        for s in sentences
    )
    empty_section = any(s.roles.get(PLACEHOLDER) is not None and s.roles[PLACEHOLDER].rule == PLACEHOLDER_SECTION_RULE for s in sentences)
    out += [float(worry and not handled), float(worry and handled), float(reasoned), float(empty_section), math.log1p(n) / 4]
    out += _jargon_features(reading)
    return np.asarray(out, dtype=np.float64)


def _jargon_features(reading: NoteReading) -> list[float]:
    report = jargon_report(reading)
    if report is None:
        return [0.0] * 6
    start, end = reading.offset, reading.offset + len(reading.text)
    items = [i for i in report.unexplained if start <= i.start < end]
    weight = sum(i.weight for i in items)
    return [
        weight / (weight + 2.0),
        len(items) / (len(items) + 2.0),
        min(report.lix, 100.0) / 100.0,
        min(report.nominal_share * 5.0, 1.0),
        min(report.passives_per_sentence, 2.0) / 2.0,
        math.log1p(report.words) / 8.0,
    ]


def rule_feature_matrix(readings: Sequence[NoteReading]) -> np.ndarray:
    if not readings:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack([rule_features(r) for r in readings])
