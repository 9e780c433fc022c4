"""Passwords, sessions, CSRF tokens, roles and the login rate limit.

- Passwords: argon2id (argon2-cffi defaults); an unknown user name costs the same time as a
  wrong password, so response times do not reveal which names exist.
- Sessions: the browser holds 32 random bytes in an HttpOnly, SameSite=Strict cookie (Secure
  unless switched off for plain-http tests); the store keeps only their SHA-256, so a copy of
  the database cannot be used to log in. Sessions end after `idle` minutes without use.
- CSRF: each session has its own token, required on every form (hidden field `csrf_token`) and
  every JSON write (header `X-CSRF-Token`). The login form, before there is a session, uses a
  signed double-submit token.
- Rate limit: too many failed logins for one name, or from one address, within the window
  block further attempts for that name or address until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from review.store import ROLES, LoginAttempt, User, WebSession, utcnow

SESSION_COOKIE = "journaltjek_session"
LOGIN_CSRF_COOKIE = "journaltjek_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MIN_PASSWORD_LENGTH = 10
TOUCH_EVERY = timedelta(minutes=5)
CLIENT_FAILURE_FACTOR = 4  # one address may fail this many times more than one name

# What each role may do. Reviewers decide; researchers export labels; admins manage users.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read_cases": frozenset({"reviewer", "researcher"}),
    "decide": frozenset({"reviewer"}),
    "view_management": frozenset({"reviewer", "researcher", "admin"}),
    "export_queue": frozenset({"reviewer", "researcher"}),
    "export_labels": frozenset({"researcher"}),
    "view_audit": frozenset({"reviewer", "admin"}),
    "manage_users": frozenset({"admin"}),
}

_hasher = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)
_dummy_hash: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Tune the argon2 cost for the hardware (or make it cheap in tests). Existing hashes keep
    verifying; each is re-hashed with the new parameters at its user's next login."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


class PasswordPolicyError(ValueError):
    pass


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn")
    if password.strip() != password or "\n" in password:
        raise PasswordPolicyError("Adgangskoden må ikke begynde eller slutte med mellemrum")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        password_hash = _dummy_hash
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def has_permission(user: User | None, permission: str) -> bool:
    return user is not None and user.active and user.role in PERMISSIONS[permission]


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def validate_user_name(name: str) -> str:
    name = name.strip()
    if not (2 <= len(name) <= 80) or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise ValueError("a user name is 2-80 printable characters without spaces")
    return name


# --- sessions --------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, idle: timedelta) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    web = WebSession(
        token_sha256=token_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + idle,
    )
    session.add(web)
    return token, web


@dataclass
class Login:
    user: User
    web_session: WebSession


def find_login(session: Session, token: str | None) -> Login | None:
    """The live session for a cookie value (reads only; see `touch_session`)."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= utcnow() or not user.active:
        return None
    return Login(user=user, web_session=web)


def needs_touch(web: WebSession) -> bool:
    return utcnow() - web.last_seen_at >= TOUCH_EVERY


def touch_session(session: Session, web_session_id: int, idle: timedelta) -> None:
    """Extend a session in use; called at most once per TOUCH_EVERY, in a write transaction."""
    now = utcnow()
    session.execute(
        update(WebSession).where(WebSession.id == web_session_id).values(last_seen_at=now, expires_at=now + idle)
    )


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_sha256 == token_digest(token)))


def end_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired_sessions(session: Session) -> None:
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


# --- the login form's token (before a session exists) --------------------------------------------


class LoginCsrf:
    """Signed double-submit token: the same random value in a cookie and in the form."""

    def __init__(self, secret: str, max_age_s: int = 3600):
        self._serializer = URLSafeTimedSerializer(secret, salt="journaltjek-login")
        self.max_age_s = max_age_s

    def new(self) -> tuple[str, str]:
        """(cookie value, form value)."""
        nonce = secrets.token_urlsafe(24)
        return nonce, self._serializer.dumps(nonce)

    def valid(self, cookie_value: str | None, form_value: str | None) -> bool:
        if not cookie_value or not form_value:
            return False
        try:
            nonce = self._serializer.loads(form_value, max_age=self.max_age_s)
        except (BadSignature, SignatureExpired):
            return False
        return hmac.compare_digest(str(nonce), str(cookie_value))


# --- rate limit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def login_blocked_for(session: Session, name: str, client: str, limit: RateLimit) -> int:
    """Seconds until another attempt is allowed for this name or address (0: allowed now)."""
    now = utcnow()
    since = now - limit.window
    waits = []
    for column, value, allowed in (
        (LoginAttempt.name, name.lower(), limit.max_failures),
        (LoginAttempt.client, client, limit.max_failures * CLIENT_FAILURE_FACTOR),
    ):
        last_success = session.execute(
            select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(True), LoginAttempt.at >= since)
        ).scalar()
        start = max(since, last_success) if last_success else since
        failures = session.execute(
            select(LoginAttempt.at)
            .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.at > start)
            .order_by(LoginAttempt.at)
        ).scalars().all()
        if len(failures) >= allowed:
            oldest_counted = failures[-allowed]
            waits.append(int((oldest_counted + limit.window - now).total_seconds()) + 1)
    return max(waits, default=0)


def note_attempt(session: Session, name: str, client: str, success: bool, at: datetime | None = None) -> None:
    session.add(LoginAttempt(name=name.lower()[:80], client=client[:64], success=success, at=at or utcnow()))
