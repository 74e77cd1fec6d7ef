"""From a back-end event to notices: who it concerns, on which channel, how urgent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from basics.digits import to_ascii
from basics.mobile import normalize_mobile
from bot.notify.ledger import Ledger
from bot.notify.model import MESSENGERS, SMS, BackendEvent, Notice, Recipient
from bot.notify.render import priority_of


def recipients(event: BackendEvent) -> list[Recipient]:
    """Whom the event concerns: its ``recipients`` list, or its own national code and mobile."""
    p = event.payload
    raw = p.get("recipients")
    if not isinstance(raw, list):
        raw = [{"national_code": p.get("national_code"), "mobile": p.get("mobile")}]
    out: list[Recipient] = []
    seen: set[str] = set()
    for r in raw:
        if not isinstance(r, dict):
            continue
        nc = to_ascii(str(r.get("national_code") or "")) or None
        rec = Recipient(nc if nc and nc.isdigit() else None, normalize_mobile(r.get("mobile")),
                        str(r.get("workshop") or p.get("workshop") or "") or None, r.get("role"))
        if (rec.national_code or rec.mobile) and rec.key not in seen:
            seen.add(rec.key)
            out.append(rec)
    return out


def facts_of(event: BackendEvent, rec: Recipient) -> dict[str, Any]:
    """What the notice says: the payload without the recipients' personal data."""
    keep = {k: v for k, v in event.payload.items() if k not in ("recipients", "national_code", "mobile")}
    if rec.role:
        keep["role"] = rec.role
    return keep


def account_of(rec: Recipient, links: dict[str, list[tuple[str, str, float]]],
               reachable: Collection[str]) -> tuple[str, str, float] | None:
    """The linked account a notice goes to: a messenger first, then another reachable door (the web chat)."""
    accounts = [a for s in rec.subjects() for a in links.get(s, []) if a[0] in reachable]
    return next((a for a in accounts if a[0] in MESSENGERS), None) or next(iter(accounts), None)


async def plan(ledger: Ledger, events: Sequence[BackendEvent], campaign: str | None = None,
               reachable: Collection[str] = MESSENGERS) -> list[Notice]:
    """The notices of ``events``: to a linked account on a ``reachable`` door, else by SMS to the mobile."""
    wanted: list[tuple[BackendEvent, Recipient, str]] = []
    for ev in events:
        for rec in recipients(ev):
            prio = priority_of(ev.type, ev.payload)
            if prio is not None:
                wanted.append((ev, rec, prio))
    links = await ledger.links_for([s for _, rec, _ in wanted for s in rec.subjects()])
    out: list[Notice] = []
    for ev, rec, prio in wanted:
        account = account_of(rec, links, reachable)
        if account is not None:
            channel, address = account[0], account[1]
        elif rec.mobile:
            channel, address = SMS, rec.mobile
        else:
            continue
        out.append(Notice(ev.id, rec.key, channel, address, ev.type, prio, facts_of(ev, rec), rec.mobile,
                          campaign))
    return out
