"""Creating and changing users (shared by `journaltjek users` and the admin page)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review import auth
from review.store import ROLES, User


class UserError(ValueError):
    pass


def add_user(session: Session, name: str, role: str, password: str) -> User:
    try:
        name = auth.validate_user_name(name)
        auth.validate_role(role)
        password_hash = auth.hash_password(password)
    except (ValueError, auth.PasswordPolicyError) as exc:
        raise UserError(str(exc)) from None
    if session.execute(select(User.id).where(func.lower(User.name) == name.lower())).first():
        raise UserError(f"the user {name} exists already")
    user = User(name=name, role=role, password_hash=password_hash, active=True)
    session.add(user)
    session.flush()
    return user


def change_user(session: Session, user: User, *, role: str | None = None, active: bool | None = None, password: str | None = None) -> list[str]:
    """Apply the changes; returns which fields changed. Any change ends the user's sessions."""
    changed = []
    if role is not None and role != user.role:
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}")
        user.role = role
        changed.append("role")
    if active is not None and active != user.active:
        user.active = active
        changed.append("active")
    if password:
        try:
            user.password_hash = auth.hash_password(password)
        except auth.PasswordPolicyError as exc:
            raise UserError(str(exc)) from None
        changed.append("password")
    if changed:
        auth.end_sessions_of(session, user.id)
    return changed


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.name)).scalars())
