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
from typing import Iterable

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


def child_name_tokens(doc: Doc, parent_words: Iterable[str]) -> list[int]:
    """Token indices of every mention of a name this note marks as the child's."""
    parents = {w.lower() for w in parent_words}
    names: set[str] = set()
    n = len(doc)
    for i, token in enumerate(doc):
        text = token.text
        possessive = _POSSESSIVE.match(text)
        if possessive and i + 1 < n and doc[i + 1].lower_ in parents:
            names.add(possessive.group("name").lower())
            continue
        if i + 1 < n and doc[i + 1].text in {"'s", "’s", "´s"} and i + 2 < n and doc[i + 2].lower_ in parents and _name_like(text):
            names.add(text.lower())
            continue
        if not _name_like(text) or text.lower() in NOT_NAMES:
            continue
        if _age_follows(doc, i) or _class_follows(doc, i):
            names.add(text.lower())
        elif i > 0 and doc[i - 1].lemma_ in CHILD_WORDS and token.is_title:
            names.add(text.lower())
        elif _alone_talk(doc, i):
            names.add(text.lower())
    if not names:
        return []
    out = []
    for i, token in enumerate(doc):
        lower = token.lower_
        possessive = _POSSESSIVE.match(token.text)
        if lower in names or (possessive and possessive.group("name").lower() in names):
            out.append(i)
    return out


def _name_like(text: str) -> bool:
    return (len(text) >= 2 and text[0].isupper() and text[1:].islower() and text.isalpha()) or bool(_INITIALS.match(text) and len(text.rstrip(".")) >= 2)


def _age_follows(doc: Doc, i: int) -> bool:
    """"Oliver (10)", "Oliver (10 år)", "Maja, 14 år", "Emil er 9 år"."""
    window = [t.text for t in doc[i + 1:i + 5]]
    if len(window) >= 3 and window[0] == "(" and _age(window[1]) and (window[2] == ")" or window[2] in {"år", "år)"}):
        return True
    if len(window) >= 3 and window[0] in {",", "er", "var", "som", "på"} and _age(window[1]) and window[2].lower() in {"år", "årig"}:
        return True
    return False


def _class_follows(doc: Doc, i: int) -> bool:
    """"Noah går i 3. klasse"."""
    window = [t.lower_ for t in doc[i + 1:i + 5]]
    return len(window) >= 4 and window[0] in {"går", "gik"} and window[1] == "i" and window[3] in {"klasse", "kl."}


def _alone_talk(doc: Doc, i: int) -> bool:
    """"talte med Maja alene", "samtale m. AR alene"."""
    if i < 2 or i + 1 >= len(doc) or doc[i + 1].lower_ != "alene":
        return False
    return doc[i - 1].lower_ in WITH_WORDS and doc[i - 2].lower_ in TALK_WORDS


def _age(text: str) -> bool:
    return text.isdigit() and 0 <= int(text) <= MAX_CHILD_AGE
