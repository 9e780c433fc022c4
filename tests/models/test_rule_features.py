"""The rules' feature vector says what FEATURE_NAMES says, for notes and for single sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gold_splits import gold_split

from models.learned import read_notes, rules_reader, sentence_readings
from models.rule_features import FEATURE_NAMES, ROLE_MIN, rule_feature_matrix, rule_features
from pipeline.roles import ASSESSMENT, CONCERN, HANDLING, PLACEHOLDER, PLACEHOLDER_SECTION_RULE, REASON, ROLES
from pipeline.schema import CONCERN_TYPES


def by_definition(reading) -> list[float]:
    """Each feature computed on its own, straight from its name (slow and plain)."""
    sentences = reading.sentences
    n = len(sentences)
    out = [max((s.score(role) for s in sentences), default=0.0) for role in ROLES]
    out += [sum(1 for s in sentences if s.has(role, ROLE_MIN)) / n if n else 0.0 for role in ROLES]
    out += [max((h.score for s in sentences for h in s.concerns if h.concern_type == t), default=0.0) for t in CONCERN_TYPES]
    worry = any(s.has(CONCERN, ROLE_MIN) for s in sentences)
    handled = any(s.has(HANDLING, ROLE_MIN) for s in sentences)
    reasoned = any(s.has(ASSESSMENT, ROLE_MIN) and any(o.has(REASON, ROLE_MIN) and abs(o.index - s.index) <= 1 for o in sentences)
                   for s in sentences)
    empty = any(s.roles.get(PLACEHOLDER) is not None and s.roles[PLACEHOLDER].rule == PLACEHOLDER_SECTION_RULE for s in sentences)
    return out + [float(worry and not handled), float(worry and handled), float(reasoned), float(empty), math.log1p(n) / 4]


@pytest.fixture(scope="module")
def readings():
    notes, _ = gold_split("dev", limit=80)
    from models.learned import rule_model_config

    reader = rules_reader(dict(rule_model_config()["markers"]), 24.0)
    return read_notes(notes, reader)


def test_note_and_sentence_vectors_follow_the_feature_definitions(readings):
    sentences = [s for r in readings[:30] for s in sentence_readings(r)]
    checked = {"reasoned": 0, "worry": 0}
    for reading in readings + sentences:
        vector = rule_features(reading)
        assert vector.shape == (len(FEATURE_NAMES),)
        roles_part = vector[: len(FEATURE_NAMES) - 6]
        assert roles_part.tolist() == by_definition(reading)  # exactly, not approximately
        checked["reasoned"] += bool(vector[FEATURE_NAMES.index("reasoned_assessment")])
        checked["worry"] += bool(vector[FEATURE_NAMES.index("concern_without_handling")])
    assert checked["reasoned"] and checked["worry"]  # the gold notes exercise both combinations


def test_the_matrix_stacks_one_row_per_reading(readings):
    matrix = rule_feature_matrix(readings[:5])
    assert matrix.shape == (5, len(FEATURE_NAMES))
    assert np.array_equal(matrix[2], rule_features(readings[2]))
    assert rule_feature_matrix([]).shape == (0, len(FEATURE_NAMES))
