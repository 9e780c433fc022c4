"""Synthetic labels follow GUIDELINES.md, checked here from the build metadata, independently of labels.py."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from annotations.schema import WRITING_STYLES, parse_gold_record
from annotations.synth.generator import SyntheticCorpus
from pipeline.schema import CONCERN_TYPES, MARKERS

SAMPLE = 2000
ADMINISTRATIVE = {"admin", "logistics"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(SyntheticCorpus(seed=20).records(SAMPLE))


@pytest.fixture(scope="module")
def cases(records) -> dict[str, list[dict]]:
    by_case: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_case[record["case_id"]].append(record)
    return by_case


def test_every_record_validates_against_the_gold_schema(records):
    for record in records:
        parse_gold_record(record, where=record["note_id"])
    assert len(records) == SAMPLE
    assert len({r["note_id"] for r in records}) == SAMPLE


def test_notes_of_a_case_are_in_date_order_and_hold_three_to_eight_notes(cases):
    for case_id, notes in list(cases.items())[:-1]:  # the last case may be cut short to fit n
        times = [datetime.fromisoformat(n["written_at"]) for n in notes]
        assert times == sorted(times), case_id
        assert 3 <= len(notes) <= 8, case_id


def test_a_concern_is_unhandled_unless_its_note_or_a_later_note_within_24_hours_handles_it(cases):
    seen = Counter()
    for notes in cases.values():
        for i, note in enumerate(notes):
            concern = note["synth"].get("concern")
            if concern is None:
                assert note["labels"]["concern_present"] == 0
                assert note["labels"]["unhandled_concern"] == 0
                continue
            raised = datetime.fromisoformat(note["written_at"])
            later_delays = [
                datetime.fromisoformat(later["written_at"]) - raised
                for later in notes[i + 1 :]
                if note["note_id"] in later["synth"]["handles"]
            ]
            handled_here = concern["handled_here"] is not None
            handled_in_time = any(delay <= timedelta(hours=24) for delay in later_delays)
            expected = 0 if handled_here or handled_in_time else 1
            assert note["labels"]["unhandled_concern"] == expected, note["note_id"]
            assert note["labels"]["concern_present"] == 1
            seen["here" if handled_here else "within" if handled_in_time else "late" if later_delays else "never"] += 1
    # the sample exercises every way a concern can go
    assert all(seen[k] >= 10 for k in ("here", "within", "late", "never")), seen


def test_later_handling_notes_fall_clear_of_the_24_hour_line(cases):
    for notes in cases.values():
        by_id = {n["note_id"]: n for n in notes}
        for note in notes:
            for target in note["synth"]["handles"]:
                delay = datetime.fromisoformat(note["written_at"]) - datetime.fromisoformat(by_id[target]["written_at"])
                assert delay > timedelta(0)
                assert abs(delay - timedelta(hours=24)) >= timedelta(minutes=10), note["note_id"]


def test_missing_assessment_is_set_exactly_when_a_note_needs_one_and_it_is_not_reasoned(records):
    for record in records:
        synth = record["synth"]
        needs = synth["kind"] not in ADMINISTRATIVE
        expected = int(needs and synth["assessment"] != "reasoned")
        assert record["labels"]["missing_assessment"] == expected, record["note_id"]


def test_missing_child_conversation_is_set_exactly_for_steps_without_conversation_reference_or_reason(records):
    for record in records:
        synth = record["synth"]
        expected = int(synth["step"] is not None and synth["child_hearing"] in ("none", "empty_line"))
        assert record["labels"]["missing_child_conversation"] == expected, record["note_id"]
        if synth["kind"] in ADMINISTRATIVE:
            assert synth["step"] is None


def test_assessing_news_of_violence_or_abuse_is_a_step_where_the_child_is_heard(records):
    abuse = [
        r for r in records
        if set(r["labels"]["concern_types"]) & {"violence", "sexual_abuse"} and r["synth"]["assessment"] in ("reasoned", "bare")
    ]
    assert abuse
    assert all(r["synth"]["step"] == "abuse_assessment" for r in abuse)


def test_authority_jargon_means_two_distinct_unexplained_items_that_stand_in_the_text(records):
    for record in records:
        items = record["synth"]["jargon_items"]
        assert len({i.lower() for i in items}) == len(items)
        assert all(item in record["text"] for item in items), record["note_id"]
        assert record["labels"]["authority_jargon"] == int(len(items) >= 2), record["note_id"]
    admin_style = [r for r in records if r["style"] == "admin"]
    assert admin_style and all(r["labels"]["authority_jargon"] for r in admin_style)


def test_every_flag_quotes_evidence_that_stands_in_the_note(records):
    for record in records:
        labels, evidence = record["labels"], record["evidence"]
        for marker in MARKERS:
            if labels[marker]:
                assert evidence.get(marker), (record["note_id"], marker)
        for label, spans in evidence.items():
            assert labels[label] == 1, (record["note_id"], label)
            for span in spans:
                assert span and span in record["text"], (record["note_id"], label, span)


def test_each_marker_is_set_in_15_to_35_percent_of_notes(records):
    for marker in MARKERS:
        rate = sum(r["labels"][marker] for r in records) / len(records)
        assert 0.15 <= rate <= 0.35, (marker, rate)


def test_a_sample_of_2000_holds_all_ten_concern_types_all_sources_and_all_styles(records):
    types = Counter(t for r in records for t in r["labels"]["concern_types"])
    assert set(types) == set(CONCERN_TYPES)
    sources = {r["synth"]["concern"]["source"] for r in records if "concern" in r["synth"]}
    assert sources == {"school", "daycare", "health_nurse", "doctor", "police", "neighbour", "parent", "child", "provider", "anonymous"}
    assert {r["style"] for r in records} == set(WRITING_STYLES)


def test_the_hard_cases_are_all_there(records):
    mentions = Counter(m["kind"] for r in records for m in r["synth"].get("mentions", []))
    assert {"negated", "hypothetical", "history"} <= set(mentions)
    assessments = Counter(r["synth"]["assessment"] for r in records)
    assert {"reasoned", "bare", "empty", "none"} <= set(assessments)
    hearings = Counter(r["synth"]["child_hearing"] for r in records if r["synth"]["step"])
    assert {"conversation", "reference", "omission", "none", "empty_line"} <= set(hearings)
    modes = Counter(r["synth"]["jargon_mode"] for r in records)
    assert {"plain", "single", "explained", "heavy", "admin"} <= set(modes)


def test_notes_that_only_mention_worry_negated_hypothetically_or_as_history_carry_no_concern(records):
    mention_only = [r for r in records if r["synth"].get("mentions") and "concern" not in r["synth"]]
    assert len(mention_only) >= 50
    assert all(r["labels"]["concern_present"] == 0 and r["labels"]["concern_types"] == [] for r in mention_only)


def test_texts_are_clean_of_markup_and_keep_anonymisation_tags_intact(records):
    for record in records:
        text = record["text"]
        assert not re.search(r"\[\[|\]\]|[{}\x00]", text), record["note_id"]
        for tag in re.findall(r"\[[^\]]*\]", text):
            assert tag in ("[BARN]", "[MOR]", "[FAR]", "[Navn]", "[CPR]"), (record["note_id"], tag)


def test_restricting_styles_writes_only_those_styles():
    records = list(SyntheticCorpus(seed=4, styles=("terse", "admin")).records(300))
    assert {r["style"] for r in records} == {"terse", "admin"}


def test_templated_notes_have_headings_and_terse_notes_do_not():
    records = list(SyntheticCorpus(seed=5, styles=("template", "terse")).records(400))
    templated = [r for r in records if r["style"] == "template" and r["synth"]["kind"] not in ADMINISTRATIVE]
    terse = [r for r in records if r["style"] == "terse"]
    heading = re.compile(r"(?im)^(formål|emne|anledning)[^:\n]*:")
    assert templated and all(heading.search(r["text"]) for r in templated)
    assert terse and not any(heading.search(r["text"]) for r in terse)


def test_an_unhandled_concern_note_never_says_whether_the_child_is_in_acute_danger(records):
    # such a stance would be a 24-hour assessment, i.e. handling (GUIDELINES M4)
    unhandled = [r for r in records if r["labels"]["unhandled_concern"]]
    assert len(unhandled) > 200
    acute = re.compile(r"akut|i fare\b|som underretning|modtagelsen|døgnvagt|børnehus|politiet er kontaktet", re.IGNORECASE)
    assert not [r["note_id"] for r in unhandled if acute.search(r["text"])]
