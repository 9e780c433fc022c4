"""The people of a synthetic case and how the archive anonymised them.

Real archives anonymise in more than one way: bracket tags (`[BARN]`, `[MOR]`, `[Navn]`),
pseudonyms, initials with a role (`LKJ (rådgiver)`). One case keeps one way throughout, as one
municipality's export would. The values here fill the `{slots}` of the phrase banks; dates are
added per note (see `note_values`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from annotations.synth.draws import below, choose
from annotations.synth.phrases import BankSet
from annotations.synth.storyline import CasePlan

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december")
MEASURE_NOUNS: dict[str, tuple[str, str]] = {
    # measure -> (the measure, the person who delivers it)
    "family_treatment": ("familiebehandlingen", "familiebehandleren"),
    "contact_person": ("forløbet med kontaktpersonen", "kontaktpersonen"),
    "respite": ("aflastningen", "aflastningsfamilien"),
    "placement": ("anbringelsen", "opholdsstedet"),
}
_LETTERS = "ABCDEFGHIJKLMNOPRSTUVW"
HEADING_SECTIONS = ("purpose", "info", "child", "assessment", "step", "agreements", "child_line")
FUTURE_TIMES = ("9.00", "10.00", "13.00", "14.30", "8.30", "12.00")

# Every `{slot}` a phrase may use; the bank loader rejects any other name.
CASE_SLOTS = frozenset(
    {
        "B", "han", "ham", "hans", "Han", "Hans", "drengen", "Drengen", "alder", "klasse", "inst", "instn", "Instn",
        "mor", "Mor", "far", "Far", "forælder", "Forælder", "fhun", "Fhun", "anden", "Anden",
        "lærer", "Lærer", "pædagog", "Pædagog", "behandler", "Behandler", "indsats", "Indsats",
        "rådgiver", "Rådgiver", "init", "år",
    }
)
NOTE_SLOTS = frozenset({"kilde", "Kilde", "dato", "kl", "frem_dato", "frem_kl", "før_dato", "ref_dato", "ref_kl"})
ALL_SLOTS = CASE_SLOTS | NOTE_SLOTS


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _initials(rng: Any, n: int = 3) -> str:
    random = rng.random
    return "".join([_LETTERS[int(random() * len(_LETTERS))] for _ in range(n)])


def _age_values(age: int) -> dict[str, str]:
    inst = "vuggestue" if age <= 2 else "børnehave" if age <= 5 else "skole"
    instn = {"vuggestue": "vuggestuen", "børnehave": "børnehaven", "skole": "skolen"}[inst]
    grade = "1.g" if age >= 17 else f"{max(age - 6, 0)}. klasse"
    return {"alder": str(age), "klasse": grade, "inst": inst, "instn": instn, "Instn": _cap(instn)}


def _gender_values(boy: bool) -> dict[str, str]:
    return {
        "han": "han" if boy else "hun",
        "ham": "ham" if boy else "hende",
        "hans": "hans" if boy else "hendes",
        "Han": "Han" if boy else "Hun",
        "Hans": "Hans" if boy else "Hendes",
        "drengen": "drengen" if boy else "pigen",
        "Drengen": "Drengen" if boy else "Pigen",
    }


# The values that follow from the plan alone, written once.
AGE_VALUES = {age: _age_values(age) for age in range(18)}
GENDER_VALUES = {boy: _gender_values(boy) for boy in (True, False)}
MEASURE_VALUES = {
    measure: {"indsats": noun, "Indsats": _cap(noun), "behandler": deliverer, "Behandler": _cap(deliverer)}
    for measure, (noun, deliverer) in MEASURE_NOUNS.items()
}


class CaseCaster:
    """Casts the cases of a run: the name lists and template headings are looked up once."""

    def __init__(self, banks: BankSet):
        texts = banks.texts
        self.boys, self.girls = texts("people.boy"), texts("people.girl")
        self.women, self.men = texts("people.woman"), texts("people.man")
        self.headings = tuple(("_h_" + section, texts(f"layout.heading.{section}")) for section in HEADING_SECTIONS)

    def cast(self, case: CasePlan, rng: Any) -> dict[str, str]:
        """Slot values for one case: the child, the parents, the professionals, the caseworker."""
        boy = case.gender == "boy"
        draw = rng.random()
        scheme = "tags" if draw < 0.42 else "pseudonyms" if draw < 0.70 else "initials" if draw < 0.84 else "roles"
        child_name = choose(self.boys if boy else self.girls, rng)
        if scheme == "tags":
            child, mother, father = "[BARN]", "[MOR]", "[FAR]"
            teacher = choose(("klasselærer [Navn]", "[Navn], klasselærer", "klasselæreren"), rng)
            educator = choose(("pædagog [Navn]", "[Navn], pædagog", "pædagogen"), rng)
        elif scheme == "pseudonyms":
            child = child_name
            mother, father = choose(self.women, rng), choose(self.men, rng)
            teacher = choose(("klasselærer " + choose(self.women, rng), "klasselæreren"), rng)
            educator = choose(("pædagog " + choose(self.men, rng), "pædagogen"), rng)
        elif scheme == "initials":
            child = child_name[0] + "." if rng.random() < 0.5 else _initials(rng, 2)
            mother, father = "mor", "far"
            teacher = f"{_initials(rng, 2)} (klasselærer)"
            educator = f"{_initials(rng, 2)} (pædagog)"
        else:
            child = child_name
            mother, father = "mor", "far"
            teacher = "klasselæreren"
            educator = "pædagogen"

        primary_is_mother = rng.random() < 0.72
        parent, other = (mother, father) if primary_is_mother else (father, mother)
        caseworker = _initials(rng, choose((2, 3, 3), rng))
        caseworker_ref = choose((f"rådgiver {caseworker}", f"sagsbehandler {caseworker}", f"{caseworker} (rådgiver)"), rng)
        random = rng.random
        values = {key: texts[int(random() * len(texts))] for key, texts in self.headings}
        values.update(GENDER_VALUES[boy])
        values.update(AGE_VALUES[case.age])
        values.update(MEASURE_VALUES[case.measure])
        teacher_here = teacher if case.age >= 6 else educator
        values.update(
            {
                "B": child,
                "mor": mother,
                "Mor": _cap(mother),
                "far": father,
                "Far": _cap(father),
                "forælder": parent,
                "Forælder": _cap(parent),
                "fhun": "hun" if primary_is_mother else "han",
                "Fhun": "Hun" if primary_is_mother else "Han",
                "anden": other,
                "Anden": _cap(other),
                "lærer": teacher_here,
                "Lærer": _cap(teacher_here),
                "pædagog": educator,
                "Pædagog": _cap(educator),
                "rådgiver": caseworker_ref,
                "Rådgiver": _cap(caseworker_ref),
                "init": caseworker,
                "år": str(2012 + below(rng, 6)),
            }
        )
        return values


def short_date(at: date, style: int) -> str:
    if style == 0:
        return f"{at.day}/{at.month}"
    if style == 1:
        return f"{at.day}. {MONTHS[at.month - 1]}"
    return f"{at.day:02d}.{at.month:02d}.{at.year % 100:02d}"


class _DatesInStyle(dict):
    """Day number (`date.toordinal()`) -> the day written in one date style, made on first use."""

    def __init__(self, style: int):
        super().__init__()
        self.style = style

    def __missing__(self, day: int) -> str:
        text = self[day] = short_date(date.fromordinal(day), self.style)
        return text


DATE_TEXTS = tuple(_DatesInStyle(style) for style in range(3))  # a few thousand days each at most
CLOCK_TEXTS = tuple(f"{minute // 60:02d}.{minute % 60:02d}" for minute in range(24 * 60))  # minute of day -> "HH.MM"


def note_values(values: dict[str, str], at: datetime, rng: Any, date_style: int, ref: datetime | None = None) -> None:
    """Set this note's dates in the case's values, in place: today, a coming date, a past date, a referenced note.

    In place because a case's notes are written one after the other and copying the dict for
    every note costs more than writing the whole note. Days are counted as day numbers, and
    dates and times are looked up already written: this runs for every note.
    """
    random = rng.random
    dates = DATE_TEXTS[date_style]
    day = at.toordinal()
    future = day + 3 + int(random() * 28)
    past = day - 2 - int(random() * 39)
    values["dato"] = dates[day]
    values["kl"] = CLOCK_TEXTS[at.hour * 60 + at.minute]
    values["frem_dato"] = dates[future]
    values["frem_kl"] = FUTURE_TIMES[int(random() * len(FUTURE_TIMES))]
    values["før_dato"] = past_text = dates[past]
    if ref is not None:
        values["ref_dato"] = dates[ref.toordinal()]
        values["ref_kl"] = CLOCK_TEXTS[ref.hour * 60 + ref.minute]
    else:
        values["ref_dato"], values["ref_kl"] = past_text, "10.00"
    values["kilde"], values["Kilde"] = values["instn"], values["Instn"]
