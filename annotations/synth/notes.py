"""From a note plan to note text: the parts a kind of note has, in the words of its writing style.

A note is assembled from *parts* — opener, facts, the concern, a handling, an assessment, the
child's voice, a decision, agreements — each drawn from a phrase bank in the register of the
note's style (terse, plain, narrative, admin) and laid out as that style lays notes out:

- terse: the notification team's short lines and abbreviations, signed with initials;
- template: headings `Formål:`, `Oplysninger:`, `Barnets perspektiv:`, `Vurdering:`, `Aftaler:`,
  some filled, some left with `-`;
- narrative: first person prose in paragraphs, with pasted e-mails from schools and providers;
- admin: heavy administrative prose with paragraph references and passives;
- mixed: a template whose sections are written in mixed registers.

The renderer returns the text and, per label, the quoted spans that carry it (evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotations.noise import abbreviate, lower_keep_tags
from annotations.synth.casting import ALL_SLOTS, CaseCaster, note_values
from annotations.synth.draws import choose
from annotations.synth.phrases import Bank, BankSet, RenderState, load_banks, pick, render
from annotations.synth.storyline import (
    ADMIN,
    ALL_KINDS,
    BFU_CONCLUSION,
    CHILD_TALK,
    DECISION,
    FOLLOW_UP,
    HANDLING,
    HOME_VISIT,
    INTAKE,
    LOGISTICS,
    MEETING,
    PARENT_TALK,
    STATUS_REPORT,
    CasePlan,
    NotePlan,
)

BOUND_SLOTS = frozenset({"fact", "fact2", "basis", "short", "subject"})

TEMPLATE_SECTIONS = ("purpose", "info", "child", "assessment", "step", "agreements")
STYLE_REGISTER = {"terse": "terse", "template": "plain", "narrative": "narrative", "admin": "admin"}
MIXED_REGISTERS = ("narrative", "terse", "plain")

TITLES = {
    INTAKE: "Underretning",
    HANDLING: "Vurdering af underretning",
    CHILD_TALK: "Børnesamtale",
    PARENT_TALK: "Samtale med forældre",
    HOME_VISIT: "Hjemmebesøg",
    MEETING: "Møde",
    STATUS_REPORT: "Statusudtalelse",
    BFU_CONCLUSION: "Afslutning af undersøgelse",
    DECISION: "Afgørelse",
    FOLLOW_UP: "Opfølgning",
    ADMIN: "Administrativt",
    LOGISTICS: "Telefonnotat",
}
NOTE_TYPES = {
    INTAKE: "Underretning",
    HANDLING: "Notat",
    CHILD_TALK: "Samtale",
    PARENT_TALK: "Samtale",
    HOME_VISIT: "Hjemmebesøg",
    MEETING: "Møde",
    STATUS_REPORT: "Statusudtalelse",
    BFU_CONCLUSION: "Notat",
    DECISION: "Afgørelse",
    FOLLOW_UP: "Opfølgning",
    ADMIN: "Administrativt",
    LOGISTICS: "Telefonnotat",
}
ADMIN_TITLES = {
    "booking": "Mødeindkaldelse",
    "letter": "Brev sendt",
    "file_request": "Indhentning af oplysninger",
    "forward": "Videresendt dokument",
    "file_access": "Aktindsigt",
    "message": "Sms",
}

# Noise per note level: (chance of a typo per stretch of literal text, chance to abbreviate
# an everyday phrase). Typos hit phrase text only, never names, tags, dates or jargon items.
NOISE = {"light": (0.06, 0.35), "heavy": (0.2, 0.7)}


TYPO_CHANCE = {level: rates[0] for level, rates in NOISE.items()}
ABBREVIATE = {level: rates[1] for level, rates in NOISE.items()}


@dataclass(slots=True)
class RenderedNote:
    text: str
    title: str
    note_type: str
    team: str
    author_id: str
    jargon: list[str]  # distinct unexplained jargon items, as written
    evidence: dict[str, list[str]] = field(default_factory=dict)


class NoteRenderer:
    """Renders the notes of a case. One instance serves a whole run (banks compiled once)."""

    def __init__(self, banks: BankSet | None = None):
        self.banks = banks or load_banks(known_slots=set(ALL_SLOTS), known_bound=set(BOUND_SLOTS))
        self._bound_cache: dict[tuple, dict[str, Bank]] = {}
        self.team_names = {k: self.banks.texts(f"people.team.{k}") for k in ("intake", "family", "small", "youth")}
        self.caster = CaseCaster(self.banks)
        self.bank_dict = self.banks.banks

    # --- case -------------------------------------------------------------------------------

    def cast(self, case: CasePlan, rng: Any) -> dict[str, str]:
        return self.caster.cast(case, rng)

    def render(self, case: CasePlan, index: int, case_values: dict[str, str], rng: Any, date_style: int) -> RenderedNote:
        plan = case.notes[index]
        handles = plan.handles
        if handles:
            ref = case.notes[handles[0]].at
        elif plan.handling == "link_existing":
            ref = self._link_ref(case, index)
        else:
            ref = None
        note_values(case_values, plan.at, rng, date_style, ref)
        st = RenderState(case_values, rng, "plain", {}, [], TYPO_CHANCE.get(plan.noise, 0.0))
        concern = plan.concern
        if concern is None and handles:
            concern = case.notes[handles[0]].concern  # the concern this note handles
        if concern is not None:
            self._set_source(st, concern.source)
            st.bound = self._bound_cache.get((concern.types, concern.source, case.age >= 6)) or self._bound(
                concern.types, concern.source, case.age
            )
        return _NoteBuilder(self, plan, case, st).build()

    def _link_ref(self, case: CasePlan, index: int):
        """The earlier handled notification a `link_existing` handling points to."""
        plan = case.notes[index]
        if plan.handling != "link_existing":
            return None
        for earlier in case.notes[:index]:
            if earlier.concern is not None and earlier.handling is not None:
                return earlier.at
            if earlier.handles:
                return case.notes[earlier.handles[0]].at
        return None

    def _set_source(self, st: RenderState, source: str) -> None:
        kilde = pick(self.bank_dict[f"sources.{source}.ref"], st)
        st.values["kilde"] = kilde
        st.values["Kilde"] = kilde[:1].upper() + kilde[1:]

    def _bound(self, types: tuple[str, ...], source: str, age: int) -> dict[str, Bank]:
        key = (types, source, age >= 6)
        found = self._bound_cache.get(key)
        if found is not None:
            return found
        b = self.banks
        first = types[0]
        fact_name = {"child": "child_says", "parent": "parent_report"}.get(source, "fact")
        facts = self._merged(f"concerns.{first}.{fact_name}", f"concerns.{first}.fact_school" if fact_name == "fact" and age >= 6 else None)
        bound = {
            "fact": facts,
            "basis": b[f"concerns.{first}.basis"],
            "short": b[f"concerns.{first}.short"],
            "subject": b[f"concerns.{first}.subject"],
        }
        if len(types) > 1:
            second = types[1]
            second_name = {"child": "child_says", "parent": "parent_report"}.get(source, "fact")
            bound["fact2"] = b[f"concerns.{second}.{second_name}"]
        self._bound_cache[key] = bound
        return bound

    def _merged(self, name: str, extra: str | None) -> Bank:
        bank = self.banks[name]
        if extra is None or extra not in self.banks:
            return bank
        merged = {reg: phrases + self.banks[extra].by_register[reg] for reg, phrases in bank.by_register.items()}
        return Bank(f"{name}+{extra}", merged)


class _NoteBuilder:
    """Collects the parts of one note and lays them out; one instance per note."""

    __slots__ = (
        "r", "plan", "case", "st", "rng", "style", "parts", "concern_texts", "assessment_text", "child_text",
        "step_texts", "first_info", "abbreviate", "direction", "bank_dict", "heavy", "mixed", "fixed_register",
        "body_register",
    )

    def __init__(self, renderer: NoteRenderer, plan: NotePlan, case: CasePlan, st: RenderState):
        self.r = renderer
        self.plan = plan
        self.case = case
        self.st = st
        self.rng = st.rng
        self.style = plan.style
        self.parts: list[tuple[str, str]] = []  # (section, text)
        self.concern_texts: list[str] = []
        self.assessment_text: str | None = None
        self.child_text: str | None = None
        self.step_texts: list[str] = []
        self.first_info: str | None = None
        self.abbreviate = ABBREVIATE.get(plan.noise, 0.0)
        self.direction = "support"  # a step's direction: more help, or ending it
        self.bank_dict = renderer.bank_dict
        self.heavy, self.mixed, self.fixed_register, self.body_register = _registers(plan.style, plan.jargon_mode)

    # --- registers --------------------------------------------------------------------------

    def register(self, role: str = "body") -> str:
        if self.heavy and (role == "opener" or role == "step"):
            return "admin"
        if self.mixed:
            # a template's Vurdering/Barnets perspektiv sections read badly in telegram style
            return choose(MIXED_REGISTERS if role not in ("assessment", "child") else MIXED_REGISTERS[::2], self.rng)
        return self.body_register

    def say(self, bank_name: str, role: str = "body") -> str:
        st = self.st
        register = st.register = self.body_register if self.fixed_register else self.register(role)
        options = self.bank_dict[bank_name].by_register[register]
        phrase = options[int(self.rng.random() * len(options))]
        if phrase.fmt is None or st.typo_p:
            text = render(phrase, st)
        else:
            text = phrase.fmt.format_map(st.values)  # render()'s fast path, without the call
        if self.abbreviate:
            text = abbreviate(text, self.rng, self.abbreviate)
        return text

    def add(self, section: str, text: str) -> str:
        self.parts.append((section, text))
        if self.first_info is None and section == "info":
            self.first_info = text
        return text

    def _insert_info(self, text: str) -> None:
        """Add information where the information ends: before the assessment and what follows."""
        for position, (section, _) in enumerate(self.parts):
            if section in ("child", "assessment", "step", "agreements") and position > 0:
                self.parts.insert(position, ("info", text))
                return
        self.add("info", text)

    # --- recipe -----------------------------------------------------------------------------

    def build(self) -> RenderedNote:
        plan = self.plan
        RECIPES[plan.kind](self)
        for mention_kind, concern_type in plan.mentions:
            self._insert_info(self.say(f"concerns.{concern_type}.{mention_kind}"))
        self._jargon_asides()
        text = self._layout()
        return self._finish(text)

    def _intake(self) -> None:
        plan, concern = self.plan, self.plan.concern
        self.add("purpose", self.say(f"sources.{concern.source}.open", "opener"))
        if self.style in ("narrative", "mixed") and concern.source in ("school", "daycare", "provider", "health_nurse") and self.rng.random() < 0.6:
            self._email()
        else:
            frame = {"child": "report.child", "parent": "report.parent"}.get(concern.source, "report.third")
            self.concern_texts.append(self.add("info", self.say(frame)))
            if "fact2" in self.st.bound:
                self.concern_texts.append(self.add("info", self.say("report.second")))
        if self.rng.random() < 0.35:
            self.add("info", self.say(self._facts_bank()))
        self._handling_here()
        self._assessment("concern")
        self._child()
        if self.rng.random() < 0.5:
            self.add("agreements", self.say("agreements.intake"))

    def _handling(self) -> None:
        self.add("purpose", self.say("handling.note_open", "opener"))
        self.add("info", self.say("handling.actions"))
        self.add("agreements", self.say(f"handling.{self.plan.handling}"))
        self._assessment("concern")
        self._child()
        if self.rng.random() < 0.6:
            self.add("agreements", self.say("agreements.intake"))

    def _child_talk(self) -> None:
        small = self.case.age < 5
        self.add("purpose", self.say("open.child_talk.small" if small else "open.child_talk.older", "opener"))
        self.add("child", self.say("child_talk.small" if small else "child_talk.older"))
        if self.rng.random() < 0.5 and not small:
            self.add("child", self.say("child_talk.more"))
        self._passing_concern("report.child")
        self._handling_here()
        self._assessment("info")
        self._maybe_agreements()

    def _parent_talk(self) -> None:
        self.add("purpose", self.say("open.parent_talk", "opener"))
        self.add("info", self.say("facts.parent"))
        if self.rng.random() < 0.5:
            self.add("info", self.say(self._facts_bank()))
        self._passing_concern("report.parent")
        self._handling_here()
        self._assessment("info")
        self._maybe_agreements()

    def _home_visit(self) -> None:
        self.add("purpose", self.say("open.home_visit", "opener"))
        self.add("info", self.say("facts.home"))
        if self.rng.random() < 0.5:
            self.add("info", self.say("facts.parent"))
        self._passing_concern("report.parent")
        self._handling_here()
        self._assessment("info")
        self._maybe_agreements()

    def _meeting(self) -> None:
        self.add("purpose", self.say("open.meeting", "opener"))
        self.add("info", self.say(self._facts_bank()))
        if self.rng.random() < 0.6:
            self.add("info", self.say("facts.meeting"))
        self._passing_concern("report.meeting")
        self._handling_here()
        self._assessment("info")
        self._maybe_agreements(0.8)

    def _status_report(self) -> None:
        plan = self.plan
        source = plan.concern.source if plan.concern else ("school" if self.case.age >= 6 else "daycare")
        if plan.concern is None:
            self.r._set_source(self.st, source)
        self.add("purpose", self.say("open.status_report", "opener"))
        if plan.concern is not None and self.rng.random() < 0.6:
            self.add("info", self.say("report.heading"))
        if self.style in ("narrative", "mixed") and plan.concern is not None and self.rng.random() < 0.5:
            self._email()
        else:
            self.add("info", self.say(self._facts_bank()))
            self._passing_concern("report.status")
        self._handling_here()
        self._assessment("info")
        self.add("agreements", self.say("agreements.status"))

    def _bfu_conclusion(self) -> None:
        self.direction = "ending" if self.rng.random() < 0.25 else "support"
        self.add("purpose", self.say("open.bfu", "opener"))
        self.add("info", self.say("facts.bfu"))
        self._child()
        self._assessment("step")
        self.step_texts.append(self.add("step", self.say(f"step.bfu_{self.direction}", "step")))
        self._maybe_agreements()

    def _decision(self) -> None:
        self.direction = "ending" if self.plan.decision in ("close_case", "end_measure") else "support"
        self.add("purpose", self.say("open.decision", "opener"))
        if self.rng.random() < 0.6:
            self.add("info", self.say("facts.decision"))
        self._child()
        self._assessment("step")
        self.step_texts.append(self.add("step", self.say(f"decision.{self.plan.decision}", "step")))
        if self.rng.random() < 0.5:
            self.add("agreements", self.say("decision.extra"))

    def _follow_up(self) -> None:
        self.add("purpose", self.say("open.follow_up", "opener"))
        self.add("info", self.say("facts.follow_up"))
        self._child()
        self._assessment("step")
        self.step_texts.append(self.add("step", self.say("step.follow_up", "step")))
        self._maybe_agreements()

    def _admin(self) -> None:
        self.add("info", self.say(f"admin.{self.plan.admin_task}", "opener"))

    def _logistics(self) -> None:
        self.add("info", self.say("logistics.call", "opener"))
        if self.rng.random() < 0.5:
            self.add("agreements", self.say("logistics.next"))

    # --- shared pieces ----------------------------------------------------------------------

    def _facts_bank(self) -> str:
        age = self.case.age
        return "facts.small" if age < 6 else ("facts.teen" if age >= 13 and self.rng.random() < 0.5 else "facts.school")

    def _passing_concern(self, frame: str) -> None:
        if self.plan.concern is None:
            return
        self.concern_texts.append(self.add("info", self.say(frame)))

    def _email(self) -> None:
        """A pasted e-mail from the reporter; the concern sentence inside it is the evidence."""
        st = self.st
        st.register = "plain"
        intro = pick(self.bank_dict["layout.email.intro"], st)
        subject = pick(self.bank_dict["layout.email.subject"], st)
        greeting = pick(self.bank_dict["layout.email.greeting"], st)
        body = pick(self.bank_dict["report.email"], st)
        self.concern_texts.append(body)
        extra = pick(self.bank_dict["report.email_extra"], st) if self.rng.random() < 0.6 else None
        closing = pick(self.bank_dict["layout.email.closing"], st)
        sender = pick(self.bank_dict[f"sources.{self.plan.concern.source}.sender"], st)
        lines = [intro, "", subject, "", greeting, "", body + (" " + extra if extra else ""), "", closing, sender]
        self.add("info", "\n".join(lines))

    def _handling_here(self) -> None:
        if self.plan.handling is not None and self.plan.concern is not None:
            self.add("agreements", self.say(f"handling.{self.plan.handling}"))

    def _assessment(self, context: str) -> None:
        quality = self.plan.assessment
        if quality in (None, "none"):
            return
        if context == "info" and self.plan.concern is not None:
            context = "concern"  # new worry: the assessment is about the worry
        elif context == "step":
            context = f"step_{self.direction}"
        if context == "concern":
            # Saying whether the child is in acute danger is itself a 24-hour assessment, which
            # handles the concern (M4): only a note that records handling may say it.
            acute_allowed = self.plan.handling is not None
            context = "concern_acute" if acute_allowed and self.rng.random() < 0.5 else "concern_worry"
        if quality == "reasoned":
            self.assessment_text = self.add("assessment", self.say(f"assessment.reasoned.{context}", "assessment"))
        elif quality == "bare":
            self.assessment_text = self.add("assessment", self.say(f"assessment.bare.{context}", "assessment"))
        else:
            self.assessment_text = self.add("assessment", "\x00" + self.say("assessment.empty_field"))

    def _child(self) -> None:
        hearing = self.plan.child_hearing
        if hearing is None or hearing == "none":
            return
        age = self.case.age
        if hearing == "conversation":
            if self.plan.concern is not None and self.plan.concern.source == "child":
                return  # the child's own report above is the direct contact
            name = "child.conversation.small" if age < 4 else "child.conversation.older"
        elif hearing == "reference":
            name = "child.reference"
        elif hearing == "omission":
            name = f"child.omission.{self.plan.omission}"
        else:
            self.child_text = self.add("child", "\x00" + self.say("child.empty_field"))
            return
        self.add("child", self.say(name, "child"))

    def _maybe_agreements(self, p: float = 0.6) -> None:
        if self.rng.random() < p:
            self.add("agreements", self.say("agreements.general"))

    def _jargon_asides(self) -> None:
        mode = self.plan.jargon_mode
        self.st.register = "plain"
        if self.style == "admin" or mode == "heavy":
            if len(_distinct(self.st.jargon)) < 2:
                self.add("info", pick(self.bank_dict["jargon.heavy"], self.st))
        elif mode == "single":
            if not self.st.jargon:
                self.add("info", pick(self.bank_dict["jargon.single"], self.st))
        elif mode == "explained":
            self.add("info", pick(self.bank_dict["jargon.explained"], self.st))

    # --- layout -----------------------------------------------------------------------------

    def _layout(self) -> str:
        style = self.style
        if style in ("template", "mixed") and self.plan.kind not in (ADMIN, LOGISTICS):
            return self._layout_template()
        texts = []
        for section, text in self.parts:
            if text.startswith("\x00"):
                text = self._labelled_line(section, text[1:])
            texts.append(text)
        if style == "terse":
            sep = "\n" if self.rng.random() < 0.4 else " "
            body = sep.join(texts)
            if self.rng.random() < 0.6:
                body += f" /{self.st.values['init']}"
            return body
        if style == "admin":
            self.st.register = "admin"
            header = pick(self.bank_dict["layout.admin.header"], self.st)
            return header + "\n\n" + "\n\n".join(texts)
        if style == "narrative":
            return self._paragraphs(texts)
        return " ".join(texts)

    def _paragraphs(self, texts: list[str]) -> str:
        out: list[str] = []
        current: list[str] = []
        for text in texts:
            if "\n" in text:
                if current:
                    out.append(" ".join(current))
                    current = []
                out.append(text)
                continue
            current.append(text)
            if self.rng.random() < 0.45:
                out.append(" ".join(current))
                current = []
        if current:
            out.append(" ".join(current))
        return "\n\n".join(out)

    def _labelled_line(self, section: str, content: str) -> str:
        """An empty assessment or child field outside a template still reads as a form line."""
        heading = self.st.values["_h_assessment" if section == "assessment" else "_h_child_line"]
        line = f"{heading}: {content}"
        if section == "assessment":
            self.assessment_text = line
        else:
            self.child_text = line
        return line

    def _layout_template(self) -> str:
        """The case's template (its headings are chosen once per case, as a municipality's are)."""
        values = self.st.values
        sections: dict[str, list[str]] = {}
        for section, text in self.parts:
            if section in sections:
                sections[section].append(text)
            else:
                sections[section] = [text]
        lines: list[str] = []
        for section in TEMPLATE_SECTIONS:
            content = sections.get(section)
            heading = values["_h_" + section]
            if content:
                empty_field = content[0][0] == "\x00"
                joined = content[0][1:] if empty_field else " ".join(content)
                if section == "info" and self.rng.random() < 0.3:
                    line = f"{heading}:\n{joined}"
                else:
                    line = f"{heading}: {joined}"
                if empty_field:
                    if section == "assessment":
                        self.assessment_text = line
                    else:
                        self.child_text = line
                lines.append(line)
            elif section == "agreements" or (section == "child" and self.plan.step is None):
                # unused fields left with "-", as templates are; a step's child field is planned
                if self.rng.random() < 0.5:
                    lines.append(f"{heading}: -")
        return "\n".join(lines)

    # --- evidence ---------------------------------------------------------------------------

    def _finish(self, text: str) -> RenderedNote:
        plan, st = self.plan, self.st
        jargon = _distinct(st.jargon) if st.jargon else []
        evidence: dict[str, list[str]] = {}
        if self.concern_texts:
            evidence["concern_present"] = list(self.concern_texts)
        if plan.assessment in ("bare", "empty") and self.assessment_text:
            evidence["missing_assessment"] = [self.assessment_text]
        elif plan.assessment == "none":
            first = self.concern_texts[0] if self.concern_texts else self.first_info or self.parts[0][1]
            evidence["missing_assessment"] = [first.split("\n")[0]]
        if plan.step is not None:
            if plan.step == "abuse_assessment" and self.assessment_text:
                spans = [self.assessment_text]  # the assessment of the worry is the step
            else:
                spans = list(self.step_texts) or [self.parts[0][1].split("\n")[0]]
            if self.child_text:
                spans.append(self.child_text)
            evidence["missing_child_conversation"] = spans
        if len(jargon) >= 2:
            evidence["authority_jargon"] = jargon
        if plan.lowercase:
            text = lower_keep_tags(text)
            evidence = {k: [lower_keep_tags(s) for s in v] for k, v in evidence.items()}
            jargon = [lower_keep_tags(j) for j in jargon]
        return RenderedNote(text, self._title(), NOTE_TYPES[plan.kind], self._team(), st.values["init"], jargon, evidence)

    def _title(self) -> str:
        plan = self.plan
        if plan.kind == ADMIN:
            return ADMIN_TITLES[plan.admin_task]
        if plan.kind == INTAKE:
            self.st.register = "plain"
            return pick(self.bank_dict[f"sources.{plan.concern.source}.title"], self.st)
        return TITLES[plan.kind]

    def _team(self) -> str:
        names = self.r.team_names
        if self.plan.kind in (INTAKE, HANDLING) or (self.style == "terse" and self.rng.random() < 0.5):
            return choose(names["intake"], self.rng)
        if self.case.age <= 5:
            return choose(names["small"], self.rng)
        if self.case.age >= 14:
            return choose(names["youth"], self.rng)
        return choose(names["family"], self.rng)


def _registers(style: str, jargon_mode: str) -> tuple[bool, bool, bool, str]:
    """(heavy, mixed, fixed register, body register) of a note's style and jargon mode."""
    found = _REGISTERS.get((style, jargon_mode))
    if found is None:
        heavy = jargon_mode == "heavy"
        mixed = style == "mixed"
        if jargon_mode == "explained" and style == "terse":
            body = "plain"  # an explained note is written plainly throughout
        else:
            body = STYLE_REGISTER.get(style, "plain")
        found = _REGISTERS[(style, jargon_mode)] = (heavy, mixed, not (heavy or mixed), body)
    return found


_REGISTERS: dict[tuple[str, str], tuple[bool, bool, bool, str]] = {}
# The recipe of each kind of note (the builder's `_<kind>` methods).
RECIPES = {kind: getattr(_NoteBuilder, f"_{kind}") for kind in ALL_KINDS}


def _distinct(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


__all__ = ["NoteRenderer", "RenderedNote"]
