"""Reviewer decisions: Bekræft, Afvis, Eskalér, Kommentar — and what happens when two collide.

Every decision is a new row in `decisions`; nothing is overwritten. The item's status changes
with one conditional UPDATE (`WHERE version = <the version the reviewer saw>`), so of two
reviewers deciding the same item at once exactly one changes the status; the other's decision
is still recorded, marked `conflict`, and they are shown the first decision. When the two
disagree the item is marked `conflict` until someone decides again having seen both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from review.store import DECIDED_STATUSES, Decision, Item, User, bump_generation, utcnow
from review.vocabulary import (
    DECISION_KINDS,
    DECISION_STATUS,
    DISMISS_REASONS,
    ESCALATION_TARGETS,
    REASON_NEEDS_TEXT,
)

MAX_TEXT = 4000


class DecisionError(ValueError):
    """A decision that cannot be recorded as given; the message is Danish, for the reviewer."""


@dataclass(frozen=True)
class DecisionRequest:
    kind: str
    seen_version: int
    reason_code: str | None = None
    reason_text: str | None = None
    escalated_to: str | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "DecisionRequest":
        kind = str(payload.get("kind") or payload.get("handling") or "").strip()
        if kind not in DECISION_KINDS:
            raise DecisionError("Vælg Bekræft, Afvis, Eskalér eller Kommentar")
        try:
            seen_version = int(payload.get("version"))
        except (TypeError, ValueError):
            raise DecisionError("Siden mangler markeringens version; genindlæs siden") from None
        text = str(payload.get("text") or payload.get("tekst") or "").strip() or None
        if text and len(text) > MAX_TEXT:
            raise DecisionError(f"Teksten må højst være {MAX_TEXT} tegn")
        reason = str(payload.get("reason") or payload.get("begrundelse") or "").strip() or None
        target = str(payload.get("escalate_to") or payload.get("eskaler_til") or "").strip() or None
        if kind == "dismiss":
            if reason not in DISMISS_REASONS:
                raise DecisionError("Vælg en begrundelse for at afvise")
            if reason in REASON_NEEDS_TEXT and not text:
                raise DecisionError("Skriv en begrundelse, når du vælger 'Andet'")
        else:
            reason = None
        if kind == "escalate":
            if target not in ESCALATION_TARGETS:
                raise DecisionError("Vælg, hvem markeringen skal eskaleres til")
            if target == "other" and not text:
                raise DecisionError("Skriv, hvem markeringen eskaleres til")
        else:
            target = None
        if kind == "comment" and not text:
            raise DecisionError("Skriv en kommentar")
        return cls(kind=kind, seen_version=seen_version, reason_code=reason, reason_text=text, escalated_to=target)


@dataclass
class DecisionOutcome:
    item: Item
    decision: Decision | None
    conflict: bool = False  # recorded, but another reviewer had decided since this reviewer looked
    disagreement: bool = False  # ... and decided differently
    duplicate: bool = False  # the same reviewer sent the same decision twice; nothing new recorded
    earlier: list[Decision] = field(default_factory=list)


def decide(session: Session, item_id: int, user: User, request: DecisionRequest) -> DecisionOutcome:
    """Record `request` on the item inside the caller's write transaction."""
    item = _fresh_item(session, item_id)
    if item is None:
        raise LookupError(item_id)
    if request.kind == "comment":
        return DecisionOutcome(item=item, decision=_add(session, item, user, request, conflict=False))
    if _apply_status(session, item, user, request, expected_version=request.seen_version):
        return DecisionOutcome(item=_fresh_item(session, item_id), decision=_add(session, item, user, request, conflict=False))
    item = _fresh_item(session, item_id)  # someone changed it since the reviewer looked
    new_status = DECISION_STATUS[request.kind]
    if item.status in DECIDED_STATUSES and item.decided_by_id not in (None, user.id):
        earlier = _decisions_since(session, item.id, request.seen_version, user.id)
        disagreement = item.status != new_status
        decision = _add(session, item, user, request, conflict=True)
        values: dict[str, Any] = {"version": Item.version + 1}
        if disagreement:
            values["conflict"] = True
        session.execute(update(Item).where(Item.id == item.id).values(**values).execution_options(synchronize_session=False))
        bump_generation(session)
        return DecisionOutcome(
            item=_fresh_item(session, item_id), decision=decision, conflict=True, disagreement=disagreement, earlier=earlier
        )
    if item.decided_by_id == user.id and item.status == new_status and _last_kind(session, item.id, user.id) == request.kind:
        return DecisionOutcome(item=item, decision=None, duplicate=True)
    # Stale only through a claim, a rescan or this reviewer's own earlier decision: apply it.
    if not _apply_status(session, item, user, request, expected_version=item.version):
        raise DecisionError("Markeringen blev ændret i samme øjeblik; prøv igen")
    return DecisionOutcome(item=_fresh_item(session, item_id), decision=_add(session, item, user, request, conflict=False))


def _apply_status(session: Session, item: Item, user: User, request: DecisionRequest, expected_version: int) -> bool:
    result = session.execute(
        update(Item)
        .where(Item.id == item.id, Item.version == expected_version)
        .values(
            status=DECISION_STATUS[request.kind],
            decided_by_id=user.id,
            decided_at=utcnow(),
            version=Item.version + 1,
            claimed_by_id=None,
            claimed_at=None,
            changed_after_decision=False,
            conflict=False,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        bump_generation(session)
        return True
    return False


def _add(session: Session, item: Item, user: User, request: DecisionRequest, conflict: bool) -> Decision:
    decision = Decision(
        item_id=item.id,
        user_id=user.id,
        kind=request.kind,
        reason_code=request.reason_code,
        reason_text=request.reason_text,
        escalated_to=request.escalated_to,
        seen_version=request.seen_version,
        conflict=conflict,
        model=item.model,
        flag_fingerprint=item.fingerprint,
        created_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    return decision


def _fresh_item(session: Session, item_id: int) -> Item | None:
    return session.execute(
        select(Item).where(Item.id == item_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _decisions_since(session: Session, item_id: int, seen_version: int, user_id: int) -> list[Decision]:
    return list(
        session.execute(
            select(Decision)
            .where(Decision.item_id == item_id, Decision.user_id != user_id, Decision.kind != "comment",
                   Decision.seen_version >= seen_version)
            .order_by(Decision.id)
        ).scalars()
    )


def _last_kind(session: Session, item_id: int, user_id: int) -> str | None:
    return session.execute(
        select(Decision.kind)
        .where(Decision.item_id == item_id, Decision.user_id == user_id, Decision.kind != "comment")
        .order_by(Decision.id.desc())
        .limit(1)
    ).scalar()


def decisions_for_item(session: Session, item_id: int) -> list[Decision]:
    return list(session.execute(select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)).scalars())
