"""The people of a synthetic case and how the archive anonymised them.

Real archives anonymise in more than one way: bracket tags (`[BARN]`, `[MOR]`, `[Navn]`),
pseudonyms, initials with a role (`LKJ (rådgiver)`). One case keeps one way throughout, as one
municipality's export would. The values here fill the `{slots}` of the phrase banks; dates are
added per note (see `note_values`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from annotations.synth.phrases import BankSet, choose
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
    return "".join(choose(_LETTERS, rng) for _ in range(n))


def cast_case(case: CasePlan, banks: BankSet, rng: Any) -> dict[str, str]:
    """Slot values for one case: the child, the parents, the professionals, the caseworker."""
    boy = case.gender == "boy"
    draw = rng.random()
    scheme = "tags" if draw < 0.42 else "pseudonyms" if draw < 0.70 else "initials" if draw < 0.84 else "roles"
    child_name = choose(banks.texts("people.boy" if boy else "people.girl"), rng)
    if scheme == "tags":
        child, mother, father = "[BARN]", "[MOR]", "[FAR]"
        teacher = choose(("klasselærer [Navn]", "[Navn], klasselærer", "klasselæreren"), rng)
        educator = choose(("pædagog [Navn]", "[Navn], pædagog", "pædagogen"), rng)
    elif scheme == "pseudonyms":
        child = child_name
        mother, father = choose(banks.texts("people.woman"), rng), choose(banks.texts("people.man"), rng)
        teacher = choose(("klasselærer " + choose(banks.texts("people.woman"), rng), "klasselæreren"), rng)
        educator = choose(("pædagog " + choose(banks.texts("people.man"), rng), "pædagogen"), rng)
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
    age = case.age
    if age <= 2:
        inst = "vuggestue"
    elif age <= 5:
        inst = "børnehave"
    else:
        inst = "skole"
    instn = {"vuggestue": "vuggestuen", "børnehave": "børnehaven", "skole": "skolen"}[inst]
    grade = "1.g" if age >= 17 else f"{max(age - 6, 0)}. klasse"
    measure, deliverer = MEASURE_NOUNS[case.measure]
    caseworker_ref = choose((f"rådgiver {caseworker}", f"sagsbehandler {caseworker}", f"{caseworker} (rådgiver)"), rng)
    headings = {f"_h_{section}": choose(banks.texts(f"layout.heading.{section}"), rng) for section in HEADING_SECTIONS}
    return headings | {
        "B": child,
        "han": "han" if boy else "hun",
        "ham": "ham" if boy else "hende",
        "hans": "hans" if boy else "hendes",
        "Han": "Han" if boy else "Hun",
        "Hans": "Hans" if boy else "Hendes",
        "drengen": "drengen" if boy else "pigen",
        "Drengen": "Drengen" if boy else "Pigen",
        "alder": str(age),
        "klasse": grade,
        "inst": inst,
        "instn": instn,
        "Instn": _cap(instn),
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
        "lærer": teacher if age >= 6 else educator,
        "Lærer": _cap(teacher if age >= 6 else educator),
        "pædagog": educator,
        "Pædagog": _cap(educator),
        "behandler": deliverer,
        "Behandler": _cap(deliverer),
        "indsats": measure,
        "Indsats": _cap(measure),
        "rådgiver": caseworker_ref,
        "Rådgiver": _cap(caseworker_ref),
        "init": caseworker,
        "år": str(2012 + rng.randrange(6)),
    }


def short_date(at: datetime, style: int) -> str:
    if style == 0:
        return f"{at.day}/{at.month}"
    if style == 1:
        return f"{at.day}. {MONTHS[at.month - 1]}"
    return f"{at.day:02d}.{at.month:02d}.{at.year % 100:02d}"


def note_values(values: dict[str, str], at: datetime, rng: Any, date_style: int, ref: datetime | None = None) -> None:
    """Set this note's dates in the case's values, in place: today, a coming date, a past date, a referenced note.

    In place because a case's notes are written one after the other and copying the dict for
    every note costs more than writing the whole note.
    """
    future = at + timedelta(days=3 + int(rng.random() * 28))
    past = at - timedelta(days=2 + int(rng.random() * 39))
    values["dato"] = short_date(at, date_style)
    values["kl"] = f"{at.hour:02d}.{at.minute:02d}"
    values["frem_dato"] = short_date(future, date_style)
    values["frem_kl"] = FUTURE_TIMES[int(rng.random() * len(FUTURE_TIMES))]
    values["før_dato"] = short_date(past, date_style)
    if ref is not None:
        values["ref_dato"] = short_date(ref, date_style)
        values["ref_kl"] = f"{ref.hour:02d}.{ref.minute:02d}"
    else:
        values["ref_dato"], values["ref_kl"] = values["før_dato"], "10.00"
    values["kilde"], values["Kilde"] = values["instn"], values["Instn"]
