"""Staff accounts and sign-in: argon2 hashes, server-side sessions, lock-out, CSRF tokens, roles."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from bot.console.models import Audit, Staff, StaffSession
from bot.settings import ConsoleConfig  # the console's part of the one settings tree
from bot.storage import Database

log = logging.getLogger("tamin.console.auth")

ROLES = ("agent", "supervisor")
COOKIE = "tamin_console"
PRE_COOKIE = "tamin_console_login"  # the sign-in form's own CSRF token (double submit)

_hasher = PasswordHasher()
# verified against for an unknown user, to spend the same time as for a known one: the hash of a random
# password thrown away, made with these very parameters (hashing one at import cost every start ~0.1 s)
_MADE_DUMMY = "$argon2id$v=19$m=65536,t=3,p=4$ElttAT9pn3kKRBP+Gb41eA$Ty8znzCsLQez1kAL94lDHDuWYqLZZ+Hw5biFv4sMnJI"
_DUMMY_HASH = (_MADE_DUMMY if not _hasher.check_needs_rehash(_MADE_DUMMY)  # argon2's defaults changed: make one
               else _hasher.hash("not a real password, only to spend the same time"))




@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in staff member of a request."""

    id: int
    username: str
    display_name: str
    role: str
    csrf: str
    session_id: str

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


class SignInRefused(Exception):
    """Wrong user or password, a locked or inactive account (``why`` is for the audit, never for the answer)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # "wrong" | "locked"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_staff(db: Database, username: str, password: str, role: str, display_name: str = "",
                       min_length: int = 10) -> Staff:
    """A new staff account; refuses a taken name, an unknown role or a short password."""
    username = username.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValueError("username: letters, digits, dot, dash or underscore")
    if len(password) < min_length:
        raise ValueError(f"password: at least {min_length} characters")
    async with db.session() as s:
        if await s.scalar(select(Staff.id).where(Staff.username == username)):
            raise ValueError(f"user {username} exists")
        staff = Staff(username=username, display_name=display_name or username, password_hash=hash_password(password),
                      role=role, active=True, failed_logins=0, created_at=time.time())
        s.add(staff)
    return staff


async def sign_in(db: Database, cfg: ConsoleConfig, username: str, password: str, ip: str = "") -> tuple[str, Who]:
    """Check the password; a new session token (for the cookie) and who signed in, or refuse."""
    username = (username or "").strip().lower()[:64]
    now = time.time()
    refused: str | None = None
    async with db.session() as s:  # failures are committed too: they count towards the lock-out
        staff = await s.scalar(select(Staff).where(Staff.username == username))
        if staff is None or not staff.active:
            _spend_time(password)
            s.add(Audit(at=now, staff_id=None, username=username or "-", action="login_failed", record="", reason="", ip=ip))
            refused = "wrong"
        elif staff.locked_until and staff.locked_until > now:
            _password_ok(staff.password_hash, password)  # the same work as any other answer: no timing oracle
            s.add(Audit(at=now, staff_id=staff.id, username=staff.username, action="login_locked", record="", reason="", ip=ip))
            refused = "locked"
        elif not _password_ok(staff.password_hash, password):
            staff.failed_logins += 1
            locked = staff.failed_logins >= cfg.max_failures
            if locked:
                staff.locked_until = now + cfg.lock_minutes * 60
                staff.failed_logins = 0
            s.add(Audit(at=now, staff_id=staff.id, username=staff.username,
                        action="account_locked" if locked else "login_failed", record="", reason="", ip=ip))
            refused = "locked" if locked else "wrong"
        else:
            if _hasher.check_needs_rehash(staff.password_hash):
                staff.password_hash = hash_password(password)
            staff.failed_logins, staff.locked_until, staff.last_login = 0, None, now
            token = secrets.token_urlsafe(32)
            sess = StaffSession(id=_token_id(token), staff_id=staff.id, csrf=secrets.token_urlsafe(24), created_at=now,
                                last_seen=now, expires_at=now + cfg.session_hours * 3600)
            s.add(sess)
            s.add(Audit(at=now, staff_id=staff.id, username=staff.username, action="login", record="", reason="", ip=ip))
            who = Who(staff.id, staff.username, staff.display_name, staff.role, sess.csrf, sess.id)
    if refused:
        raise SignInRefused(refused)
    return token, who


def _password_ok(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _spend_time(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password or "x")
    except (VerificationError, InvalidHashError):
        pass


async def session_of(db: Database, cfg: ConsoleConfig, token: str | None) -> Who | None:
    """The staff member behind a cookie token, while the session is fresh; refreshes its idle clock."""
    if not token or len(token) > 200:
        return None
    sid = _token_id(token)
    now = time.time()
    async with db.session() as s:
        row = (await s.execute(select(StaffSession, Staff).join(Staff, Staff.id == StaffSession.staff_id)
                               .where(StaffSession.id == sid))).first()
        if row is None:
            return None
        sess, staff = row
        if sess.expires_at <= now or sess.last_seen + cfg.session_idle_minutes * 60 <= now or not staff.active:
            await s.execute(delete(StaffSession).where(StaffSession.id == sid))
            return None
        if now - sess.last_seen > 15:
            sess.last_seen = now
        return Who(staff.id, staff.username, staff.display_name, staff.role, sess.csrf, sess.id)


async def sign_out(db: Database, who: Who) -> None:
    """End the session."""
    async with db.session() as s:
        await s.execute(delete(StaffSession).where(StaffSession.id == who.session_id))
        s.add(Audit(at=time.time(), staff_id=who.id, username=who.username, action="logout", record="", reason="", ip=""))


async def unlock(db: Database, staff_id: int) -> None:
    """Lift a lock-out."""
    async with db.session() as s:
        await s.execute(update(Staff).where(Staff.id == staff_id).values(locked_until=None, failed_logins=0))


async def purge_sessions(db: Database, cfg: ConsoleConfig) -> int:
    """Delete expired sessions; how many went."""
    now = time.time()
    async with db.session() as s:
        result = await s.execute(delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen <= now - cfg.session_idle_minutes * 60)))
    return result.rowcount or 0


def csrf_ok(expected: str, given: str | None) -> bool:
    """Whether the token sent with a POST is the session's own."""
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
