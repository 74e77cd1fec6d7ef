"""Shared parameters of the simulator's routes: the world, national codes, actors, idempotent writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header, Path, Request
from pydantic import BaseModel

from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator.errors import invalid
from integrations.tamin.simulator.idempotency import fingerprint
from integrations.tamin.simulator.world import World

T = TypeVar("T")
CODE = r"^[0-9]{10}$"
KEY = r"^[A-Za-z0-9_.:-]{8,128}$"

NationalCode = Annotated[str, Path(pattern=CODE)]
WorkshopCode = Annotated[str, Path(pattern=CODE)]
Actor = Annotated[str, Header(alias="X-Actor", pattern=CODE)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", pattern=KEY)]


def world_of(request: Request) -> World:
    """The world the app serves."""
    return request.app.state.world


def idempotent(request: Request, key: str, body: BaseModel | dict[str, Any] | None, make: Callable[[], T],
               actor: str | None = None) -> T:
    """Run a write once per idempotency key; replay its result for the same request."""
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    digest = fingerprint(request.method, request.url.path, actor, payload)
    return world_of(request).state.idempotency.run(key, digest, make)


def jalali(text: str, field: str) -> cal.Date:
    """A Jalali date from a request (400 bad_date when it is not a real date)."""
    try:
        return cal.parse(text)
    except (ValueError, TypeError):
        raise invalid("bad_date", f"{field} is not a Jalali date", field=field) from None
