"""Acting for a workshop: which workshop, and the back-end's word that this person may act for it.

Employers and their authorized representatives act for a workshop (کارگاه) named by its
ten-digit code. A flow declares ``identity="workshop"``: after the person's proof, these steps offer the person's own
workshop as a button when the back-end lists exactly one (a typed code is accepted too),
otherwise ask for the code; then ``workshop_access`` must say the verified national code is
the employer or a representative. Anyone else is stopped before any figure is read.

Slots left for the flow: ``workshop`` (the code), ``workshop_name`` and ``workshop_role``. A
flow opened with ``workshop`` already filled (a notification) skips the question.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx
from bot.engine.flow import Do, Goto, Invalid, Pick, Step, Stop, define_proof
from bot.engine.fmt import fa
from bot.engine.identity import person_proof
from integrations.tamin.errors import InvalidInput, NotFound

MAX_UNKNOWN = 3  # unknown workshop codes before the flow gives up
MAX_BUTTONS = 5  # workshops offered as buttons when the person has several


def _own(ctx: Ctx) -> list[dict]:
    return ctx.slots.get("_workshops") or []


async def load_workshops(ctx: Ctx) -> None:
    """The workshops the verified person is employer or representative of."""
    try:
        found = await ctx.api.person_workshops(ctx.national_code)
    except NotFound:
        found = []
    ctx.slots["_workshops"] = [
        {"code": w.workshop_code, "name": w.workshop_name, "role": w.role} for w in found
    ]


def _label(w: dict) -> dict:
    return {"name": w["name"], "code": fa(w["code"])}


def typed_workshop(ctx: Ctx, text: str, own: list[dict]) -> str:
    """A typed ten-digit workshop code, or the name of one of the person's own workshops."""
    from bot.nlu.extract import workshop_code

    code = workshop_code(text)
    if code:
        return code
    digits = re.sub(r"\D", "", text)
    if digits:
        raise Invalid("workshop.code_length", count=fa(len(digits)))
    words = [w for w in re.split(r"\s+", text) if len(w) >= 3]
    named = [w for w in own if words and all(x in w["name"] for x in words)]
    if len(named) == 1:
        return named[0]["code"]
    raise Invalid("workshop.code_missing")


async def check_access(ctx: Ctx) -> None:
    """Ask the back-end what the verified person is at this workshop; stop anyone else."""
    code = ctx.slots["workshop"]
    try:
        access = await ctx.api.workshop_access(code, ctx.national_code)
    except (NotFound, InvalidInput):
        tries = ctx.slots.get("_ws_unknown", 0) + 1
        ctx.slots["_ws_unknown"] = tries
        if tries >= MAX_UNKNOWN:
            raise Stop("workshop.unknown_final", code=fa(code)) from None
        raise Goto("workshop", "workshop.unknown", forget=("workshop",), code=fa(code)) from None
    if access.role == "none":
        raise Stop("workshop.no_access", code=fa(code))
    ctx.prove_workshop(code)
    ctx.slots["workshop_name"] = access.workshop_name
    ctx.slots["workshop_role"] = access.role


def workshop_steps() -> list[Step]:
    """The steps after identity and before any figure of a workshop is read."""
    return [
        Do("workshops", load_workshops, when=lambda c: "workshop" not in c.slots),
        Pick("workshop", "workshop.ask", records=_own, id_key="code", label=_label, typed=typed_workshop,
             prefix="ws:", one="workshop.ask_one", many="workshop.ask_many", none="workshop.ask_code",
             button_one="workshop.this_one", button="workshop.button", max_buttons=MAX_BUTTONS),
        Do("workshop_access", check_access),
    ]


def workshop_label(ctx: Ctx) -> dict:
    """The workshop's name and code for any text about it."""
    return {"name": ctx.slots.get("workshop_name", ""), "code": fa(ctx.slots.get("workshop", ""))}


def ident(value: str | None) -> str:
    """An identifier for people: Persian digits, unless it has Latin letters (D3, OBJ-…), kept as typed."""
    text = str(value or "")
    return text if re.search(r"[A-Za-z]", text) else fa(text)


define_proof("workshop", lambda: [*person_proof(), *workshop_steps()])
