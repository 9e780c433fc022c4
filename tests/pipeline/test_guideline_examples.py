"""The worked examples of GUIDELINES.md give exactly their labels (the contract)."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.schema import MARKERS, Note

WORKED_EXAMPLES = [
    (
        "Tlf. fra mor. Hun kan ikke komme til mødet torsdag. Nyt møde 14/5 kl. 10.",
        {"missing_assessment": 0, "missing_child_conversation": 0, "authority_jargon": 0, "unhandled_concern": 0},
        [],
    ),
    (
        "Modtaget statusudtalelse fra skolen. [BARN] har haft blå mærker på armene to gange i "
        "denne måned og siger, at far bliver vred. Udtalelsen lægges på sagen.",
        {"missing_assessment": 1, "missing_child_conversation": 0, "authority_jargon": 0, "unhandled_concern": 1},
        ["violence"],
    ),
    (
        "Opfølgning på indsats efter § 52, stk. 3, nr. 3. Kontaktpersonen oplyser, at det går "
        "bedre. Indsatsen fortsætter uændret.",
        {"missing_assessment": 1, "missing_child_conversation": 1, "authority_jargon": 0, "unhandled_concern": 0},
        [],
    ),
    (
        "Samtale med [BARN] (14 år) på skolen, alene. Han fortæller, at han sover dårligt, men at "
        "det er blevet bedre derhjemme. Vurdering: Jeg vurderer, at indsatsen virker, idet både "
        "[BARN] og skolen beskriver færre konflikter. Indsatsen fortsætter, og vi følger op 1/9.",
        {"missing_assessment": 0, "missing_child_conversation": 0, "authority_jargon": 0, "unhandled_concern": 0},
        [],
    ),
    (
        "Der er d.d. foretaget visitation iht. § 32, stk. 1, nr. 3, hvorfor pågældende "
        "foranstaltning iværksættes med virkning fra 1/3, jf. bevillingsskrivelse.",
        {"missing_assessment": 1, "missing_child_conversation": 1, "authority_jargon": 1, "unhandled_concern": 0},
        [],
    ),
]


@pytest.fixture(scope="module")
def model():
    from models.rules_model import RulesModel

    return RulesModel()


@pytest.mark.parametrize("number, text, labels, concern_types",
                         [(i + 1, *example) for i, example in enumerate(WORKED_EXAMPLES)])
def test_worked_example_gets_exactly_its_labels(model, number, text, labels, concern_types):
    flags = model.analyse([Note(f"example-{number}", f"case-{number}", datetime(2024, 5, 1, 12, 0), text)])[0].flags
    assert {m: int(flags.markers[m].flag) for m in MARKERS} == labels
    assert flags.markers["unhandled_concern"].concern_types == concern_types


def test_the_examples_as_one_note_each_with_line_breaks_get_the_same_labels(model):
    """Caseworkers break lines anywhere; the labels must not depend on it."""
    for number, (text, labels, _) in enumerate(WORKED_EXAMPLES, start=1):
        broken = text.replace(". ", ".\n")
        flags = model.analyse([Note(f"b{number}", "c", datetime(2024, 5, 1), broken)])[0].flags
        assert {m: int(flags.markers[m].flag) for m in MARKERS} == labels, number
