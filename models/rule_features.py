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


_ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}
_TYPE_INDEX = {concern_type: i for i, concern_type in enumerate(CONCERN_TYPES)}


def rule_features(reading: NoteReading) -> np.ndarray:
    """The vector of `FEATURE_NAMES` for one reading, in one pass over its sentences' hits."""
    sentences = reading.sentences
    n = len(sentences)
    strongest = [0.0] * len(ROLES)  # scores lie in [0, 1]: a missing role counts as 0
    carrying = [0] * len(ROLES)
    concern = [0.0] * len(CONCERN_TYPES)
    assessed: set[int] = set()
    reasons: set[int] = set()
    empty_section = False
    for s in sentences:
        for role, hit in s.roles.items():
            i = _ROLE_INDEX.get(role)
            if i is None:
                continue
            if hit.score > strongest[i]:
                strongest[i] = hit.score
            if hit.score >= ROLE_MIN:
                carrying[i] += 1
                if role == ASSESSMENT:
                    assessed.add(s.index)
                elif role == REASON:
                    reasons.add(s.index)
            if role == PLACEHOLDER and hit.rule == PLACEHOLDER_SECTION_RULE:
                empty_section = True
        for hit in s.concerns:
            j = _TYPE_INDEX.get(hit.concern_type)
            if j is not None and hit.score > concern[j]:
                concern[j] = hit.score
    out = strongest + [c / n if n else 0.0 for c in carrying] + concern
    worry, handled = carrying[_ROLE_INDEX[CONCERN]] > 0, carrying[_ROLE_INDEX[HANDLING]] > 0
    # an assessment with a reason in it or in a neighbouring sentence
    reasoned = any(i - 1 in reasons or i in reasons or i + 1 in reasons for i in assessed)
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
