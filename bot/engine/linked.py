"""One identity across doors: a proof on one door, and the request left open there, follow the same mobile.

After a person proves who they are (``proven``), a link is kept under a hash of their mobile (never
the raw number) with their national code, the proof's expiry and the door they are on. Then:

* on SMS, a sender whose number *is* the linked mobile is taken as that proven person until the
  proof expires (the number is what SMS proves anyway) and is offered the request left open on
  the other door (``carry_over``, one of the engine's handlers);
* on every other door (web chat, messengers) a link is never borrowed on its own: the person
  proves the mobile by a one-time code as usual, and only then, if the national code is the same,
  the request left open elsewhere moves over (``proven``).

A request moves, it is never copied: it leaves the other door's session, so it is finished once.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from bot.engine.context import Ctx
from bot.engine.messages import Channel
from bot.engine.session import FlowState, Identity, Session

if TYPE_CHECKING:
    from bot.engine.dialogue import Engine, Turn

log = logging.getLogger("tamin.linked")

_PREFIX = "link:"
DOORS = {"telegram": "linked.door.telegram", "bale": "linked.door.bale", "web": "linked.door.web",
         "sms": "linked.door.sms"}


def link_key(mobile: str) -> str:
    """The store key of a mobile's link: a hash, so the raw number is never a key."""
    from basics.mobile import normalize_mobile

    number = normalize_mobile(mobile) or mobile
    return _PREFIX + hashlib.sha256(f"tamin-link|{number}".encode()).hexdigest()[:32]


async def _read(ctx: Ctx, mobile: str) -> Session | None:
    link = await ctx.deps.store.load(link_key(mobile))
    ident = link.identity
    if ident is None or not ident.valid():
        return None
    return link


async def proven(ctx: Ctx) -> None:
    """Just proven on this door: take over a request left open on another door, then link this door."""
    ident = ctx.session.verified()
    if ident is None or ctx.channel is Channel.CONSOLE:
        return
    link = await _read(ctx, ident.mobile)
    if link is not None and link.identity.national_code == ident.national_code:
        await _take(ctx, link.extra.get("door", ""))
        if ctx.session.extra.get("carried") and ctx.session.suspended is not None:
            ctx.say("linked.kept", title=_title(ctx, ctx.session.suspended.name), door=_door(ctx))
    await _write(ctx, ident)


async def _write(ctx: Ctx, ident: Identity) -> None:
    link = Session(identity=Identity(ident.national_code, "", ident.until, ident.name),
                   extra={"door": ctx.inbound.key})
    await ctx.deps.store.save(link_key(ident.mobile), link)


async def _take(ctx: Ctx, door: str) -> FlowState | None:
    """Move the open (or suspended) request of ``door``'s session into this one's ``suspended``."""
    if not door or door == ctx.inbound.key or door.split(":", 1)[0] == ctx.channel.value:
        return None  # the same door (another tab, another web conversation) keeps its own request
    store = ctx.deps.store
    try:
        async with store.lock(door, timeout=3.0):
            other = await store.load(door)
            state = other.flow or other.suspended
            if state is None:
                return None
            if other.flow is not None:
                other.flow = None
            else:
                other.suspended = None
            await store.save(door, other)
    except TimeoutError:  # the other door is mid-turn: leave the request where it is
        return None
    ctx.session.suspended = state
    log.info("open request %s moved from %s to %s", state.name, door.split(":", 1)[0], ctx.channel.value)
    ctx.session.extra["carried"] = door.split(":", 1)[0]
    return state


async def carry_over(engine: Engine, turn: Turn) -> bool:
    """On SMS, a sender who is the linked proven person: their identity, and the request left elsewhere."""
    ctx = turn.ctx
    if ctx.channel is not Channel.SMS or ctx.session.verified() is not None or ctx.session.handoff:
        return False
    sender = ctx.session.mobile or ctx.inbound.user
    link = await _read(ctx, sender)
    if link is None:
        return False
    ident = link.identity
    ctx.session.identity = Identity(ident.national_code, sender, ident.until, ident.name)  # the proof's own expiry
    log.info("sms sender matched a proof from %s", str(link.extra.get("door", "")).split(":", 1)[0])
    state = await _take(ctx, link.extra.get("door", ""))
    await _write(ctx, ctx.session.identity)
    if state is None or ctx.session.flow is not None or state.name not in engine.flows or turn.choice:
        return False
    if await _asks_for_a_service(engine, turn):  # they asked for something: answer it, offer the request after
        return False
    ctx.say("linked.carried", title=_title(ctx, state.name), name=ident.name, door=_door(ctx), choices=[
        ctx.choice("resume", "engine.resume_yes"), ctx.choice("no_resume", "engine.resume_no"),
    ])
    return True


def _title(ctx: Ctx, flow: str) -> str:
    from bot.engine.catalog import has

    key = f"menu.{flow}"
    return ctx.text(key) if has(key) else flow


def _door(ctx: Ctx) -> str:
    return ctx.text(DOORS.get(ctx.session.extra.get("carried", ""), "linked.door.other"))


async def _asks_for_a_service(engine: Engine, turn: Turn) -> bool:
    if not turn.text:
        return False
    parsed = await engine.deps.nlu.parse(turn.text)
    return parsed.intent in engine.flows and parsed.confidence >= engine.deps.nlu.threshold
