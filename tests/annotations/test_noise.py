"""Noisy copies keep their labels, change their text, and carry evidence across the edits."""

from __future__ import annotations

import json
import random

import pytest

from annotations.noise import NoiseSettings, abbreviate, add_typo, lower_keep_tags, make_noisy, noisy_text
from annotations.schema import GoldRecord, iter_gold, parse_gold_record
from annotations.synth.generator import SyntheticCorpus
from pipeline.cli import main

TEMPLATE_NOTE = {
    "note_id": "n1",
    "case_id": "c1",
    "written_at": "2025-03-04T10:15",
    "text": (
        "Formål: Telefonisk henvendelse fra skolen vedrørende [BARN].\n"
        "Oplysninger: Skolen oplyser, at [BARN] har haft blå mærker på armene to gange.\n"
        "Vurdering: -\n"
        "Aftaler: Sagen drøftes med BFU-teamet jf. § 52, stk. 3."
    ),
    "labels": {
        "missing_assessment": 1,
        "missing_child_conversation": 0,
        "authority_jargon": 0,
        "unhandled_concern": 1,
        "concern_present": 1,
        "concern_types": ["violence"],
    },
    "evidence": {
        "missing_assessment": ["Vurdering: -"],
        "unhandled_concern": ["Skolen oplyser, at [BARN] har haft blå mærker på armene to gange."],
        "concern_present": [{"start": 73, "end": 139, "text": "Skolen oplyser, at [BARN] har haft blå mærker på armene to gange."}],
    },
}
NO_NOISE = dict(typo_rate=0.0, abbreviate_rate=0.0, strip_headings=0.0, lowercase_note=0.0, lowercase_sentence=0.0)


@pytest.fixture
def record() -> GoldRecord:
    data = json.loads(json.dumps(TEMPLATE_NOTE))
    start = data["text"].index("Skolen oplyser")
    span = data["evidence"]["concern_present"][0]
    span["start"], span["end"] = start, start + len(span["text"])
    return parse_gold_record(data)


def test_a_noisy_copy_keeps_every_label_and_changes_the_text(record):
    copy = make_noisy(record, random.Random(1), typo_rate=0.5)
    assert copy.labels == record.labels
    assert copy.note.text != record.note.text
    assert copy.note.note_id == record.note.note_id
    parse_gold_record(copy.to_dict())


def test_the_same_random_state_gives_the_same_copy(record):
    a = make_noisy(record, random.Random(7), typo_rate=0.3)
    b = make_noisy(record, random.Random(7), typo_rate=0.3)
    assert a.note.text == b.note.text and a.evidence == b.evidence


def test_evidence_is_carried_to_the_same_stretch_of_the_noisy_text(record):
    copy = make_noisy(record, random.Random(3), typo_rate=0.5, strip_headings=0.0)
    (quote,) = copy.evidence["unhandled_concern"]
    assert quote in copy.note.text
    assert quote != TEMPLATE_NOTE["evidence"]["unhandled_concern"][0]  # it carries its typos
    (span,) = copy.evidence["concern_present"]
    assert copy.note.text[span["start"] : span["end"]] == span["text"]
    (empty_field,) = copy.evidence["missing_assessment"]
    assert empty_field in copy.note.text and empty_field.endswith(": -")


def test_a_span_that_was_only_a_stripped_heading_and_a_dash_is_dropped(record):
    copy = make_noisy(record, random.Random(0), **{**NO_NOISE, "strip_headings": 1.0})
    assert "Vurdering:" not in copy.note.text and "Formål:" not in copy.note.text
    assert "missing_assessment" not in copy.evidence
    assert copy.extra["noise"]["evidence_dropped"] == 1
    assert copy.labels["missing_assessment"] == 1


def test_a_quote_that_is_not_in_the_original_is_dropped_not_invented(record):
    record.evidence["unhandled_concern"] = ["en sætning, som ikke står i notatet"]
    copy = make_noisy(record, random.Random(0), **NO_NOISE)
    assert "unhandled_concern" not in copy.evidence
    assert copy.extra["noise"]["evidence_dropped"] == 1


def test_tags_dates_and_jargon_abbreviations_survive_heavy_noise(record):
    for seed in range(30):
        text = make_noisy(record, random.Random(seed), typo_rate=1.0, abbreviate_rate=1.0, lowercase_note=0.0).note.text
        assert text.count("[BARN]") == 2
        assert "BFU" in text and "§ 52, stk. 3" in text


def test_whole_note_lower_casing_keeps_anonymisation_tags():
    assert lower_keep_tags("Samtale med [BARN] og [MOR] på Skolen") == "samtale med [BARN] og [MOR] på skolen"
    out = make_noisy("Samtale med [BARN] på Skolen.", random.Random(0), **{**NO_NOISE, "lowercase_note": 1.0})
    assert out == "samtale med [BARN] på skolen."


def test_everyday_phrases_are_abbreviated_but_never_into_authority_abbreviations():
    text = "Telefonisk henvendelse klokken 10 vedrørende børnefaglig undersøgelse og blandt andet familiebehandling."
    short = abbreviate(text, random.Random(0), 1.0)
    assert short == "Tlf. henvendelse kl. 10 vedr. børnefaglig undersøgelse og bl.a. familiebehandling."


def test_a_typo_changes_one_spot_by_at_most_one_letter():
    rng = random.Random(5)
    changed = 0
    for _ in range(200):
        word = "underretningen"
        noisy = add_typo(word, rng)
        assert abs(len(noisy) - len(word)) <= 1
        changed += noisy != word
    assert changed > 150


def test_noise_settings_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError, match="typo_rate"):
        NoiseSettings(typo_rate=1.5)


def test_edits_map_spans_before_inside_and_after_an_edit():
    noisy = noisy_text("Vurdering: afventer svar.", random.Random(0), NoiseSettings(**{**NO_NOISE, "strip_headings": 1.0}))
    assert noisy.text == "afventer svar."
    assert noisy.map_span(11, 19) == (0, 8)  # "afventer" moved to the front
    assert noisy.map_span(0, 19) == (0, 8)  # a span that began in the stripped heading starts where it went


def test_synthetic_records_stay_valid_after_noise_with_their_evidence_in_the_text():
    for data in SyntheticCorpus(seed=8).records(300):
        copy = make_noisy(parse_gold_record(data), random.Random(data["note_id"]))
        assert copy.labels == parse_gold_record(data).labels
        for spans in copy.evidence.values():
            for span in spans:
                assert span in copy.note.text


def test_the_noisy_command_copies_a_gold_file_with_labels_kept(tmp_path, capsys):
    gold, out = tmp_path / "gold.jsonl", tmp_path / "noisy.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SyntheticCorpus(seed=2).records(120)), encoding="utf-8")
    assert main(["noisy", str(gold), "-o", str(out), "--seed", "4", "--typo-rate", "0.2"]) == 0
    originals, copies = list(iter_gold(gold)), list(iter_gold(out))
    assert [r.note.note_id for r in copies] == [r.note.note_id for r in originals]
    assert all(c.labels == o.labels for c, o in zip(copies, originals))
    assert sum(c.note.text != o.note.text for c, o in zip(copies, originals)) > 100
    again = tmp_path / "again.jsonl"
    assert main(["noisy", str(gold), "-o", str(again), "--seed", "4", "--typo-rate", "0.2"]) == 0
    assert again.read_bytes() == out.read_bytes()
    assert "wrote 120 noisy notes" in capsys.readouterr().err


def test_the_noisy_command_refuses_a_missing_file_and_bad_rates(tmp_path, capsys):
    assert main(["noisy", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "x.jsonl")]) == 2
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(TEMPLATE_NOTE, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["noisy", str(gold), "-o", str(tmp_path / "x.jsonl"), "--typo-rate", "2"]) == 2
    assert main(["noisy", str(gold), "-o", str(gold)]) == 2
    gold.write_text('{"note_id": "n1"}\n', encoding="utf-8")
    assert main(["noisy", str(gold), "-o", str(tmp_path / "x.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "blå mærker" not in err
