"""The four quality markers, each a few lines of logic over sentence roles (GUIDELINES.md).

Every function takes the note's sentence roles (pipeline/roles.py) and its marker settings
from the model's config.yaml (`markers:`; no threshold or weight lives here) and
returns a `MarkerResult`: flag, score in [0, 1], and the evidence a reviewer reads, each with
a Danish reason. A flag always carries evidence (NoteFlags refuses one without).

`unhandled_concern` here sees only this note; `pipeline.cases` clears it afterwards when a
later note of the same case records the handling within the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from pipeline.jargon import DenseSentence, JargonReport
from pipeline.roles import (
    ADMIN, ASSESSMENT, CHILD_CONTACT, CONCERN, HANDLING, INFO, NEGATED, OMISSION_REASON,
    PLACEHOLDER, PLACEHOLDER_SECTION_RULE, REASON, STEP, WORRY, SentenceRoles,
)
from pipeline.schema import (
    AUTHORITY_JARGON, CONCERN_TYPE_NAMES_DA, CONCERN_TYPES, MISSING_ASSESSMENT,
    MISSING_CHILD_CONVERSATION, UNHANDLED_CONCERN, Evidence, MarkerResult,
)

MAX_EVIDENCE = 6
HANDLING_SPAN_CHARS = 120  # longest handling quote the case timeline carries  # sentences quoted per marker; jargon lists every term

JARGON_REASONS_DA: dict[str, str] = {
    "paragraph_reference": "Paragrafhenvisning uden forklaring",
    "abbreviation": "Forkortelse uden forklaring",
    "administrative_word": "Administrativt fagord uden forklaring",
    "legalese": "Juridisk eller gammeldags kancellisprog",
}


@dataclass(slots=True)
class NoteMarkers:
    """All four results for one note, plus the handling sentences the case timeline needs."""

    results: dict[str, MarkerResult]
    handling: list[Evidence] = field(default_factory=list)


def mark_note(text: str, sentences: Sequence[SentenceRoles], jargon: JargonReport, settings: Mapping[str, Any], thresholds: Mapping[str, float]) -> NoteMarkers:
    """Run the four markers over one note's roles."""
    # A sentence without roles or concerns (a third of them) meets no marker's condition: each
    # asks for a role or a concern at a score, so the markers read only the others. The one
    # exception is a concern threshold of 0, which an unweighed sentence's worry (0.0) reaches.
    weighed = [s for s in sentences if s.roles or s.concerns]
    concern_cfg = settings[UNHANDLED_CONCERN]
    results = {
        MISSING_ASSESSMENT: missing_assessment(text, weighed, settings[MISSING_ASSESSMENT], thresholds[MISSING_ASSESSMENT]),
        MISSING_CHILD_CONVERSATION: missing_child_conversation(text, weighed, settings[MISSING_CHILD_CONVERSATION], thresholds[MISSING_CHILD_CONVERSATION]),
        AUTHORITY_JARGON: authority_jargon(text, jargon, settings[AUTHORITY_JARGON], thresholds[AUTHORITY_JARGON]),
        UNHANDLED_CONCERN: unhandled_concern(text, weighed if concern_cfg["concern_min_score"] > 0 else sentences,
                                             concern_cfg, thresholds[UNHANDLED_CONCERN]),
    }
    return NoteMarkers(results, handling_evidence(text, weighed, concern_cfg))


# --- M1 missing_assessment --------------------------------------------------------------------


def missing_assessment(text: str, sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any], threshold: float) -> MarkerResult:
    """Information that calls for a professional judgement, but no reasoned judgement."""
    role_min = cfg["role_min_score"]
    substantive = [s for s in sentences if _substantive(s, cfg)]
    admin_only = not substantive and any(s.has(ADMIN, role_min) for s in sentences)
    placeholders = [s for s in sentences if s.roles.get(PLACEHOLDER) and s.roles[PLACEHOLDER].rule == PLACEHOLDER_SECTION_RULE]
    parked = [s for s in sentences if s.has(PLACEHOLDER, role_min) and s not in placeholders]
    assessments = [s for s in sentences if s.has(ASSESSMENT, cfg["assessment_min_score"]) or _decision(s, cfg)]
    reasoned = [s for s in assessments if _has_reason(s, sentences, cfg)]

    if placeholders and not admin_only:
        return _flagged(cfg["score_placeholder"], threshold, [
            _sentence_evidence(text, s, "Vurderingsfeltet i skabelonen er tomt eller kun udfyldt med en pladsholder")
            for s in placeholders])
    if reasoned:
        return MarkerResult(False, cfg["score_reasoned"])
    if parked and not assessments:
        return _flagged(cfg["score_parked"], threshold, [
            _sentence_evidence(text, s, "Sagen parkeres uden faglig stillingtagen") for s in parked])
    if not substantive:
        return MarkerResult(False, cfg["score_not_needed"])
    if assessments:
        return _flagged(cfg["score_unreasoned"], threshold, [
            _sentence_evidence(text, s, "Konklusion uden begrundelse: ingen konkret observation, udsagn eller dokument knyttet til vurderingen")
            for s in assessments])
    key_sentences = sorted(substantive, key=lambda s: -_weight_of_information(s))[:3]
    return _flagged(cfg["score_no_assessment"], threshold, [
        _sentence_evidence(text, s, "Oplysninger om barnets situation uden faglig vurdering")
        for s in sorted(key_sentences, key=lambda s: s.index)])


def _substantive(s: SentenceRoles, cfg: Mapping[str, Any]) -> bool:
    """Information bearing on the child's situation (not logistics)."""
    role_min = cfg["role_min_score"]
    if s.has(CONCERN, role_min) or s.has(CHILD_CONTACT, role_min):
        return True
    if s.has(ADMIN, role_min):
        return False  # a filed report or a sent decision is logistics, whatever it names
    return s.has(STEP, role_min) or s.has(HANDLING, role_min) or s.has(INFO, cfg["info_min_score"])


def _decision(s: SentenceRoles, cfg: Mapping[str, Any]) -> bool:
    """A decision is the caseworker's stance too; with its grounds it is a reasoned assessment."""
    hit = s.roles.get(STEP)
    return hit is not None and hit.score >= cfg["assessment_min_score"] and (hit.rule or "").startswith(tuple(cfg["decision_rules"]))


def _weight_of_information(s: SentenceRoles) -> float:
    return s.score(CONCERN) * 2 + s.score(STEP) + s.score(CHILD_CONTACT) + s.score(INFO) * 0.5


def _has_reason(s: SentenceRoles, sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any]) -> bool:
    """A reason in the assessment itself, next to it, or in the same assessment section."""
    reason_min = cfg["reason_min_score"]
    window = cfg["reason_window"]
    for other in sentences:
        if not other.has(REASON, reason_min):
            continue
        if abs(other.index - s.index) <= window:
            return True
        if s.section is not None and other.section == s.section and other.has(ASSESSMENT):
            return True
    return False


# --- M2 missing_child_conversation ------------------------------------------------------------


def missing_child_conversation(text: str, sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any], threshold: float) -> MarkerResult:
    """A step where the child must be heard, with no conversation, reference or reason recorded."""
    steps = [s for s in sentences if s.has(STEP, cfg["step_min_score"])]
    abuse = _abuse_notification_assessment(sentences, cfg)
    if not steps and not abuse:
        return MarkerResult(False, cfg["score_no_step"])
    heard = [s for s in sentences if s.has(CHILD_CONTACT, cfg["contact_min_score"]) or s.has(OMISSION_REASON, cfg["omission_min_score"])]
    if heard:
        return MarkerResult(False, cfg["score_heard"])
    step_score = max([s.score(STEP) for s in steps] + ([cfg["abuse_step_score"]] if abuse else []))
    evidence = [_sentence_evidence(text, s, "Afgørelse, opfølgning eller andet skridt, hvor barnet skal høres, uden registreret børnesamtale, henvisning eller begrundelse") for s in steps]
    evidence += [_sentence_evidence(text, s, "Vurdering af en underretning om vold eller overgreb uden samtale med barnet") for s in abuse if s not in steps]
    refused = [s for s in sentences if s.roles.get(NEGATED) and _negated_contact(s)]
    evidence += [_sentence_evidence(text, s, "Børnesamtale angivet som ikke afholdt, uden begrundelse") for s in refused]
    return _flagged(step_score, threshold, evidence)


def _abuse_notification_assessment(sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any]) -> list[SentenceRoles]:
    """Sentences with violence/abuse worry in a note that assesses or handles it as a notification."""
    abuse_types = set(cfg["abuse_types"])
    concern_min = cfg["abuse_concern_min_score"]
    abuse = [s for s in sentences if any(h.concern_type in abuse_types and h.score >= concern_min for h in s.concerns)]
    if not abuse:
        return []
    handled = any(s.has(HANDLING, cfg["abuse_handling_min_score"]) or s.has(ASSESSMENT, cfg["abuse_assessment_min_score"]) for s in sentences)
    return abuse if handled else []


def _negated_contact(s: SentenceRoles) -> bool:
    hit = s.roles[NEGATED]
    return bool(hit.rule and hit.rule.split(":", 1)[-1].startswith("contact."))


# --- M3 authority_jargon ----------------------------------------------------------------------


def authority_jargon(text: str, report: JargonReport, cfg: Mapping[str, Any], threshold: float) -> MarkerResult:
    """A parent could not follow the note: two or more unexplained items, or dense style."""
    unexplained = report.unexplained
    weight = sum(item.weight for item in unexplained)  # report.unexplained_weight, without a second pass
    items_score = weight / (weight + cfg["min_items"]) if weight else 0.0
    dense_score = _dense_score(report, cfg)
    score = max(items_score, dense_score)
    if score < threshold:
        return MarkerResult(False, score)
    evidence = [
        Evidence(item.start, item.end, item.text, JARGON_REASONS_DA[item.category], plain=item.plain)
        for item in unexplained
    ]
    if dense_score >= threshold or not evidence:
        evidence += _dense_evidence(text, report, cfg)
    return _flagged(score, threshold, evidence, cap=None)


def _dense_score(report: JargonReport, cfg: Mapping[str, Any]) -> float:
    """0.5 exactly where LIX and style both reach their thresholds; more when they pass them."""
    if report.words < cfg["min_words_dense"]:
        return 0.0
    lix_part = report.lix / cfg["lix_dense"]
    style_part = max(report.nominal_share / cfg["nominal_share_dense"], report.passives_per_sentence / cfg["passives_per_sentence_dense"])
    return min(1.0, 0.5 * min(lix_part, style_part))


def _dense_evidence(text: str, report: JargonReport, cfg: Mapping[str, Any]) -> list[Evidence]:
    heavy = [d for d in report.dense_sentences if d.words >= cfg["dense_sentence_words"] and (d.nominalisations >= 2 or d.passives >= 1)]
    if not heavy:
        heavy = sorted(report.dense_sentences, key=lambda d: -d.words)[:1]
    return [_dense_sentence_evidence(text, d, report.lix) for d in heavy[:MAX_EVIDENCE]]


def _dense_sentence_evidence(text: str, d: DenseSentence, lix: float) -> Evidence:
    parts = [f"{d.words} ord"]
    if d.nominalisations:
        parts.append(f"{d.nominalisations} navneordsformer")
    if d.passives:
        parts.append("upersonlig passiv")
    reason = f"Tung myndighedsstil: lang sætning med {', '.join(parts)} (LIX for notatet {lix:.0f})"
    start, end = _trimmed(text, d.start, d.end)
    return Evidence(start, end, text[start:end], reason, plain="Skriv korte sætninger: hvem gør hvad, og hvad betyder det for barnet?")


# --- M4 unhandled_concern ---------------------------------------------------------------------


def unhandled_concern(text: str, sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any], threshold: float) -> MarkerResult:
    """New worrying information that this note does not record as handled as a notification."""
    concern_min = cfg["concern_min_score"]
    worrying = [s for s in sentences if _worry_strength(s) >= concern_min and not _restates(s, cfg)]
    types = _concern_types(worrying, concern_min)
    if not worrying:
        return MarkerResult(False, 0.0, concern_types=[])
    strength = max(_worry_strength(s) for s in worrying)
    handling = [s for s in sentences if s.has(HANDLING, cfg["handling_min_score"])]
    if handling:
        handled_by = max(s.score(HANDLING) for s in handling)
        evidence = [_sentence_evidence(text, s, "Behandlet som underretning i samme notat") for s in handling]
        return MarkerResult(False, strength * (1.0 - handled_by), evidence[:MAX_EVIDENCE], concern_types=types)
    evidence = []
    for s in worrying:
        # each type once, in the guidelines' order (the order hits were found in varies between runs)
        names = ", ".join(CONCERN_TYPE_NAMES_DA[t] for t in _concern_types([s], concern_min))
        if names:
            reason = f"Bekymrende oplysning ({names}) uden registreret håndtering som underretning"
        else:
            reason = "Bekymring for barnet udtrykt uden registreret håndtering som underretning"
        evidence.append(_sentence_evidence(text, s, reason))
    result = _flagged(strength, threshold, evidence)
    result.concern_types = types
    return result


def _worry_strength(s: SentenceRoles) -> float:
    """How sure the sentence brings worrying information: a typed concern, or voiced worry."""
    return max([h.score for h in s.concerns] + [s.score(WORRY)])


def _restates(s: SentenceRoles, cfg: Mapping[str, Any]) -> bool:
    """The caseworker weighing known information (an assessment, the grounds of a decision,
    a plan's goals) is not new worrying information (annotations/GUIDELINES.md rule 1)."""
    if s.section in cfg["restating_sections"]:
        return True
    if s.has(STEP, cfg["restating_step_min_score"]) and s.has(REASON):
        return True  # the grounds of a decision
    return s.has(ASSESSMENT, cfg["restating_assessment_min_score"])


def handling_evidence(text: str, sentences: Sequence[SentenceRoles], cfg: Mapping[str, Any]) -> list[Evidence]:
    """The note's handling records for the case timeline: the matched span only (at most
    HANDLING_SPAN_CHARS), never the whole sentence, so the index a scan keeps stays small."""
    out = []
    for s in sentences:
        hit = s.roles.get(HANDLING)
        if hit is None or hit.score < cfg["handling_min_score"] or hit.start is None:
            continue
        end = min(hit.end, hit.start + HANDLING_SPAN_CHARS)
        out.append(Evidence(hit.start, end, text[hit.start:end], "Behandlet som underretning"))
    return out


def _concern_types(worrying: Sequence[SentenceRoles], concern_min: float) -> list[str]:
    found = {h.concern_type for s in worrying for h in s.concerns if h.score >= concern_min}
    return [t for t in CONCERN_TYPES if t in found]


# --- evidence helpers -------------------------------------------------------------------------


def _sentence_evidence(text: str, s: SentenceRoles, reason: str) -> Evidence:
    start, end = _trimmed(text, s.start, s.end)
    return Evidence(start, end, text[start:end], reason)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _flagged(score: float, threshold: float, evidence: list[Evidence], cap: int | None = MAX_EVIDENCE) -> MarkerResult:
    """A result that flags when the score reaches the threshold (evidence kept either way)."""
    evidence = evidence if cap is None else evidence[:cap]
    flag = score >= threshold and bool(evidence)
    return MarkerResult(flag, float(min(1.0, max(0.0, score))), evidence if flag else [])
