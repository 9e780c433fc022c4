"""Every word a reviewer reads about statuses, decisions and reasons, in one place (Danish).

Codes (left) are what the database, URLs and exports store; labels (right) are what people see.
"""

from __future__ import annotations

from pipeline.schema import CONCERN_TYPE_NAMES_DA, MARKER_NAMES_DA, MARKERS

MARKER_LABELS: dict[str, str] = dict(MARKER_NAMES_DA)
MARKER_SHORT_LABELS: dict[str, str] = {
    "missing_assessment": "Vurdering",
    "missing_child_conversation": "Børnesamtale",
    "authority_jargon": "Sprog",
    "unhandled_concern": "Bekymring",
}
CONCERN_TYPE_LABELS: dict[str, str] = dict(CONCERN_TYPE_NAMES_DA)

ROLE_LABELS: dict[str, str] = {
    "reviewer": "Kvalitetsgennemgang",
    "researcher": "Forsker",
    "admin": "Administrator",
}

STATUS_LABELS: dict[str, str] = {
    "open": "Åben",
    "confirmed": "Bekræftet",
    "dismissed": "Afvist",
    "escalated": "Eskaleret",
}

# Queue filter values for "status": the four statuses plus views across them.
STATUS_FILTER_LABELS: dict[str, str] = {
    "open": "Åbne",
    "confirmed": "Bekræftede",
    "dismissed": "Afviste",
    "escalated": "Eskalerede",
    "changed": "Ændret efter afgørelse",
    "conflict": "Konflikter",
    "withdrawn": "Trukket tilbage ved genscanning",
    "all": "Alle",
}

DECISION_KINDS: tuple[str, ...] = ("confirm", "dismiss", "escalate", "comment")
DECISION_LABELS: dict[str, str] = {
    "confirm": "Bekræft",
    "dismiss": "Afvis",
    "escalate": "Eskalér",
    "comment": "Kommentar",
}
DECISION_PAST_LABELS: dict[str, str] = {
    "confirm": "bekræftede",
    "dismiss": "afviste",
    "escalate": "eskalerede",
    "comment": "kommenterede",
}
DECISION_STATUS: dict[str, str] = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}

# Every dismissal reason says the note does NOT have the problem; that is what makes a
# dismissal a 0-label. "Right problem, wrong highlight" is a confirmation with a comment.
DISMISS_REASONS: dict[str, str] = {
    "assessment_present": "Notatet har en begrundet faglig vurdering",
    "child_heard": "Barnet er hørt, eller det er begrundet, hvorfor ikke",
    "language_clear": "Sproget er forståeligt, eller ordene er forklaret",
    "concern_handled": "Bekymringen er behandlet som underretning",
    "no_new_concern": "Ingen ny bekymring (benægtet, hypotetisk eller kendt historik)",
    "not_applicable": "Markøren gælder ikke for denne slags notat",
    "other": "Andet (skriv begrundelse)",
}
REASON_NEEDS_TEXT: frozenset[str] = frozenset({"other"})

ESCALATION_TARGETS: dict[str, str] = {
    "notification_team": "Modtagelsen (underretninger)",
    "team_leader": "Teamleder",
    "legal": "Jurist",
    "other": "Andet (skriv hvem)",
}

AUDIT_ACTION_LABELS: dict[str, str] = {
    "login": "Logget ind",
    "login_failed": "Mislykket login",
    "login_blocked": "Login blokeret (for mange forsøg)",
    "logout": "Logget ud",
    "view_item": "Så markering",
    "view_note": "Så notat",
    "decision": "Afgørelse",
    "claim": "Tog markering",
    "release": "Slap markering",
    "export": "Eksport",
    "view_audit": "Så revisionslog",
    "user_add": "Bruger oprettet",
    "user_change": "Bruger ændret",
    "load": "Flag indlæst",
}

MONTH_NAMES: tuple[str, ...] = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)

__all__ = [
    "MARKERS",
    "MARKER_LABELS",
    "MARKER_SHORT_LABELS",
    "CONCERN_TYPE_LABELS",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "STATUS_FILTER_LABELS",
    "DECISION_KINDS",
    "DECISION_LABELS",
    "DECISION_PAST_LABELS",
    "DECISION_STATUS",
    "DISMISS_REASONS",
    "REASON_NEEDS_TEXT",
    "ESCALATION_TARGETS",
    "AUDIT_ACTION_LABELS",
    "MONTH_NAMES",
]
