"""The Danish pipeline splits journal notes where a caseworker means a new sentence, lemmatises
in lower case and measures readability (LIX)."""

from __future__ import annotations

import pytest
import spacy
from spacy.lookups import Lookups

from pipeline.text import _load_lemma_table, analyse, get_nlp, heading_content, heading_of, lix, section_of, split_only


def sentences(text: str) -> list[str]:
    return [s.text.strip() for s in analyse(text).sents]


@pytest.mark.parametrize(
    "abbreviation",
    ["d.d.", "bl.a.", "kl.", "jf.", "f.eks.", "evt.", "ift.", "mht.", "ca.", "pga.", "dvs."],
)
def test_abbreviations_do_not_end_a_sentence(abbreviation):
    text = f"Mor fortalte {abbreviation} noget om skolen. Hun ringer igen."
    assert sentences(text) == [f"Mor fortalte {abbreviation} noget om skolen.", "Hun ringer igen."]


def test_times_and_dates_do_not_end_a_sentence():
    text = "Mødet er kl. 14.30 den 4/3 på skolen. Far deltager 04.03.2025 og 4/3-2025."
    assert sentences(text) == ["Mødet er kl. 14.30 den 4/3 på skolen.", "Far deltager 04.03.2025 og 4/3-2025."]


def test_paragraph_reference_ending_a_sentence_is_split_before_the_next_capital():
    text = "Opfølgning efter § 52, stk. 3, nr. 3. Kontaktpersonen oplyser, at det går bedre."
    assert sentences(text) == ["Opfølgning efter § 52, stk. 3, nr. 3.", "Kontaktpersonen oplyser, at det går bedre."]


def test_abbreviation_that_can_close_a_sentence_splits_before_a_capital():
    assert sentences("Vi talte om skole, fritid m.m. Næste møde er i maj.") == [
        "Vi talte om skole, fritid m.m.",
        "Næste møde er i maj.",
    ]


def test_template_headings_start_a_new_segment_and_mark_their_section():
    doc = analyse("Formål: opfølgning på hjemmebesøg\nVurdering: -\nAftaler: nyt møde 14/5")
    sents = list(doc.sents)
    assert [heading_of(s) for s in sents] == ["formål", "vurdering", "aftaler"]
    assert heading_content(sents[1]) == "-"


def test_sentences_below_a_heading_belong_to_its_section():
    doc = analyse("Vurdering:\nJeg vurderer, at det går bedre. Vi følger op 1/9.\nAftaler:\n- møde i maj")
    sents = list(doc.sents)
    assert [s.text.strip() for s in sents] == [
        "Vurdering:", "Jeg vurderer, at det går bedre.", "Vi følger op 1/9.", "Aftaler:", "- møde i maj",
    ]
    assert [section_of(s) for s in sents] == ["vurdering", "vurdering", "vurdering", "aftaler", "aftaler"]
    assert heading_of(sents[1]) is None


def test_a_time_with_colon_is_not_a_heading():
    doc = analyse("Samtale kl. 10:15 med mor. Hun var rolig.")
    assert all(heading_of(s) is None for s in doc.sents)


def test_bullets_each_start_a_sentence():
    assert sentences("Aftaler\n- mor ringer til skolen\n• far kommer til mødet\n1. ny samtale") == [
        "Aftaler", "- mor ringer til skolen", "• far kommer til mødet", "1. ny samtale",
    ]


def test_line_break_ends_a_sentence_unless_the_next_line_continues_in_lower_case():
    assert sentences("Tlf. fra skolen\nDrengen var ikke mødt\ni dag heller.") == [
        "Tlf. fra skolen", "Drengen var ikke mødt\ni dag heller.",
    ]


def test_blank_line_always_ends_a_sentence():
    assert sentences("Mor ringede\n\nhun kommer ikke") == ["Mor ringede", "hun kommer ikke"]


def test_sentence_offsets_point_into_the_original_text():
    text = "Tlf. fra mor.  Hun kommer kl. 10."
    doc = analyse(text)
    for sent in doc.sents:
        assert text[sent.start_char : sent.end_char] == sent.text


def test_lemmas_are_lower_case_and_capitalised_words_fall_back_to_the_lower_case_lookup():
    doc = analyse("Samtalen med børnene blev afholdt. Forældrene vurderes.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["Samtalen"] == "samtale"
    assert lemmas["børnene"] == "barn"
    assert lemmas["vurderes"] == "vurdere"
    assert all(t.lemma_ == t.lemma_.lower() for t in doc)


def test_unknown_words_keep_their_lower_case_form_as_lemma():
    assert analyse("Xyzzyplan")[0].lemma_ == "xyzzyplan"


SMALL_TABLE = {"Samtalen": "Samtale", "børnene": "barn", "slog": "slå", "forældrene": "forælder"}
SMALL_TABLE_TEXT = "Samtalen med Børnene. SLOG Forældrene xyzzy"


def small_lemmatizer_pipeline(**config):
    nlp = spacy.blank("da")
    return nlp, nlp.add_pipe("journal_lemmatizer", config=config)


def test_a_plain_dict_table_gives_the_lemmas_spacys_lookups_give():
    expected = ["samtale", "med", "barn", ".", "slå", "forælder", "xyzzy"]
    nlp, lemmatizer = small_lemmatizer_pipeline()
    lookups = Lookups()
    lookups.add_table("lemma_lookup", SMALL_TABLE)
    lemmatizer.initialize(lookups=lookups)
    assert [t.lemma_ for t in nlp(SMALL_TABLE_TEXT)] == expected
    nlp, lemmatizer = small_lemmatizer_pipeline()
    lemmatizer.use_table(dict(SMALL_TABLE))
    assert [t.lemma_ for t in nlp(SMALL_TABLE_TEXT)] == expected
    assert [t.lemma_ for t in nlp(SMALL_TABLE_TEXT)] == expected  # and again from the per-form cache


def test_without_overwrite_the_lemmatizer_keeps_lemmas_already_set():
    nlp, lemmatizer = small_lemmatizer_pipeline(overwrite=False)
    lemmatizer.use_table(dict(SMALL_TABLE))
    doc = nlp.make_doc("Samtalen slog")
    doc[1].lemma_ = "given"
    assert [t.lemma_ for t in lemmatizer(doc)] == ["samtale", "given"]


def test_the_shipped_table_is_read_as_a_plain_dict():
    table = _load_lemma_table()
    assert isinstance(table, dict) and len(table) > 100_000
    assert table["børnene"] == "barn"


def test_lix_matches_the_formula():
    # 6 words, 1 sentence, 3 words longer than six letters (forvaltningen, iværksætter, familien)
    doc = analyse("Forvaltningen iværksætter hjælp til hele familien.")
    assert lix(doc) == pytest.approx(6 + 100 * 3 / 6)


def test_lix_of_dense_administrative_text_is_higher_than_plain_text():
    dense = analyse(
        "Forvaltningen har foretaget en helhedsorienteret vurdering af sagsbehandlingsskridtene, "
        "hvorfor foranstaltningen iværksættes med henblik på hjemgivelse."
    )
    plain = analyse("Vi har talt med dig. Vi vil gerne hjælpe. Du får en kontaktperson.")
    assert lix(dense) > 55 > 30 > lix(plain)


def test_lix_of_text_without_words_is_zero():
    assert lix(analyse("- - 12")) == 0.0


def test_pipeline_is_built_once_per_process():
    assert get_nlp() is get_nlp()


def test_split_only_gives_the_same_sentences_without_lemmas():
    text = "Tlf. fra mor d.d. Hun kommer kl. 10.\nVurdering: -"
    (doc,) = split_only([text])
    assert [s.text for s in doc.sents] == [s.text for s in analyse(text).sents]


def test_a_five_megabyte_note_is_split_without_error():
    text = "Mor ringede d.d. og fortalte om skolen. " * 130_000
    doc = get_nlp()(text)
    assert sum(1 for _ in doc.sents) == 130_000
