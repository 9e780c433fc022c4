"""The phrase banks say what their names promise: jargon is marked, handling and child contact stay in their banks."""

from __future__ import annotations

import random
import re

import pytest

from annotations.synth.casting import ALL_SLOTS
from annotations.synth.notes import BOUND_SLOTS, NoteRenderer
from annotations.synth.phrases import BankError, RenderState, load_banks, pick, render

# Jargon of GUIDELINES M3, written out here independently of the banks' own markup.
JARGON_PATTERNS = [
    r"§",
    r"\bBFU\b", r"\bPPR\b", r"\bSSP\b", r"\bKKA\b", r"\bTF\b", r"\bICS\b", r"\bDUBU\b", r"\bUU\b", r"\bFFT\b", r"\bMST\b",
    r"foranstaltning", r"iværksæt", r"bevilg", r"bevilling", r"visitation", r"visiter", r"hjemgiv", r"partshør",
    r"anbringelsesgrundlag", r"sagsbehandlingsskridt",
    r"\bjf\.", r"\biht\.", r"pågældende", r"nærværende", r"ovennævnt", r"foranledig", r"\bhvorfor\b", r"\bsåledes\b",
    r"\bd\.d\.", r"børnefaglige? undersøgelse", r"\bundr\.",
]
HANDLING_PATTERNS = [
    r"behandles som (en )?underretning", r"som underretning", r"modtagelsen", r"døgnvagt", r"akutvurd", r"24-t",
    r"24-timers", r"børnehus", r"oprettet som", r"registreret som", r"underretning(en)? er registreret", r"anmeldt til politiet",
    r"politiet er kontaktet",
]
CHILD_CONTACT_PATTERNS = [
    r"talt? med \{B\}", r"talte med", r"samtale med \{(B|drengen)\}", r"børnesamtale", r"observ", r"\{B\} er hørt",
]
REASON_PATTERNS = r"\b(idet|fordi|da|på baggrund af|lagt vægt på|lægger vægt på|henset til|set i lyset af|ud fra)\b"


@pytest.fixture(scope="module")
def banks():
    return load_banks(known_slots=set(ALL_SLOTS), known_bound=set(BOUND_SLOTS))


def _outside_markup(phrase: str) -> str:
    return re.sub(r"\[\[.*?\]\]", " ", phrase)


def _phrases(banks, prefix: str = ""):
    return [(name, phrase) for name, _, phrase in banks.raw_phrases() if name.startswith(prefix)]


def test_no_known_jargon_word_is_left_unmarked_in_any_bank(banks):
    offenders = []
    for name, phrase in _phrases(banks):
        if name.startswith("people."):
            continue
        for pattern in JARGON_PATTERNS:
            if re.search(pattern, _outside_markup(phrase), re.IGNORECASE if pattern.islower() else 0):
                offenders.append((name, pattern, phrase))
    assert not offenders, offenders[:5]


def test_only_handling_banks_record_handling_of_a_concern(banks):
    offenders = []
    for name, phrase in _phrases(banks):
        if name.startswith(("handling.", "people.")):
            continue
        for pattern in HANDLING_PATTERNS:
            if re.search(pattern, phrase, re.IGNORECASE):
                offenders.append((name, pattern, phrase))
    assert not offenders, offenders[:5]


def test_only_handling_notes_may_say_whether_the_child_is_in_acute_danger(banks):
    # such a stance is itself the 24-hour assessment, i.e. handling (GUIDELINES M4)
    allowed = ("handling.", "assessment.reasoned.concern_acute", "assessment.bare.concern_acute", "people.")
    offenders = [
        (name, phrase)
        for name, phrase in _phrases(banks)
        if not name.startswith(allowed) and re.search(r"akut|i fare\b", phrase, re.IGNORECASE)
    ]
    assert not offenders, offenders[:5]


def test_only_child_banks_record_contact_with_the_child(banks):
    allowed = ("child.", "child_talk.", "open.child_talk.", "people.", "layout.heading.")
    offenders = []
    for name, phrase in _phrases(banks):
        if name.startswith(allowed):
            continue
        for pattern in CHILD_CONTACT_PATTERNS:
            if re.search(pattern, phrase, re.IGNORECASE):
                offenders.append((name, pattern, phrase))
    assert not offenders, offenders[:5]


def test_reasoned_assessments_give_a_reason_and_bare_ones_do_not(banks):
    reasoned = _phrases(banks, "assessment.reasoned.")
    bare = _phrases(banks, "assessment.bare.") + _phrases(banks, "assessment.empty_field")
    assert reasoned and bare
    def gives_reason(phrase: str) -> bool:
        return bool(re.search(REASON_PATTERNS, phrase)) or "{@assessment.conn}" in phrase

    assert not [p for _, p in reasoned if not gives_reason(p)]
    assert not [p for _, p in bare if gives_reason(p)]


def test_decisions_and_step_conclusions_carry_no_reasons(banks):
    phrases = _phrases(banks, "decision.") + _phrases(banks, "step.")
    assert not [p for _, p in phrases if re.search(REASON_PATTERNS, _outside_markup(p))]


def test_negated_hypothetical_and_history_banks_exist_for_every_concern_type(banks):
    from pipeline.schema import CONCERN_TYPES

    for concern_type in CONCERN_TYPES:
        for part in ("fact", "child_says", "parent_report", "basis", "short", "subject", "negated", "hypothetical", "history"):
            assert f"concerns.{concern_type}.{part}" in banks, (concern_type, part)


def _state(renderer: NoteRenderer, seed: int) -> RenderState:
    values = {slot: f"<{slot}>" for slot in ALL_SLOTS}
    st = RenderState(values=values, rng=random.Random(seed))
    st.bound = renderer._bound(("violence", "neglect"), "school", 9)
    return st


def test_every_phrase_renders_with_every_register_without_leftover_markup(banks):
    renderer = NoteRenderer(banks)
    for name in banks.names():
        for register in ("plain", "terse", "narrative", "admin"):
            st = _state(renderer, 1)
            st.register = register
            for phrase in banks[name].by_register[register]:
                text = render(phrase, st)
                assert not re.search(r"\[\[|\]\]|\{|\}", text), (name, text)


def test_single_jargon_asides_hold_one_item_and_heavy_ones_at_least_two(banks):
    renderer = NoteRenderer(banks)
    for phrase in banks["jargon.single"].by_register["plain"]:
        st = _state(renderer, 2)
        render(phrase, st)
        assert len({j.lower() for j in st.jargon}) == 1
    for phrase in banks["jargon.heavy"].by_register["plain"]:
        st = _state(renderer, 3)
        render(phrase, st)
        assert len({j.lower() for j in st.jargon}) >= 2
    for phrase in banks["jargon.explained"].by_register["plain"]:
        st = _state(renderer, 4)
        render(phrase, st)
        assert st.jargon == []


def test_a_misspelt_slot_fails_at_load_time_with_the_bank_name(tmp_path):
    (tmp_path / "demo.yaml").write_text('greeting: ["Hej {barnet}"]\n', encoding="utf-8")
    with pytest.raises(BankError, match="demo.greeting"):
        load_banks(tmp_path, known_slots={"B"})


def test_a_reference_to_a_missing_bank_fails_at_load_time(tmp_path):
    (tmp_path / "demo.yaml").write_text('greeting: ["Hej {@demo.nowhere}"]\n', encoding="utf-8")
    with pytest.raises(BankError, match="demo.nowhere"):
        load_banks(tmp_path)


def test_a_register_a_bank_lacks_falls_back_to_plain(tmp_path):
    (tmp_path / "demo.yaml").write_text('line:\n  plain: ["almindelig"]\n  terse: ["kort"]\n', encoding="utf-8")
    banks = load_banks(tmp_path)
    st = RenderState(values={}, rng=random.Random(0), register="admin")
    assert pick(banks["demo.line"], st) == "almindelig"
    st.register = "terse"
    assert pick(banks["demo.line"], st) == "kort"
