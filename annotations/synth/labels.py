"""Labels of a synthetic note, derived from how it was built, exactly as GUIDELINES.md defines them.

- `missing_assessment`: the note needs an assessment (every kind but administration and logistics)
  and what was built is not a reasoned one (bare conclusion, empty field, or none).
- `missing_child_conversation`: the note records a step where the child must be heard (a decision,
  the conclusion of an investigation, a follow-up, the assessment of information about violence
  or abuse) and was built with neither a conversation, a reference nor a reason ("none" or an
  empty form line).
- `authority_jargon`: the note holds at least two distinct unexplained jargon items (counted from
  the marked items of the phrase banks; admin-style notes always get two or more).
- `concern_present`: the note raises new worrying information (negated, hypothetical and history
  mentions are built as such and do not count).
- `unhandled_concern`: a concern that neither this note nor a later note of the same case written
  within 24 hours records as handled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from annotations.synth.notes import RenderedNote
from annotations.synth.storyline import ADMIN_KINDS, MISSING_HEARINGS, CasePlan

WITHIN = timedelta(hours=24)


def handling_outcome(case: CasePlan, index: int) -> tuple[str, int | None]:
    """How the concern of note `index` was actually handled: (outcome, index of the handling note).

    Outcomes: same_note, within_24h, after_24h, never. The planned timing can differ from the
    outcome when a case is cut short (the last case of a run) and the handling note is not written.
    """
    plan = case.notes[index]
    if plan.handling is not None:
        return "same_note", index
    for later_index in range(index + 1, len(case.notes)):
        later = case.notes[later_index]
        if index in later.handles:
            return ("within_24h" if later.at - plan.at <= WITHIN else "after_24h"), later_index
    return "never", None


def note_labels(case: CasePlan, index: int, rendered: RenderedNote) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any]]:
    """(labels, evidence for the labels that are 1, handling metadata) of one note."""
    plan = case.notes[index]
    concern_present = plan.concern is not None
    outcome, handled_in = handling_outcome(case, index) if concern_present else (None, None)
    labels = {
        "missing_assessment": int(plan.kind not in ADMIN_KINDS and plan.assessment != "reasoned"),
        "missing_child_conversation": int(plan.step is not None and plan.child_hearing in MISSING_HEARINGS),
        "authority_jargon": int(len(rendered.jargon) >= 2),
        "unhandled_concern": int(concern_present and outcome in ("after_24h", "never")),
        "concern_present": int(concern_present),
        "concern_types": list(plan.concern.types) if concern_present else [],
    }
    evidence: dict[str, list[str]] = {}
    for key in ("missing_assessment", "missing_child_conversation", "authority_jargon", "concern_present"):
        if labels[key] and key in rendered.evidence:
            evidence[key] = rendered.evidence[key]
    if labels["unhandled_concern"] and "concern_present" in rendered.evidence:
        evidence["unhandled_concern"] = rendered.evidence["concern_present"]
    handling = {"outcome": outcome, "handled_in": handled_in} if concern_present else None
    return labels, evidence, handling
