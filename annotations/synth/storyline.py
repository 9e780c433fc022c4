"""Case storylines: which notes a synthetic case has, when they are written, and what each one records.

A plan says *what was built* into every note — the concern raised and by whom, where it was
handled, whether an assessment is reasoned, bare, empty or absent, whether a step that needs the
child heard has a conversation, a reference, a reason or nothing. Labels are derived from the plan
(see `labels.py`), never from the finished text, so the synthetic labels follow GUIDELINES.md by
construction rather than by the detectors' reading of the words.

Storylines follow the life of a real case: an incoming concern → a 24-hour assessment (in the same
note, in a later note within 24 hours, later than that, or never) → investigation (conversations,
home visits, meetings, status reports) → the conclusion of the investigation → a decision →
follow-up. Quiet cases follow an ongoing measure with follow-ups, administration and, now and then,
a worry mentioned in passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from annotations.synth.draws import WeightedOptions, below, between, choose, weighted
from pipeline.schema import CONCERN_TYPES

# --- what the note kinds are -----------------------------------------------------------------

INTAKE = "intake"  # an incoming concern (notification) from a source
HANDLING = "handling"  # a later note recording the handling of an earlier concern
CHILD_TALK = "child_talk"
PARENT_TALK = "parent_talk"
HOME_VISIT = "home_visit"
MEETING = "meeting"
STATUS_REPORT = "status_report"
BFU_CONCLUSION = "bfu_conclusion"
DECISION = "decision"
FOLLOW_UP = "follow_up"
ADMIN = "admin"
LOGISTICS = "logistics"

INFO_KINDS = (CHILD_TALK, PARENT_TALK, HOME_VISIT, MEETING, STATUS_REPORT)
STEP_KINDS = (BFU_CONCLUSION, DECISION, FOLLOW_UP)
ADMIN_KINDS = (ADMIN, LOGISTICS)
ALL_KINDS = (INTAKE, HANDLING) + INFO_KINDS + STEP_KINDS + ADMIN_KINDS

# A notification about violence or abuse must be assessed with the child heard (§ 137, stk. 3).
ABUSE_TYPES = frozenset({"violence", "sexual_abuse"})

SOURCES = ("school", "daycare", "health_nurse", "doctor", "police", "neighbour", "parent", "child", "provider", "anonymous")

# Ages at which a concern type is plausible, and who would report it.
CONCERN_AGES: dict[str, tuple[int, int]] = {
    "violence": (0, 17),
    "sexual_abuse": (2, 17),
    "neglect": (0, 14),
    "parental_substance": (0, 17),
    "parental_mental_health": (0, 17),
    "self_harm": (10, 17),
    "child_substance_crime": (12, 17),
    "honour_control": (11, 17),
    "housing_absence": (0, 17),
    "fear_of_home": (4, 17),
}
SOURCE_AGES: dict[str, tuple[int, int]] = {
    "school": (6, 17),
    "daycare": (0, 5),
    "health_nurse": (0, 16),
    "doctor": (0, 17),
    "police": (0, 17),
    "neighbour": (0, 17),
    "parent": (0, 17),
    "child": (8, 17),
    "provider": (0, 17),
    "anonymous": (0, 17),
}
SOURCE_TYPES: dict[str, frozenset[str]] = {
    "school": frozenset(CONCERN_TYPES),
    "daycare": frozenset(CONCERN_TYPES) - {"self_harm", "child_substance_crime", "honour_control"},
    "health_nurse": frozenset(CONCERN_TYPES) - {"child_substance_crime", "honour_control"},
    "doctor": frozenset({"violence", "sexual_abuse", "neglect", "parental_substance", "parental_mental_health", "self_harm"}),
    "police": frozenset({"violence", "sexual_abuse", "parental_substance", "child_substance_crime", "honour_control", "housing_absence", "neglect"}),
    "neighbour": frozenset({"violence", "neglect", "parental_substance", "parental_mental_health", "housing_absence", "fear_of_home"}),
    "parent": frozenset(CONCERN_TYPES) - {"honour_control"},
    "child": frozenset(CONCERN_TYPES) - {"neglect"},
    "provider": frozenset(CONCERN_TYPES),
    "anonymous": frozenset(CONCERN_TYPES) - {"self_harm"},
}
# Concerns that often come together in one notification.
COMPANION_TYPES: dict[str, tuple[str, ...]] = {
    "violence": ("fear_of_home", "parental_substance"),
    "parental_substance": ("neglect", "violence"),
    "parental_mental_health": ("neglect",),
    "neglect": ("housing_absence", "parental_substance"),
    "fear_of_home": ("violence",),
    "child_substance_crime": ("housing_absence",),
    "honour_control": ("violence", "fear_of_home"),
    "self_harm": ("fear_of_home",),
    "housing_absence": ("neglect",),
    "sexual_abuse": ("fear_of_home",),
}

# How a concern note is handled (GUIDELINES M4) and which of these need an earlier handling.
HANDLING_KINDS = ("as_notification", "registered", "acute", "police", "child_house", "on_call", "to_intake", "link_existing")
TIMINGS = ("same_note", "within_24h", "after_24h", "never")

ASSESSMENTS = ("reasoned", "bare", "empty", "none")
CHILD_HEARINGS = ("conversation", "reference", "omission", "none", "empty_line")
MISSING_HEARINGS = frozenset({"none", "empty_line"})
JARGON_MODES = ("plain", "single", "explained", "heavy")
NOISE_LEVELS = ("none", "light", "heavy")
STYLES = ("terse", "template", "narrative", "admin", "mixed")
# How often each style is a municipality's house style (admin prose is the rarer, heavier kind).
STYLE_WEIGHTS = {"terse": 22, "template": 25, "narrative": 22, "admin": 11, "mixed": 20}

DECISIONS_OPENING = ("family_treatment", "contact_person", "respite", "placement", "close_case")
DECISIONS_ONGOING = ("change_measure", "end_measure", "handleplan", "close_case", "continue_measure")
MEASURES = ("family_treatment", "contact_person", "respite", "placement")

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
EPOCH = datetime(2019, 1, 7, 0, 0)  # a Monday
SPAN_DAYS = 7 * 365


@dataclass(slots=True)
class Concern:
    """New worrying information raised in a note."""

    types: tuple[str, ...]
    source: str
    timing: str  # planned handling timing, one of TIMINGS (actual outcome is in the labels)


@dataclass(slots=True)
class NotePlan:
    """What one note records. Labels are a function of these fields (labels.py)."""

    kind: str
    style: str
    at: datetime
    concern: Concern | None = None
    handling: str | None = None  # a handling kind recorded here for this note's own concern
    handles: Sequence[int] = ()  # indexes of earlier notes whose concern is handled here
    mentions: Sequence[tuple[str, str]] = ()  # (negated|hypothetical|history, type)
    assessment: str | None = None  # one of ASSESSMENTS, None when the note needs none
    step: str | None = None  # why the child must be heard: decision kind, "bfu", "follow_up", "abuse_assessment"
    child_hearing: str | None = None  # one of CHILD_HEARINGS when step is set
    omission: str | None = None  # age | declines | harm | postponed
    decision: str | None = None
    jargon_mode: str = "plain"
    noise: str = "none"
    lowercase: bool = False
    admin_task: str | None = None


@dataclass(slots=True)
class CasePlan:
    index: int
    age: int
    gender: str  # "boy" | "girl"
    measure: str
    home_style: str
    notes: list[NotePlan]


# Steps of time as ready objects (a timedelta per draw costs more than the draw).
MINUTES = tuple(MINUTE * n for n in range(24 * 60))
DAYS = tuple(DAY * n for n in range(SPAN_DAYS))


class _WorkdayMidnights(dict):
    """Day number (`toordinal()`) -> midnight of that day, or of the Monday after a weekend day."""

    def __missing__(self, day: int) -> datetime:
        midnight = datetime.fromordinal(day)
        while midnight.weekday() >= 5:
            midnight += DAY
        self[day] = midnight
        return midnight


_WORKDAY_MIDNIGHT = _WorkdayMidnights()  # some thousand days at most
_SOURCE_OPTIONS: dict[tuple[int, tuple[str, ...]], tuple[str, ...]] = {}
_TYPE_OPTIONS: dict[tuple[int, str], tuple[str, ...]] = {}
STEP_OF_KIND = {BFU_CONCLUSION: "bfu", FOLLOW_UP: "follow_up", DECISION: "decision"}
# Handling kinds recorded with the concern itself, by (violence or abuse, an earlier handling to link to).
_HANDLING_HERE = ("as_notification", "registered", "acute", "acute", "police", "on_call", "to_intake", "to_intake")
HANDLING_HERE = {
    (abuse, linkable): _HANDLING_HERE + (("child_house",) if abuse else ()) + (("link_existing", "link_existing") if linkable else ())
    for abuse in (False, True)
    for linkable in (False, True)
}

# How often each draw comes out which way (weights are relative).
CASE_LENGTHS = WeightedOptions((3, 4, 5, 6, 7, 8), (14, 22, 24, 18, 12, 10))
INTAKE_TIMINGS = WeightedOptions(TIMINGS, (28, 17, 23, 32))
PASSING_TIMINGS = WeightedOptions(TIMINGS, (22, 12, 18, 48))  # a worry raised in passing
INVESTIGATION_KINDS = WeightedOptions(INFO_KINDS + ADMIN_KINDS, (18, 18, 14, 14, 14, 12, 10))
OPENING_DECISIONS = WeightedOptions(DECISIONS_OPENING, (30, 20, 15, 12, 23))
AFTER_DECISION_KINDS = WeightedOptions((FOLLOW_UP, ADMIN, LOGISTICS, STATUS_REPORT, PARENT_TALK), (45, 15, 10, 15, 15))
ONGOING_KINDS = WeightedOptions(
    (FOLLOW_UP, STATUS_REPORT, PARENT_TALK, CHILD_TALK, MEETING, HOME_VISIT, ADMIN, LOGISTICS, DECISION),
    (30, 14, 11, 9, 9, 7, 10, 5, 9),
)
ONGOING_DECISIONS = WeightedOptions(DECISIONS_ONGOING, (25, 20, 20, 15, 20))
NOISE_DRAW = WeightedOptions(NOISE_LEVELS, (55, 35, 10))
JARGON_DRAW = WeightedOptions(JARGON_MODES, (56, 16, 12, 16))
MENTION_KINDS = WeightedOptions(("negated", "hypothetical", "history"), (45, 25, 30))
ASSESSMENT_DRAW = WeightedOptions(ASSESSMENTS, (68, 12, 10, 10))
STEP_ASSESSMENT_DRAW = WeightedOptions(ASSESSMENTS, (62, 20, 9, 9))
HEARING_DRAW = WeightedOptions(CHILD_HEARINGS, (26, 11, 9, 38, 16))


class StorylinePlanner:
    """Plans cases. Weights are tuned so that each marker is 1 in roughly 15–35 % of notes."""

    def __init__(self, styles: tuple[str, ...] = STYLES):
        unknown = [s for s in styles if s not in STYLES]
        if unknown or not styles:
            raise ValueError(f"unknown writing styles {unknown}; choose from {list(STYLES)}")
        self.styles = tuple(styles)
        self.style_table = WeightedOptions(self.styles, tuple(STYLE_WEIGHTS[s] for s in self.styles))

    # --- the case ---------------------------------------------------------------------------

    def plan(self, rng: Any, index: int, max_notes: int | None = None) -> CasePlan:
        length = weighted(rng, CASE_LENGTHS)
        if max_notes is not None:
            length = min(length, max_notes)
        home_style = self._style(rng)
        gender = "boy" if rng.random() < 0.5 else "girl"
        start = EPOCH + DAYS[below(rng, SPAN_DAYS)]
        if rng.random() < 0.72:
            concern_types = self._concern_types(rng, index)
            low, high = CONCERN_AGES[concern_types[0]]
            for extra in concern_types[1:]:
                low, high = max(low, CONCERN_AGES[extra][0]), min(high, CONCERN_AGES[extra][1])
            age = between(rng, low, high)
            case = CasePlan(index, age, gender, choose(MEASURES, rng), home_style, [])
            self._concern_story(rng, case, concern_types, start, length)
        else:
            age = between(rng, 0, 17)
            measure = choose(MEASURES, rng)
            case = CasePlan(index, age, gender, measure, home_style, [])
            self._ongoing_story(rng, case, start, length)
        del case.notes[length:]
        return case

    def _style(self, rng: Any) -> str:
        return weighted(rng, self.style_table)

    def _concern_types(self, rng: Any, index: int) -> tuple[str, ...]:
        # Cycle through the ten types so that every sample holds all of them.
        first = CONCERN_TYPES[(index + below(rng, 3)) % len(CONCERN_TYPES)]
        if rng.random() < 0.2:
            second = choose(COMPANION_TYPES[first], rng)
            low = max(CONCERN_AGES[first][0], CONCERN_AGES[second][0])
            high = min(CONCERN_AGES[first][1], CONCERN_AGES[second][1])
            if low <= high:
                return (first, second)
        return (first,)

    def _concern_story(self, rng: Any, case: CasePlan, types: tuple[str, ...], start: datetime, length: int) -> None:
        source = self._source(rng, case.age, types)
        at = self._intake_time(rng, start, source)
        timing = weighted(rng, INTAKE_TIMINGS)
        intake = self._note(rng, case, INTAKE, at)
        intake.concern = Concern(types, source, timing)
        self._plan_handling_here(rng, intake, timing, earlier_handled=None)
        self._plan_assessment(rng, intake)
        self._plan_abuse_step(rng, case, intake)
        case.notes.append(intake)
        handled_at: datetime | None = at if timing == "same_note" else None
        last = at
        if timing in ("within_24h", "after_24h"):
            handler = self._handler(rng, case, 0, last, timing)
            case.notes.append(handler)
            handled_at = handler.at
            last = handler.at

        middle = between(rng, 1, 3)
        for _ in range(middle):
            kind = weighted(rng, INVESTIGATION_KINDS)
            last = self._after(rng, last, kind)
            self._add_info_or_admin(rng, case, kind, last, handled_at)
            last = case.notes[-1].at
        if rng.random() < 0.55:
            last = self._after(rng, last, BFU_CONCLUSION)
            case.notes.append(self._step_note(rng, case, BFU_CONCLUSION, last))
        last = self._after(rng, last, DECISION)
        decision = self._step_note(rng, case, DECISION, last)
        decision.decision = weighted(rng, OPENING_DECISIONS)
        decision.step = decision.decision
        case.notes.append(decision)
        while len(case.notes) < length:
            kind = weighted(rng, AFTER_DECISION_KINDS)
            last = self._after(rng, last, kind)
            if kind == FOLLOW_UP:
                case.notes.append(self._step_note(rng, case, FOLLOW_UP, last))
            else:
                self._add_info_or_admin(rng, case, kind, last, handled_at)
            last = case.notes[-1].at

    def _ongoing_story(self, rng: Any, case: CasePlan, start: datetime, length: int) -> None:
        last = self._work_time(rng, start)
        handled_at = None
        while len(case.notes) < length:
            kind = weighted(rng, ONGOING_KINDS)
            if case.notes:
                last = self._after(rng, last, kind)
            if kind in STEP_KINDS:
                note = self._step_note(rng, case, kind, last)
                if kind == DECISION:
                    note.decision = weighted(rng, ONGOING_DECISIONS)
                    note.step = note.decision
                case.notes.append(note)
            else:
                self._add_info_or_admin(rng, case, kind, last, handled_at)
                if case.notes[-1].concern is not None and case.notes[-1].handling is not None:
                    handled_at = case.notes[-1].at
            last = case.notes[-1].at

    # --- single notes -----------------------------------------------------------------------

    def _note(self, rng: Any, case: CasePlan, kind: str, at: datetime) -> NotePlan:
        style = case.home_style if rng.random() < 0.75 else self._style(rng)
        if kind == DECISION and "admin" in self.styles and rng.random() < 0.2:
            style = "admin"
        noise = weighted(rng, NOISE_DRAW)
        lowercase = noise != "none" and rng.random() < (0.15 if style == "terse" else 0.03)
        jargon_mode = weighted(rng, JARGON_DRAW) if style != "admin" else "plain"
        return NotePlan(kind, style, at, jargon_mode=jargon_mode, noise=noise, lowercase=lowercase)

    def _add_info_or_admin(self, rng: Any, case: CasePlan, kind: str, at: datetime, handled_at: datetime | None) -> None:
        note = self._note(rng, case, kind, at)
        if kind in ADMIN_KINDS:
            note.admin_task = choose(("booking", "letter", "file_request", "forward", "file_access", "message"), rng)
            case.notes.append(note)
            return
        if rng.random() < 0.4:
            source = {CHILD_TALK: "child", PARENT_TALK: "parent"}.get(kind)
            if kind == STATUS_REPORT:
                source = choose(("school", "provider", "health_nurse", "doctor") if case.age >= 6 else ("daycare", "provider", "health_nurse", "doctor"), rng)
            elif kind == MEETING:
                source = "school" if case.age >= 6 else "daycare"
            elif kind == HOME_VISIT:
                source = "parent"
            types = self._types_for(rng, case.age, source) if not (source == "child" and case.age < 5) else ()
            if types:
                timing = weighted(rng, PASSING_TIMINGS)
                note.concern = Concern(types, source, timing)
                self._plan_handling_here(rng, note, timing, earlier_handled=handled_at)
        if rng.random() < 0.22:
            exclude = set(note.concern.types) if note.concern else set()
            mention_type = choose([t for t in CONCERN_TYPES if t not in exclude], rng)
            note.mentions = [(weighted(rng, MENTION_KINDS), mention_type)]
        self._plan_assessment(rng, note)
        if note.concern is not None:
            self._plan_abuse_step(rng, case, note)
        case.notes.append(note)
        if note.concern is not None and note.concern.timing in ("within_24h", "after_24h"):
            case.notes.append(self._handler(rng, case, len(case.notes) - 1, at, note.concern.timing))

    def _handler(self, rng: Any, case: CasePlan, target: int, after: datetime, timing: str) -> NotePlan:
        """A later note that records the handling of the concern raised in note `target`."""
        note = self._note(rng, case, HANDLING, self._handling_time(rng, after, timing))
        abuse = not ABUSE_TYPES.isdisjoint(case.notes[target].concern.types)
        note.handles = [target]
        note.handling = choose(("as_notification", "registered", "acute", "acute", "police", "on_call", "to_intake"), rng)
        if abuse and rng.random() < 0.3:
            note.handling = "child_house"
        # A 24-hour assessment always takes a stance; whether it gives reasons varies.
        note.assessment = "reasoned" if rng.random() < 0.62 else "bare"
        if abuse:
            note.step = "abuse_assessment"
            self._plan_hearing(rng, case, note)
        return note

    def _plan_handling_here(self, rng: Any, note: NotePlan, timing: str, earlier_handled: datetime | None) -> None:
        if timing != "same_note":
            return
        abuse = not ABUSE_TYPES.isdisjoint(note.concern.types)
        note.handling = choose(HANDLING_HERE[abuse, earlier_handled is not None], rng)

    def _plan_assessment(self, rng: Any, note: NotePlan) -> None:
        if note.handling == "acute":
            note.assessment = "reasoned" if rng.random() < 0.62 else "bare"
            return
        note.assessment = weighted(rng, ASSESSMENT_DRAW)
        if note.assessment == "none" and note.style in ("template", "mixed") and rng.random() < 0.6:
            note.assessment = "empty"

    def _plan_abuse_step(self, rng: Any, case: CasePlan, note: NotePlan) -> None:
        """An assessment of new information about violence or abuse is a step where the child is heard."""
        if ABUSE_TYPES.isdisjoint(note.concern.types) or note.assessment not in ("reasoned", "bare"):
            return
        note.step = "abuse_assessment"
        if note.kind == CHILD_TALK or note.concern.source == "child":
            note.child_hearing = "conversation"  # the child told us directly
        else:
            self._plan_hearing(rng, case, note)

    def _step_note(self, rng: Any, case: CasePlan, kind: str, at: datetime) -> NotePlan:
        note = self._note(rng, case, kind, at)
        note.step = STEP_OF_KIND[kind]
        note.assessment = weighted(rng, STEP_ASSESSMENT_DRAW)
        if note.assessment == "none" and note.style in ("template", "mixed") and rng.random() < 0.6:
            note.assessment = "empty"
        self._plan_hearing(rng, case, note)
        return note

    def _plan_hearing(self, rng: Any, case: CasePlan, note: NotePlan) -> None:
        hearing = weighted(rng, HEARING_DRAW)
        if hearing == "none" and note.style in ("template", "mixed") and rng.random() < 0.7:
            hearing = "empty_line"  # the template's "Barnets perspektiv:" left with "-"
        note.child_hearing = hearing
        if hearing == "omission":
            if case.age <= 3:
                note.omission = "age"
            else:
                note.omission = choose(("declines", "harm", "postponed") if case.age >= 7 else ("harm", "postponed"), rng)

    # --- who reports what, and when -----------------------------------------------------------

    def _source(self, rng: Any, age: int, types: tuple[str, ...]) -> str:
        options = _SOURCE_OPTIONS.get((age, types))
        if options is None:
            options = _SOURCE_OPTIONS[age, types] = tuple(
                s for s in SOURCES if SOURCE_AGES[s][0] <= age <= SOURCE_AGES[s][1] and set(types) <= SOURCE_TYPES[s]
            )
        return choose(options, rng) if options else "anonymous"

    def _types_for(self, rng: Any, age: int, source: str) -> tuple[str, ...]:
        options = _TYPE_OPTIONS.get((age, source))
        if options is None:
            options = _TYPE_OPTIONS[age, source] = tuple(
                t for t in CONCERN_TYPES if CONCERN_AGES[t][0] <= age <= CONCERN_AGES[t][1] and t in SOURCE_TYPES[source]
            )
        return (choose(options, rng),) if options else ()

    def _intake_time(self, rng: Any, day: datetime, source: str) -> datetime:
        if source in ("police", "neighbour", "anonymous") and rng.random() < 0.35:
            return day + MINUTES[below(rng, 24 * 60)]  # police reports and calls come at any hour
        return self._work_time(rng, day)

    @staticmethod
    def _work_time(rng: Any, day: datetime) -> datetime:
        """A time in working hours on `day`, or on the Monday after when `day` is a weekend day."""
        return _WORKDAY_MIDNIGHT[day.toordinal()] + MINUTES[between(rng, 7 * 60 + 45, 15 * 60 + 30)]

    @staticmethod
    def _handling_time(rng: Any, raised: datetime, timing: str) -> datetime:
        """When a later handling note is written: within 24 hours, or later (near the line too).

        The 24-hour duty holds on weekends and at night, so a timely handling may fall there.
        Times keep at least 10 minutes from the 24-hour line, so no label hangs on a rounding.
        """
        minute_of_day = raised.hour * 60 + raised.minute
        if timing == "within_24h":
            if rng.random() < 0.45 or minute_of_day <= 8 * 60:
                return raised + MINUTES[between(rng, 20, 240)]  # later the same day (or evening)
            # the next morning, before the same time of day
            next_day = raised.replace(hour=0, minute=0) + DAY
            return next_day + MINUTES[between(rng, 7 * 60 + 30, minute_of_day - 10)]
        if rng.random() < 0.25 and minute_of_day <= 15 * 60:
            # the next day, a little after the 24 hours ran out: the hard case near the line
            return raised + DAY + MINUTES[between(rng, 10, 150)]
        later = raised.replace(hour=0, minute=0) + DAYS[between(rng, 2, 8)]
        return later + MINUTES[between(rng, 7 * 60 + 45, 15 * 60 + 30)]

    def _after(self, rng: Any, last: datetime, kind: str) -> datetime:
        """The time of the next ordinary note: days later, on a working day."""
        if kind in ADMIN_KINDS and rng.random() < 0.4:
            days = between(rng, 0, 3)
        else:
            days = between(rng, 2, 35)
        candidate = _WORKDAY_MIDNIGHT[last.toordinal() + days] + MINUTES[between(rng, 7 * 60 + 45, 15 * 60 + 30)]
        if candidate <= last:
            candidate = last + MINUTES[between(rng, 15, 240)]
        return candidate
