"""Running a service for a caller: the agent walks the bot's own flow, typing what the caller says."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import select

from bot.channels import render_sms
from bot.console.models import Call
from bot.console.recorder import add_entries, bot_entry, entry, mask_digits
from bot.console.spoken import as_typed
from bot.engine.messages import Channel, Inbound, Link, Outbound
from bot.storage import Database


class CallError(Exception):
    """The call cannot do that (not the agent's own call, nobody verified, already ended)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def engine_user(call: Call) -> str:
    """The engine's user id of this call: one session per agent and call."""
    return f"agent-{call.staff_id}-{call.id}"


def _inbound(call: Call, text: str | None = None, choice: str | None = None) -> Inbound:
    return Inbound(Channel.CONSOLE, engine_user(call), text=text, choice=choice)


async def start(app, who, flow: str, reason: str, ip: str = "") -> Call:
    """Open a call and start the service; the bot's first question is in the call's turns."""
    engine, db = app.state.engine, app.state.db
    if flow not in engine.flows:
        raise CallError("console.call.no_flow")
    call = Call(id=secrets.token_hex(8), staff_id=who.id, flow=flow, reason=reason[:300], started_at=time.time(),
                turns=[], last_result=[], sms_sent=0)
    async with db.session() as s:
        s.add(call)
    await turn(app, who, call.id, choice=f"svc:{flow}", ip=ip)
    return await get(db, who, call.id)


async def get(db: Database, who, call_id: str) -> Call:
    """The agent's own call (a supervisor may see any)."""
    async with db.session() as s:
        call = await s.get(Call, call_id[:32])
    if call is None or (call.staff_id != who.id and not who.supervisor):
        raise CallError("console.call.not_found")
    return call


async def turn(app, who, call_id: str, text: str | None = None, choice: str | None = None,
               ip: str = "") -> list[Outbound]:
    """One answer of the caller, typed or picked by the agent; the bot's reply is kept with the call."""
    engine, db = app.state.engine, app.state.db
    call = await get(db, who, call_id)
    if call.staff_id != who.id:
        raise CallError("console.call.not_yours")
    if call.ended_at:
        raise CallError("console.call.ended")
    if text:
        text = as_typed(text)  # «صفر صفر یک شش …» as the caller said it: the digits, and masked below
    inbound = _inbound(call, text=text, choice=choice)
    out = await engine.handle(inbound)
    session = await engine.deps.store.load(inbound.key)
    ident = session.verified()
    shown = None
    if text:
        shown = mask_digits(text)
    elif choice:
        titles = {cid: title for item in call.turns for cid, title in item.get("choices", [])}
        shown = f"[{titles.get(choice, '')}]" if choice in titles else None
    async with db.session() as s:
        row = await s.get(Call, call.id)
        new = ([entry("agent", shown)] if shown else []) + [bot_entry(m) for m in out]
        row.turns = add_entries(list(row.turns or []), *new)
        # the result to send by SMS: what the bot answered, without the next question it asks
        result = out[:-1] if session.flow is not None and session.flow.awaiting else out
        if result:
            row.last_result = [bot_entry(m) for m in result]
        if ident is not None:
            row.national_code = ident.national_code  # from now on every view of the call is audited
    return out


async def verified_mobile(app, call: Call) -> str | None:
    """The caller's mobile once their identity was proven in this call."""
    session = await app.state.engine.deps.store.load(_inbound(call).key)
    ident = session.verified()
    return ident.mobile if ident else None


def result_messages(call: Call) -> list[Outbound]:
    """The bot's last answer in the call, without its buttons (the caller answers on the phone)."""
    return [Outbound(item.get("text", ""), links=[Link(url, title) for title, url in item.get("links", [])])
            for item in call.last_result or []]


def result_sms(call: Call) -> list[str]:
    """The last answer as the SMS door renders it: the fewest, shortest messages."""
    return render_sms.render(result_messages(call))


def sms_parts(texts: list[str]) -> int:
    """How many SMS parts the operator bills for ``texts``."""
    return sum(render_sms.segments(text) for text in texts)


async def send_sms(app, who, call_id: str) -> int:
    """Send the call's last result, as SMS, to the caller's verified mobile; how many SMS parts that took."""
    db = app.state.db
    call = await get(db, who, call_id)
    if call.staff_id != who.id:
        raise CallError("console.call.not_yours")
    mobile = await verified_mobile(app, call)
    if not mobile:
        raise CallError("console.call.not_verified")
    texts = result_sms(call)
    if not texts:
        raise CallError("console.call.nothing_to_send")
    for text in texts:
        await app.state.engine.deps.sms.send_text(mobile, text)
    parts = sms_parts(texts)
    async with db.session() as s:
        row = await s.get(Call, call.id)
        row.sms_sent += parts
        row.turns = add_entries(list(row.turns or []), entry("system", "sms", mobile=mobile[-4:], parts=parts))
    return parts


async def end(app, who, call_id: str) -> None:
    """Finish the call and forget the engine session behind it."""
    db = app.state.db
    call = await get(db, who, call_id)
    if call.staff_id != who.id:
        raise CallError("console.call.not_yours")
    await app.state.engine.deps.store.delete(_inbound(call).key)
    async with db.session() as s:
        row = await s.get(Call, call.id)
        row.ended_at = row.ended_at or time.time()


async def recent(db: Database, who, limit: int = 8) -> list[Call]:
    """The agent's latest calls."""
    async with db.session() as s:
        rows = await s.scalars(select(Call).where(Call.staff_id == who.id).order_by(Call.started_at.desc()).limit(limit))
        return list(rows)
