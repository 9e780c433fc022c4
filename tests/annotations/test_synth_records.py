"""The fast file writer writes exactly what the gold-format records serialize to, for every shape of record."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from annotations.synth.generator import SyntheticCorpus
from annotations.synth.records import case_csv, case_jsonl, case_records
from annotations.synth.writers import serialize

CASES = 400


@pytest.fixture(scope="module")
def corpus() -> SyntheticCorpus:
    return SyntheticCorpus(seed=11)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_case_text_is_the_serialized_records_byte_for_byte(corpus, fmt):
    shapes = Counter()
    for index in range(CASES):
        records = corpus.case_records(index)
        count, text = corpus.case_text(index, fmt)
        assert count == len(records)
        assert text == serialize(records, fmt), index
        for record in records:
            shapes.update(key for key in record["synth"] if key not in ("kind", "step", "assessment", "child_hearing"))
            shapes.update(f"evidence:{label}" for label in record["evidence"])
    # the sample holds every optional part of a record
    assert {"concern", "handling", "mentions", "decision"} <= set(shapes), shapes
    assert {"evidence:concern_present", "evidence:unhandled_concern", "evidence:authority_jargon"} <= set(shapes)


def test_a_cut_case_writes_the_shorter_case(corpus):
    for index in range(20):
        records = corpus.case_records(index, max_notes=2)
        count, text = corpus.case_text(index, "jsonl", max_notes=2)
        assert count == len(records) <= 2
        assert [json.loads(line) for line in text.splitlines()] == records


def test_text_that_needs_quoting_or_escaping_is_quoted_as_the_library_writers_do(corpus):
    built = corpus.build_case(0)
    note = built.notes[0].rendered
    note.text = 'Hun sagde: "nej"; \\ og\r\nså\tgik hun \x01 ud'
    note.team = 'Team "Syd"; nat'
    records = case_records(built)
    assert case_jsonl(built) == serialize(records, "jsonl")
    assert case_csv(built) == serialize(records, "csv")
