"""A person's conversation state: small, versioned JSON that does not grow with the talk."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

VERSION = 2  # 2: step positions count the engine-run proof and expanded steps (Review, proof codes)


@dataclass(slots=True)
class FlowState:
    """Where a person is inside one service flow."""

    name: str
    step: int = 0
    awaiting: str | None = None  # the step whose answer we wait for
    tries: int = 0  # wrong answers to the awaited step
    slots: dict[str, Any] = field(default_factory=dict)
    at: int = 0  # when the person last answered in it (epoch seconds): a suspended flow is offered while recent

    def to_json(self) -> dict:
        d = {"n": self.name, "s": self.step, "sl": self.slots}
        if self.at:
            d["at"] = self.at
        if self.awaiting:
            d["a"] = self.awaiting
        if self.tries:
            d["t"] = self.tries
        return d

    @classmethod
    def from_json(cls, d: dict) -> FlowState:
        return cls(name=d["n"], step=d.get("s", 0), awaiting=d.get("a"), tries=d.get("t", 0), slots=d.get("sl", {}),
                   at=int(d.get("at") or 0))


@dataclass(slots=True)
class Identity:
    """A person who proved who they are: their national code and mobile, until a time."""

    national_code: str
    mobile: str
    until: float
    name: str = ""

    def valid(self, now: float | None = None) -> bool:
        return (now or time.time()) < self.until


@dataclass(slots=True)
class Session:
    """Everything the bot remembers about one person on one channel."""

    flow: FlowState | None = None
    suspended: FlowState | None = None  # an interrupted flow the person may resume
    identity: Identity | None = None
    choices: list[str] = field(default_factory=list)  # ids of the buttons last offered
    misunderstood: int = 0  # turns in a row the bot did not understand
    otp: dict[str, Any] | None = None  # {"h": hash, "exp": ts, "tries": n, "m": mobile, "nc": code}
    handoff: bool = False  # a human has the conversation
    mobile: str | None = None  # the sender's mobile on SMS, or a shared contact
    extra: dict[str, Any] = field(default_factory=dict)

    def verified(self) -> Identity | None:
        """The identity, while it is still valid."""
        if self.identity and self.identity.valid():
            return self.identity
        return None

    def dumps(self) -> str:
        """Compact JSON with a version number."""
        d: dict[str, Any] = {"v": VERSION}
        if self.flow:
            d["f"] = self.flow.to_json()
        if self.suspended:
            d["sf"] = self.suspended.to_json()
        if self.identity:
            d["id"] = [self.identity.national_code, self.identity.mobile, round(self.identity.until), self.identity.name]
        if self.choices:
            d["c"] = self.choices
        if self.misunderstood:
            d["mu"] = self.misunderstood
        if self.otp:
            d["o"] = self.otp
        if self.handoff:
            d["h"] = 1
        if self.mobile:
            d["m"] = self.mobile
        if self.extra:
            d["x"] = self.extra
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | bytes | None) -> Session:
        """A session from its JSON; an unknown or broken version starts afresh."""
        if not raw:
            return cls()
        try:
            d = json.loads(raw)
        except ValueError:
            return cls()
        if d.get("v") != VERSION:
            return cls()
        ident = d.get("id")
        return cls(
            flow=FlowState.from_json(d["f"]) if d.get("f") else None,
            suspended=FlowState.from_json(d["sf"]) if d.get("sf") else None,
            identity=Identity(ident[0], ident[1], float(ident[2]), ident[3] if len(ident) > 3 else "") if ident else None,
            choices=list(d.get("c", [])),
            misunderstood=d.get("mu", 0),
            otp=d.get("o"),
            handoff=bool(d.get("h")),
            mobile=d.get("m"),
            extra=d.get("x", {}),
        )


def session_size(session: Session) -> int:
    """Bytes the session takes as stored JSON."""
    return len(session.dumps().encode())


__all__ = ["FlowState", "Identity", "Session", "session_size", "asdict"]
