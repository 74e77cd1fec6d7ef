"""What travels through the notifications: events from the back-end and the notices they make."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

URGENT, BULK = "urgent", "bulk"
MESSENGERS = ("telegram", "bale")
SMS = "sms"
WEB = "web"  # the web chat: reachable only in the embedded default (the page polls for what waits)

# Ledger states
QUEUED, SENDING, SENT, DELIVERED, FAILED, OPTED_OUT, RETRY = (
    "queued", "sending", "sent", "delivered", "failed", "opted_out", "retry")
FINAL = (SENT, DELIVERED, FAILED, OPTED_OUT)


@dataclass(frozen=True, slots=True)
class BackendEvent:
    """One thing that happened at the organization: ``id`` is unique, ``type`` says what."""

    id: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom an event concerns: a national code (and workshop) and the registered mobile."""

    national_code: str | None = None
    mobile: str | None = None
    workshop: str | None = None
    role: str | None = None

    @property
    def key(self) -> str:
        """The ledger's recipient column: the national code, else the mobile."""
        return self.national_code or f"m:{self.mobile}"

    def subjects(self) -> list[str]:
        """The names a messenger link may be recorded under, most specific first."""
        out = [f"nc:{self.national_code}"] if self.national_code else []
        if self.workshop:
            out.append(f"ws:{self.workshop}")
        return out


@dataclass(slots=True)
class Notice:
    """One message to one person on one channel about one event; ``id`` is its ledger row."""

    event_id: str
    recipient: str  # national code, or m:<mobile>
    channel: str  # telegram, bale, sms or web
    address: str  # chat id, mobile or web conversation key
    kind: str  # the event type
    priority: str = BULK
    facts: dict[str, Any] = field(default_factory=dict)
    mobile: str | None = None  # for opt-outs by mobile and a fall-back to SMS
    campaign: str | None = None
    id: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.event_id, self.recipient, self.channel)

    def fields(self) -> dict[str, str]:
        """The stream entry's fields."""
        return {"id": str(self.id), "e": self.event_id, "r": self.recipient, "c": self.channel, "a": self.address,
                "k": self.kind, "p": self.priority, "m": self.mobile or "",
                "f": json.dumps(self.facts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)}

    def entry(self) -> dict[str, str]:
        """The stream entry: the fields as one JSON value (one field to parse a notice, not nine)."""
        return {"n": self.dumps()}

    @classmethod
    def from_fields(cls, raw: dict) -> Notice:
        """A notice from a stream entry (``entry()``, or the fields one by one as written before) or ``fields()``."""
        one = raw.get(b"n", raw.get("n"))
        if one is not None:
            return cls.from_fields(json.loads(one))
        d = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
             for k, v in raw.items()}
        return cls(event_id=d["e"], recipient=d["r"], channel=d["c"], address=d["a"], kind=d["k"],
                   priority=d.get("p", BULK), facts=json.loads(d.get("f") or "{}"), mobile=d.get("m") or None,
                   id=int(d["id"]))

    def dumps(self) -> str:
        """The notice as one JSON string (the delayed set's member)."""
        return json.dumps(self.fields(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
