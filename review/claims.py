"""Claiming: a reviewer marks an item as theirs while they work on it.

A claim is advisory and expires after `CLAIM_TTL`, so an item is never stuck behind a
reviewer who went home. It is taken with one conditional UPDATE, so two reviewers pressing
"Tag" at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from review.store import Item, User, bump_generation, utcnow

CLAIM_TTL = timedelta(minutes=30)


@dataclass
class ClaimOutcome:
    ok: bool
    holder: str | None = None  # who holds it when `ok` is False
    reason: str | None = None


def claim(session: Session, item_id: int, user: User) -> ClaimOutcome:
    now = utcnow()
    result = session.execute(
        update(Item)
        .where(
            Item.id == item_id,
            Item.status == "open",
            Item.active.is_(True),
            or_(Item.claimed_by_id.is_(None), Item.claimed_by_id == user.id, Item.claimed_at < now - CLAIM_TTL),
        )
        .values(claimed_by_id=user.id, claimed_at=now, version=Item.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        bump_generation(session)
        return ClaimOutcome(ok=True, holder=user.name)
    item = session.execute(  # fresh from the database: the winner of a race has just committed
        select(Item).where(Item.id == item_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if item is None:
        return ClaimOutcome(ok=False, reason="Markeringen findes ikke")
    if item.status != "open" or not item.active:
        return ClaimOutcome(ok=False, reason="Markeringen er allerede afgjort eller trukket tilbage")
    holder = session.get(User, item.claimed_by_id) if item.claimed_by_id else None
    return ClaimOutcome(ok=False, holder=holder.name if holder else None, reason=f"Markeringen er taget af {holder.name if holder else 'en anden'}")


def release(session: Session, item_id: int, user: User) -> bool:
    """Give a claim back; only its holder can (an expired claim needs no release)."""
    result = session.execute(
        update(Item)
        .where(and_(Item.id == item_id, Item.claimed_by_id == user.id))
        .values(claimed_by_id=None, claimed_at=None, version=Item.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        bump_generation(session)
        return True
    return False


def active_holder_id(item: Item) -> int | None:
    if item.claimed_by_id is None or item.claimed_at is None:
        return None
    return item.claimed_by_id if item.claimed_at > utcnow() - CLAIM_TTL else None
