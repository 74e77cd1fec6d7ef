"""The simulator's own controls (/_sim): faults, reset, made-up events, one-time codes, payments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from integrations.tamin.models import Event, EventType, Payment
from integrations.tamin.simulator.errors import not_found
from integrations.tamin.simulator.faults import FaultSpec
from integrations.tamin.simulator.recipients import recipients
from integrations.tamin.simulator.routes.deps import world_of
from integrations.tamin.simulator.routes.public import settle
from integrations.tamin.simulator.world import World

router = APIRouter(prefix="/_sim", include_in_schema=False)


class EventBody(BaseModel):
    """An event to create (with its effect on the world for debts and Article 38 certificates)."""

    type: EventType
    payload: dict[str, Any] = {}


@router.post("/faults")
async def set_faults(spec: FaultSpec, request: Request) -> FaultSpec:
    """Install a fault: ok, slow, fail (502), timeout (hang) or busy (503)."""
    request.app.state.faults.set(spec)
    return spec


@router.post("/reset")
async def reset(request: Request) -> dict[str, bool]:
    """Reload the fixtures, forget everything created, clear faults and check counts."""
    request.app.state.faults.clear()
    request.app.state.checks.reset()
    world_of(request).reset()
    return {"ok": True}


def apply_event(world: World, body: EventBody) -> None:
    """Make the world agree with a made-up event."""
    p = body.payload
    if body.type == "debt_raised" and p.get("workshop") in world.workshops:
        shop = world.workshops[p["workshop"]]
        item = {"id": str(p.get("id") or f"D{world.state.next()}"), "kind": p.get("kind", "premium"),
                "period": p.get("period") or p.get("date", "")[:7], "amount": int(p.get("amount", 0))}
        shop.setdefault("debts", []).append(item)
        shop.setdefault("ledger", []).append({"date": p.get("date") or item["period"] + "-15", "kind": "charge",
                                              "ref": item["id"], "amount": item["amount"]})
        p.setdefault("id", item["id"])
    if body.type == "article38_certificate_issued" and p.get("contract") in world.contracts:
        certs = world.contracts[p["contract"]].setdefault("certificates", [])
        number = p.get("number") or f"38-{p.get('date', '0000')[:4]}-{world.state.next():04d}"
        certs[:] = [c for c in certs if c["number"] != number]
        certs.append({"number": number, "state": "issued", "issued_on": p.get("date")})
        p.setdefault("number", number)


@router.post("/events")
async def create_event(body: EventBody, request: Request) -> Event:
    """Record an event as if the organization had done it."""
    world = world_of(request)
    apply_event(world, body)
    payload = {k: v for k, v in body.payload.items()}
    payload.setdefault("recipients", recipients(world, body.type, payload))
    return world.emit(body.type, **payload)


@router.get("/otp/{ticket_id}")
async def reveal_otp(ticket_id: str, request: Request) -> dict[str, str]:
    """The code of a ticket (what the SMS would have said)."""
    ticket = world_of(request).state.tickets.get(ticket_id)
    if ticket is None:
        raise not_found("unknown_ticket")
    return {"code": ticket.code}


@router.post("/payments/{payment_id}/pay")
async def pay(payment_id: str, request: Request) -> Payment:
    """Pay a payment order as the gateway would."""
    return settle(world_of(request), payment_id)
