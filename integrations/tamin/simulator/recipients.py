"""Whom an event concerns, with the registered mobile: what a notifier needs to reach them."""

from __future__ import annotations

from typing import Any

from integrations.tamin.simulator.world import World


def _person(world: World, key_or_code: str | None, role: str, **extra: str) -> dict[str, Any] | None:
    person = world.by_key.get(key_or_code or "") or world.people.get(key_or_code or "")
    if not person or not person.get("mobile"):
        return None
    return {"national_code": person["national_code"], "mobile": str(person["mobile"]), "role": role, **extra}


def recipients(world: World, type_: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The people an event is about: a workshop's employer, a contract's contractor and employer, an actor."""
    out: list[dict[str, Any] | None] = []
    if type_ in ("debt_raised", "hearing_scheduled", "objection_filed") and payload.get("workshop"):
        shop = world.workshops.get(str(payload["workshop"])) or {}
        if payload.get("national_code"):
            out.append(_person(world, payload["national_code"], "employer", workshop=str(payload["workshop"])))
        else:
            out.append(_person(world, shop.get("employer"), "employer", workshop=str(payload["workshop"])))
    elif type_ == "article38_certificate_issued" and payload.get("contract"):
        contract = world.contracts.get(str(payload["contract"])) or {}
        out.append(_person(world, contract.get("contractor"), "contractor"))
        shop_code = str(contract.get("employer_workshop") or "")
        shop = world.workshops.get(shop_code) or {}
        out.append(_person(world, shop.get("employer"), "employer", workshop=shop_code))
    elif payload.get("national_code"):
        out.append(_person(world, payload["national_code"], "person"))
    return [r for r in out if r]
