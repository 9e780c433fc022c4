"""Which names in a note are the child's: pseudonymised archives write "Mikkel", "Maja (14)" or
"ML" where others write "[BARN]".

A name counts as the child's only where the note itself says so:

- an age right after it: "Oliver (10)", "Maja, 14 år", "Emil er 9 år";
- a parent named through it: "Livas far", "ML's mor", "Frejas plejemor";
- a child word before it: "drengen Mikkel", "sønnen Alfred", "den unge Adam";
- a talk alone with it: "talte med Maja alene", "samtale m. AR alene";
- a school class after it: "Noah går i 3. klasse".

Every use of such a name in the note (also "Livas", "ML's") then reads as a mention of the
child, so patterns written with @child ("samtale med @child") work for named children too.
The rules are deliberately narrow: a parent's or a worker's name must not become the child.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc

MAX_CHILD_AGE = 23  # aftercare reaches 23
CHILD_WORDS = frozenset({"dreng", "pige", "barn", "søn", "datter", "unge", "elev", "knægt", "teenager", "pigebarn", "drengebarn"})
TALK_WORDS = frozenset({"samtale", "tale", "talte", "talt", "snakke", "snakkede", "snakket", "mødes", "mødtes"})
WITH_WORDS = frozenset({"med", "m."})
NOT_NAMES = frozenset({
    "mor", "far", "moster", "faster", "morbror", "farbror", "mormor", "morfar", "farmor", "farfar",
    "plejemor", "plejefar", "stedfar", "stedmor", "bonusfar", "bonusmor", "onkel", "tante",
    "rådgiver", "pædagog", "lærer", "skolen", "børnehaven", "politiet", "kommunen", "lægen",
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    "han", "hun", "de", "den", "det", "jeg", "vi", "i", "der", "her", "barnet", "drengen", "pigen",
})
_INITIALS = re.compile(r"^[A-ZÆØÅ]{1,3}\.?$")
_POSSESSIVE = re.compile(r"^(?P<name>[A-ZÆØÅ][a-zæøåéü]+|[A-ZÆØÅ]{1,3})(?:'s|’s|´s|s)$")


def child_name_tokens(doc: Doc, parent_words: Iterable[str], orths: Sequence[int] | None = None,
                      lowers: Sequence[int] | None = None, lemmas: Sequence[int] | None = None) -> list[int]:
    """Token indices of every mention of a name this note marks as the child's.

    `orths`, `lowers` and `lemmas` (the doc's ORTH, LOWER and LEMMA ids, e.g. from a
    TokenTable) save reading them from the doc again."""
    if orths is None:
        orths = doc.to_array(ORTH).tolist() if len(doc) else []
    words = _word_cache(doc.vocab)
    candidates = _capitalised(doc.vocab, orths, words)
    if not candidates:
        return []
    parents = _lowered(parent_words) if isinstance(parent_words, frozenset) else frozenset(w.lower() for w in parent_words)
    parent_ids = _ids(parents)
    if lowers is None:
        lowers = doc.to_array(LOWER).tolist()
    if lemmas is None:
        lemmas = doc.to_array(LEMMA).tolist()
    strings = doc.vocab.strings
    n = len(orths)

    def text(i: int) -> str:
        return strings[orths[i]] if 0 <= i < n else ""

    # the words around a candidate are compared as ids: LOWER for words, ORTH for the exact
    # openers of an age, LEMMA for the child words
    names: set[str] = set()
    for i in candidates:
        word, word_lower, possessive, could_be_name = words[orths[i]]
        following = lowers[i + 1] if i + 1 < n else 0
        if possessive and following in parent_ids:
            names.add(possessive)
            continue
        if following in _APOSTROPHE_S_IDS and i + 2 < n and lowers[i + 2] in parent_ids and _name_like(word):
            names.add(word_lower)
            continue
        if not could_be_name:
            continue
        # an age or a class can only follow after one of these words (_age_follows, _class_follows)
        if (i + 1 < n and orths[i + 1] in _AGE_OPENER_IDS) or following in _CLASS_VERB_IDS:
            after = [text(j) for j in range(i + 1, min(i + 5, n))]
            if _age_follows(after) or _class_follows([a.lower() for a in after]):
                names.add(word.lower())
                continue
        if i > 0 and word.istitle() and lemmas[i - 1] in _CHILD_WORD_IDS:
            names.add(word.lower())
        elif following == _ALONE_ID and _alone_talk(text(i - 2).lower(), text(i - 1).lower(), "alene"):
            names.add(word.lower())
    if not names:
        return []
    out = [i for i in candidates if text(i).lower() in names]
    for i in candidates:  # "Livas", "ML's": the name inside a possessive
        if _possessive_name(text(i)) in names and i not in out:
            out.append(i)
    lower_ids = {strings[name] for name in names if name in strings}
    if lower_ids:  # a name written in lower case ("emil")
        out.extend(i for i, lower in enumerate(lowers) if lower in lower_ids and i not in out)
    return sorted(out)


def _word_cache(vocab) -> dict:
    """ORTH id -> (word, lower case, possessive name, could be a name) for the words seen in
    title or upper case, and ORTH id -> False for the others (kept per vocab)."""
    cache = _WORDS.get(vocab)
    if cache is None or len(cache) > WORD_CACHE_LIMIT:
        cache = _WORDS[vocab] = {}
    return cache


def _capitalised(vocab, orths: Sequence[int], cache: dict) -> list[int]:
    """Indices of the tokens whose word is in title case or upper case (spaCy's IS_TITLE or
    IS_UPPER), read from the per-word cache instead of a flag array per doc."""
    get = cache.get
    per_token = [get(orth) for orth in orths]
    if None in per_token:  # words not seen before: read once, then cached
        for orth in {orth for orth, known in zip(orths, per_token) if known is None}:
            lexeme = vocab[orth]
            if lexeme.is_title or lexeme.is_upper:
                word = lexeme.orth_
                cache[orth] = (word, word.lower(), _possessive_name(word), _could_be_name(word))
            else:
                cache[orth] = False
        per_token = [get(orth) for orth in orths]
    return [i for i, known in enumerate(per_token) if known]


WORD_CACHE_LIMIT = 200_000
_WORDS: dict = {}  # vocab -> _word_cache's table
_APOSTROPHE_S = frozenset({"'s", "’s", "´s"})
_AGE_OPENERS = frozenset({"(", ",", "er", "var", "som", "på"})
_CLASS_VERBS = frozenset({"går", "gik"})
_APOSTROPHE_S_IDS = frozenset(get_string_id(w) for w in _APOSTROPHE_S)
_AGE_OPENER_IDS = frozenset(get_string_id(w) for w in _AGE_OPENERS)
_CLASS_VERB_IDS = frozenset(get_string_id(w) for w in _CLASS_VERBS)
_CHILD_WORD_IDS = frozenset(get_string_id(w) for w in CHILD_WORDS)
_ALONE_ID = get_string_id("alene")


@lru_cache(maxsize=16)
def _lowered(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


@lru_cache(maxsize=16)
def _ids(words: frozenset[str]) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)


@lru_cache(maxsize=65_536)
def _possessive_name(word: str) -> str | None:
    """"Livas" -> "liva", "ML's" -> "ml": the lower-cased name inside a possessive, or None."""
    possessive = _POSSESSIVE.match(word)
    return possessive.group("name").lower() if possessive else None


@lru_cache(maxsize=65_536)
def _could_be_name(word: str) -> bool:
    return _name_like(word) and word.lower() not in NOT_NAMES


def _name_like(text: str) -> bool:
    return (len(text) >= 2 and text[0].isupper() and text[1:].islower() and text.isalpha()) or bool(_INITIALS.match(text) and len(text.rstrip(".")) >= 2)


def _age_follows(window: list[str]) -> bool:
    """"Oliver (10)", "Oliver (10 år)", "Maja, 14 år", "Emil er 9 år" (the words after the name)."""
    if len(window) >= 3 and window[0] == "(" and _age(window[1]) and (window[2] == ")" or window[2] in {"år", "år)"}):
        return True
    if len(window) >= 3 and window[0] in {",", "er", "var", "som", "på"} and _age(window[1]) and window[2].lower() in {"år", "årig"}:
        return True
    return False


def _class_follows(window: list[str]) -> bool:
    """"Noah går i 3. klasse" (the words after the name, lower case)."""
    return len(window) >= 4 and window[0] in {"går", "gik"} and window[1] == "i" and window[3] in {"klasse", "kl."}


def _alone_talk(two_before: str, before: str, after: str) -> bool:
    """"talte med Maja alene", "samtale m. AR alene"."""
    return after == "alene" and before in WITH_WORDS and two_before in TALK_WORDS


def _age(text: str) -> bool:
    return text.isdigit() and 0 <= int(text) <= MAX_CHILD_AGE
