"""The case timeline: the 24-hour rule across notes of a case, and case summaries."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from pipeline.cases import HandlingIndex, apply_case_timeline, case_summary, resolve_unhandled
from pipeline.schema import MISSING_ASSESSMENT, UNHANDLED_CONCERN, Evidence, Note

T0 = datetime(2024, 2, 5, 9, 0)
WORRY = "Skolen ringer: [BARN] har mærker på halsen og siger, at stedfar holdt hende fast om halsen i går."
HANDLED = "Oplysningerne fra skolen den 5/2 behandles som underretning. Akutvurdering foretaget."
PLAIN = "Mor ringer og flytter mødet til torsdag."


@pytest.fixture(scope="module")
def model():
    from models.rules_model import RulesModel

    return RulesModel()


def note(note_id: str, text: str, hours: float = 0.0, case: str = "K1") -> Note:
    return Note(note_id, case, T0 + timedelta(hours=hours), text)


def timeline(model, notes: list[Note]):
    flags = apply_case_timeline(model.analyse(notes), window=model.case_window)
    return {f.note_id: f for f in flags}


def test_a_concern_handled_by_a_later_note_two_hours_after_is_not_flagged(model):
    result = timeline(model, [note("a", WORRY), note("b", HANDLED, hours=2)])["a"].markers[UNHANDLED_CONCERN]
    assert not result.flag
    assert result.concern_types == ["violence"]
    assert result.evidence[0].note_id == "b"
    assert result.evidence[0].reason == "Behandlet som underretning i notat b, 2 timer senere"


def test_a_concern_handled_thirty_hours_after_is_flagged(model):
    result = timeline(model, [note("a", WORRY), note("b", HANDLED, hours=30)])["a"].markers[UNHANDLED_CONCERN]
    assert result.flag


def test_handling_before_the_concern_does_not_count(model):
    result = timeline(model, [note("b", HANDLED, hours=-1), note("a", WORRY)])["a"].markers[UNHANDLED_CONCERN]
    assert result.flag


def test_handling_in_another_case_does_not_count(model):
    result = timeline(model, [note("a", WORRY), note("b", HANDLED, hours=1, case="K2")])["a"].markers[UNHANDLED_CONCERN]
    assert result.flag


def test_the_rule_does_not_depend_on_the_order_notes_arrive_in(model):
    notes = [note("a", WORRY), note("b", PLAIN, hours=1), note("c", HANDLED, hours=3),
             note("d", WORRY, hours=40, case="K2"), note("e", WORRY, hours=50)]
    expected = {k: v.flagged for k, v in timeline(model, notes).items()}
    shuffled = notes[:]
    random.Random(7).shuffle(shuffled)
    assert {k: v.flagged for k, v in timeline(model, shuffled).items()} == expected
    assert UNHANDLED_CONCERN not in expected["a"]
    assert UNHANDLED_CONCERN in expected["d"] and UNHANDLED_CONCERN in expected["e"]


def test_a_scan_can_build_the_index_chunk_by_chunk_and_resolve_later(model):
    """The streaming scan: analyses arrive in chunks, the index keeps no note text."""
    chunks = [[note("b", HANDLED, hours=5)], [note("a", WORRY)]]
    index = HandlingIndex()
    spilled = []
    for chunk in chunks:
        for analysis in model.analyse(chunk):
            index.add(analysis.flags.case_id, analysis.flags.note_id, analysis.written_at, analysis.handling)
            spilled.append(analysis)
    resolved = {a.flags.note_id: resolve_unhandled(a.flags, a.written_at, index, model.case_window) for a in spilled}
    assert not resolved["a"].markers[UNHANDLED_CONCERN].flag
    assert all(len(e.text) <= 120 for entries in index._by_case.values() for _, _, e in entries)


def test_the_index_finds_the_earliest_handling_inside_the_window_and_never_the_note_itself():
    index = HandlingIndex()
    ev = Evidence(0, 5, "akut", "Behandlet som underretning")
    index.add("K", "late", T0 + timedelta(hours=20), [ev])
    index.add("K", "self", T0, [ev])
    index.add("K", "early", T0 + timedelta(hours=1), [ev])
    index.add("K", "none", T0 + timedelta(hours=2), [])
    assert index.find("K", T0, timedelta(hours=24), exclude_note_id="self")[0] == "early"
    assert index.find("K", T0 + timedelta(hours=2), timedelta(hours=24), "self")[0] == "late"
    assert index.find("K", T0 + timedelta(hours=21), timedelta(hours=24), "x") is None
    assert index.find("other", T0, timedelta(hours=24), "x") is None
    assert len(index) == 3


def test_the_window_comes_from_the_model_config(model, tmp_path):
    from models.rules_model import RulesModel

    model.to_disk(tmp_path / "short")
    config = (tmp_path / "short" / "config.yaml").read_text(encoding="utf-8")
    (tmp_path / "short" / "config.yaml").write_text(config.replace("case_window_hours: 24.0", "case_window_hours: 1.0"), encoding="utf-8")
    short = RulesModel.from_disk(tmp_path / "short")
    assert short.case_window == timedelta(hours=1)
    result = timeline(short, [note("a", WORRY), note("b", HANDLED, hours=2)])["a"].markers[UNHANDLED_CONCERN]
    assert result.flag


def test_a_case_summary_shows_markers_over_time(model):
    notes = [note("a", WORRY), note("b", HANDLED, hours=2), note("c", WORRY, hours=72), note("z", PLAIN, case="K9")]
    final = apply_case_timeline(model.analyse(notes), window=model.case_window)
    times = {n.note_id: n.written_at for n in notes}
    summaries = case_summary((f, times[f.note_id]) for f in final)
    assert [s.case_id for s in summaries] == ["K1", "K9"]
    k1 = summaries[0]
    assert k1.notes == 3 and [e.note_id for e in k1.timeline] == ["a", "b", "c"]
    assert k1.open_concerns == ["c"]
    assert k1.concern_types == ["violence"]
    assert k1.per_marker[UNHANDLED_CONCERN] == 1
    assert k1.per_marker[MISSING_ASSESSMENT] >= 1
    data = k1.to_dict()
    assert data["timeline"][0]["written_at"] == "2024-02-05T09:00" and data["flag_rate"] > 0
