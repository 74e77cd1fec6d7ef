"""SMS menu numbers that keep their meaning within a service: «۳ پایان» is 3 on every page.

Buttons are typed back as numbers on SMS. The first time a button is offered in a service
(or outside any service, for the menu) it takes the smallest number no other button of that
service has had; the same button keeps its number on every later turn of the service, and a
number once given never names another button there. The ids numbered so far live in the
session (``extra["n"]``: the service and its ids, a button's number being its position + 1).
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.messages import Outbound
from bot.engine.session import Session

KEY = "n"


def _scope(session: Session) -> str:
    return session.flow.name if session.flow else ""


def _numbered(session: Session) -> list[str]:
    kept = session.extra.get(KEY) or {}
    return list(kept.get("ids", [])) if kept.get("s") == _scope(session) else []


def number_choices(session: Session, outs: list[Outbound]) -> None:
    """Give every button of the turn its service-stable number (``Choice.number``); remember them."""
    ids = _numbered(session)
    for m in outs:
        numbered = []
        for c in m.choices:
            if c.id not in ids:
                ids.append(c.id)
            numbered.append(replace(c, number=ids.index(c.id) + 1))
        m.choices = sorted(numbered, key=lambda c: c.number)
    if ids:
        session.extra[KEY] = {"s": _scope(session), "ids": ids}
    else:
        session.extra.pop(KEY, None)


def typed_number(session: Session, n: int) -> str | None:
    """The button offered last that carries number ``n`` in this service, or None.

    Buttons set outside a turn (a notice's «۱ را بفرستید») were numbered by their place.
    """
    ids = _numbered(session)
    if not set(session.choices) <= set(ids):
        ids = session.choices
    if not 1 <= n <= len(ids):
        return None
    cid = ids[n - 1]
    return cid if cid in session.choices else None

