"""One-time codes: made, kept only as a salted hash, checked with expiry and a try limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from enum import Enum
from typing import Any


class Check(Enum):
    """What checking a typed code found."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries for this code
    NONE = "none"  # no code was sent


def new_code(digits: int = 6) -> str:
    """A random code that is never all zeros or one repeated digit."""
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(digits))
        if len(set(code)) > 1:
            return code


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()[:32]


def issue(code: str, mobile: str, ttl: int, max_tries: int) -> dict[str, Any]:
    """The record kept in the session for a code just sent."""
    salt = secrets.token_hex(8)
    return {"s": salt, "h": _digest(salt, code), "exp": int(time.time()) + ttl, "left": max_tries, "m": mobile}


def check(record: dict[str, Any] | None, typed: str) -> Check:
    """Check ``typed`` against ``record``; a wrong try uses one of the tries left."""
    if not record:
        return Check.NONE
    if record.get("left", 0) <= 0:
        return Check.LOCKED
    if time.time() > record["exp"]:
        return Check.EXPIRED
    if hmac.compare_digest(_digest(record["s"], typed), record["h"]):
        return Check.OK
    record["left"] -= 1
    return Check.LOCKED if record["left"] <= 0 else Check.WRONG
