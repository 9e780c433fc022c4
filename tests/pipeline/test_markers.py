"""The four markers read like the guidelines: one test per rule family."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.schema import (
    AUTHORITY_JARGON, MARKERS, MISSING_ASSESSMENT, MISSING_CHILD_CONVERSATION, UNHANDLED_CONCERN,
    Note, NoteFlags,
)


@pytest.fixture(scope="module")
def model():
    from models.rules_model import RulesModel

    return RulesModel()


def flags(model, text: str, when: datetime = datetime(2024, 5, 6, 10, 0)) -> NoteFlags:
    return model.analyse([Note("n1", "c1", when, text)])[0].flags


def flagged(model, text: str) -> set[str]:
    return set(flags(model, text).flagged)


# --- unhandled_concern ------------------------------------------------------------------------


def test_worrying_information_without_handling_is_flagged_with_its_type(model):
    result = flags(model, "Pædagogen fortæller, at drengen har et stort blåt mærke ved øjet. Vi aftaler at tale om det næste gang.").markers[UNHANDLED_CONCERN]
    assert result.flag and result.concern_types == ["violence"]
    assert "uden registreret håndtering" in result.evidence[0].reason and "vold" in result.evidence[0].reason


def test_negated_worry_is_not_flagged(model):
    result = flags(model, "Skolen oplyser, at der ikke er tegn på omsorgssvigt, og at hun altid har madpakke med.").markers[UNHANDLED_CONCERN]
    assert not result.flag and result.concern_types == []


def test_hypothetical_worry_is_not_flagged(model):
    assert UNHANDLED_CONCERN not in flagged(model, "Vi aftaler, at børnehaven ringer til os, hvis de ser blå mærker eller andre tegn på vold.")


def test_history_stated_as_history_is_not_flagged(model):
    assert UNHANDLED_CONCERN not in flagged(model, "Far havde et hashmisbrug for mange år siden, men har været stoffri siden 2015. Han passer sit arbejde.")


def test_worry_handled_in_the_same_note_is_not_flagged_but_keeps_its_type(model):
    result = flags(model, "Mor ringer og fortæller, at hendes kæreste har slået [BARN]. Henvendelsen behandles som underretning, og der er lavet en akutvurdering.").markers[UNHANDLED_CONCERN]
    assert not result.flag
    assert result.concern_types == ["violence"]
    assert result.evidence and "samme notat" in result.evidence[0].reason


# --- missing_assessment -----------------------------------------------------------------------


def test_information_without_a_stance_misses_an_assessment(model):
    result = flags(model, "Hjemmebesøg hos familien. Mor fortæller, at [BARN] sover uroligt og vågner flere gange om natten. Lejligheden var ryddelig.").markers[MISSING_ASSESSMENT]
    assert result.flag and result.evidence


def test_a_reasoned_assessment_is_enough(model):
    text = ("Hjemmebesøg hos familien. Mor fortæller, at [BARN] sover uroligt. "
            "Jeg vurderer, at søvnproblemerne hænger sammen med skoleskiftet, idet de begyndte i samme uge.")
    assert MISSING_ASSESSMENT not in flagged(model, text)


def test_a_conclusion_without_reasons_misses_an_assessment(model):
    result = flags(model, "Statusmøde med skolen om trivsel. Skolen beskriver en stille pige. Rådgiver vurderer, at der ikke er grundlag for yderligere.").markers[MISSING_ASSESSMENT]
    assert result.flag
    assert "uden begrundelse" in result.evidence[0].reason


def test_a_template_with_an_empty_assessment_field_is_flagged_on_that_field(model):
    text = "Emne: samtale med far\nIndhold: Far fortæller, at samværet går fint, og at [BARN] glæder sig til ferien.\nVurdering: se ovenfor\nAftaler: ny samtale i juni."
    result = flags(model, text).markers[MISSING_ASSESSMENT]
    assert result.flag
    assert result.evidence[0].text.startswith("Vurdering")
    assert "tomt" in result.evidence[0].reason


def test_a_case_parked_without_a_stance_is_flagged(model):
    assert MISSING_ASSESSMENT in flagged(model, "Modtaget henvendelse fra tandlægen om manglende fremmøde. Sagen afventer almindelig sagsbehandling.")


def test_logistics_need_no_assessment(model):
    assert flagged(model, "Far ringer og aflyser mødet på fredag. Ny tid aftalt til mandag kl. 13. Indkaldelse sendt.") == set()


# --- missing_child_conversation ---------------------------------------------------------------


def test_a_decision_without_hearing_the_child_is_flagged(model):
    result = flags(model, "Der er truffet afgørelse om at forlænge aflastningen til udgangen af året.").markers[MISSING_CHILD_CONVERSATION]
    assert result.flag and "uden registreret børnesamtale" in result.evidence[0].reason


def test_a_child_conversation_in_the_note_is_enough(model):
    text = "Jeg talte med [BARN] alene på hendes værelse. Hun vil gerne blive i aflastningen. Aflastningen forlænges til udgangen af året."
    assert MISSING_CHILD_CONVERSATION not in flagged(model, text)


def test_a_reference_to_an_earlier_conversation_is_enough(model):
    text = "Aflastningen forlænges til udgangen af året, jf. børnesamtale den 12/3, hvor drengen sagde, at han er glad for at komme der."
    assert MISSING_CHILD_CONVERSATION not in flagged(model, text)


def test_a_legitimate_reason_for_not_talking_is_enough(model):
    text = "Familiebehandlingen forlænges i seks måneder. Der er ikke holdt børnesamtale, da [BARN] er otte måneder; samtalen erstattes af observation af samspillet."
    assert MISSING_CHILD_CONVERSATION not in flagged(model, text)


def test_a_template_line_saying_no_conversation_is_still_missing(model):
    text = "Opfølgning på kontaktpersonordningen. Kontaktpersonen beskriver god fremgang. Ordningen fortsætter.\nBørnesamtale: ikke afholdt"
    assert MISSING_CHILD_CONVERSATION in flagged(model, text)


def test_notes_that_are_no_such_step_do_not_need_a_conversation(model):
    assert MISSING_CHILD_CONVERSATION not in flagged(model, "Mor ringer og spørger, hvornår hun får svar på sin ansøgning om aflastning.")


def test_assessing_a_notification_about_violence_needs_the_child_heard(model):
    text = "Underretning fra skolen om, at [BARN] er blevet slået af sin far. Behandlet som underretning; akutvurdering: ingen akut fare."
    assert MISSING_CHILD_CONVERSATION in flagged(model, text)


# --- authority_jargon ---------------------------------------------------------------------------


def test_two_unexplained_items_flag_the_note_with_plain_alternatives(model):
    result = flags(model, "Der iværksættes en foranstaltning iht. § 52, stk. 3, nr. 7.").markers[AUTHORITY_JARGON]
    assert result.flag
    plain = {e.text: e.plain for e in result.evidence}
    assert plain["foranstaltning"] == "hjælp, støtte"
    assert any("§ 52" in t for t in plain)


def test_explained_jargon_is_not_flagged(model):
    text = ("Vi starter en børnefaglig undersøgelse, hvor vi ser grundigt på, hvordan [BARN] har det. "
            "Bagefter kan I få en kontaktperson (§ 52, stk. 3, nr. 7), dvs. en voksen, som [BARN] kan tale med.")
    assert AUTHORITY_JARGON not in flagged(model, text)


def test_a_lone_abbreviation_in_a_plain_note_is_not_flagged(model):
    assert AUTHORITY_JARGON not in flagged(model, "Mor har været til møde med PPR. Hun synes, det gik godt, og [BARN] glæder sig til at starte i den nye klasse.")


def test_stock_phrases_and_templates_are_not_jargon(model):
    text = ("Formål: opfølgning på samværet.\nDeltagere: mor, far og rådgiver.\n"
            "Mor er orienteret om, at hun kan få aktindsigt. Der er givet samtykke til, at vi taler med skolen. "
            "Det aftales, at vi mødes igen om en måned.\nNæste skridt: rådgiver ringer til skolen.")
    assert AUTHORITY_JARGON not in flagged(model, text)


def test_dense_bureaucratic_style_is_flagged_on_its_sentences(model):
    text = ("Det vurderes på baggrund af den foreliggende dokumentation vedrørende forældrenes samarbejdsevne, "
            "at der foreligger en betydelig usikkerhed omkring implementeringen af de aftalte tiltag, hvorfor "
            "der er foretaget en revurdering af indsatsens tilrettelæggelse med henblik på sikring af kontinuitet "
            "i barnets udviklingsmæssige situation og understøttelse af forældrenes mentaliseringsevne.")
    result = flags(model, text).markers[AUTHORITY_JARGON]
    assert result.flag and result.evidence


# --- the contract ---------------------------------------------------------------------------------


def test_every_flag_has_evidence_that_quotes_the_note(model):
    text = ("Underretning fra naboen: mor var beruset, og børnene var alene hjemme om aftenen. "
            "Der træffes afgørelse om aflastning iht. § 52, stk. 3, nr. 5, jf. bevillingsskrivelse. Vurdering: -")
    result = flags(model, text)
    assert set(result.flagged) == set(MARKERS)
    for marker in MARKERS:
        for evidence in result.markers[marker].evidence:
            assert text[evidence.start:evidence.end] == evidence.text
            assert evidence.reason


def test_scores_lie_in_the_unit_interval_and_flags_follow_the_thresholds(model):
    from models.rules_model import RulesModel

    text = "Der iværksættes en foranstaltning iht. § 52."
    strict = RulesModel(thresholds={m: 0.99 for m in MARKERS})
    base = flags(model, text)
    assert all(0.0 <= r.score <= 1.0 for r in base.markers.values())
    assert base.markers[AUTHORITY_JARGON].flag
    assert not strict.analyse([Note("n1", "c1", datetime(2024, 1, 1), text)])[0].flags.markers[AUTHORITY_JARGON].flag


def test_concern_types_in_a_reason_come_once_each_in_the_guidelines_order(model):
    # the tagger's hits for one sentence arrive in no fixed order; the reviewer's reason must not vary
    from pipeline.markers import unhandled_concern
    from pipeline.roles import CONCERN, RoleHit, SentenceRoles
    from pipeline.schema import CONCERN_TYPE_NAMES_DA, CONCERN_TYPES

    text = "Han sælger hash, og far drikker dagligt."
    later, earlier = sorted(["child_substance_crime", "parental_substance"], key=CONCERN_TYPES.index, reverse=True)
    hits = (RoleHit(0.9, ("hash",), later), RoleHit(0.8, ("drikker",), earlier), RoleHit(0.7, ("sælger",), later))
    sentence = SentenceRoles(0, 0, len(text), roles={CONCERN: hits[0]}, concerns=hits)
    cfg = model.settings[UNHANDLED_CONCERN]
    result = unhandled_concern(text, [sentence], cfg, 0.5)
    names = f"{CONCERN_TYPE_NAMES_DA[earlier]}, {CONCERN_TYPE_NAMES_DA[later]}"
    assert result.flag and result.evidence[0].reason == f"Bekymrende oplysning ({names}) uden registreret håndtering som underretning"
    assert result.concern_types == [earlier, later]


def test_sentences_without_roles_change_no_marker_unless_any_worry_counts(model):
    """mark_note skips sentences without roles, except for a concern threshold of 0, which a
    sentence with no worry at all (strength 0.0) reaches."""
    import copy

    from pipeline.markers import mark_note
    from pipeline.roles import SentenceRoles

    text = "Pædagogen fortæller, at drengen har et stort blåt mærke ved øjet. Vi ses igen."
    explanation = next(iter(model.explain_many([Note("n1", "c1", datetime(2024, 5, 6, 10, 0), text)])))
    sentences = list(explanation.sentences)
    plain = SentenceRoles(index=len(sentences), start=len(text) - 12, end=len(text))
    settings = copy.deepcopy(model.settings)
    with_plain = mark_note(text, sentences + [plain], explanation.jargon, settings, model.thresholds)
    without = mark_note(text, sentences, explanation.jargon, settings, model.thresholds)
    assert {m: r.to_dict() for m, r in with_plain.results.items()} == {m: r.to_dict() for m, r in without.results.items()}

    settings[UNHANDLED_CONCERN]["concern_min_score"] = 0.0
    zero = mark_note(text, sentences + [plain], explanation.jargon, settings, model.thresholds).results[UNHANDLED_CONCERN]
    assert [e.text for e in zero.evidence] == [sentences[0].text(text), "Vi ses igen.", "Vi ses igen."]  # the last is `plain`
