"""The handoff inbox: the queue, taking a conversation, answering it and giving it back.

Who sees what (``inbox.visible``): an agent sees the conversations waiting in the queue and the
ones they took, a supervisor sees all; anything else, like an id that does not exist, is a 404.
A transcript is shown only to the agent holding the conversation (and, read-only with a reason,
to a supervisor through ``/open`` in the supervision router); every showing is audited.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot.console import inbox
from bot.console.auth import Who
from bot.console.models import Audit, Conversation, Handoff
from bot.console.routes.common import (
    Refused,
    audit,
    back,
    db,
    form_of,
    page,
    reason_of,
    staff,
    titles_with_guide,
    valid_id,
)

router = APIRouter(prefix="/console/inbox", dependencies=[Depends(staff)])

POLL_AUDIT_SECONDS = 60  # a transcript polled every few seconds counts as one view a minute


async def handoff_of(handoff_id: str, request: Request,
                     who: Who = Depends(staff)) -> tuple[Handoff, Conversation | None]:
    """The handoff in the path if ``who`` may see it; otherwise 404, never 5xx."""
    hid = valid_id(handoff_id)
    if hid is None:
        raise Refused("missing", 404)
    try:
        h, conv = await inbox.get(db(request), hid)
    except inbox.Unavailable:
        raise Refused("missing", 404) from None
    if not inbox.visible(h, who):
        raise Refused("missing", 404)
    return h, conv


async def queue_ctx(request: Request, who: Who | None = None) -> dict:
    """The queue ``who`` may see (everything without ``who``) and its figures."""
    return dict(items=await inbox.queue(db(request), who), stats=await inbox.stats(db(request)),
                flows=titles_with_guide(request))


@router.get("", response_class=HTMLResponse)
async def inbox_page(request: Request, who: Who = Depends(staff)) -> HTMLResponse:
    """The queue of conversations handed to a human."""
    ctx = await queue_ctx(request, who)
    if request.headers.get("hx-request"):
        return page(request, "_queue.html", who, **ctx)
    return page(request, "inbox.html", who, **ctx)


@router.get("/badge", response_class=HTMLResponse)
async def inbox_badge(request: Request, who: Who = Depends(staff)) -> HTMLResponse:
    """How many wait, for the menu's badge."""
    return page(request, "_badge.html", who, stats=await inbox.stats(db(request)))


@router.get("/{handoff_id}", response_class=HTMLResponse)
async def handoff_page(request: Request, error: str = "", who: Who = Depends(staff),
                       found: tuple = Depends(handoff_of)) -> HTMLResponse:
    """A handoff: its transcript for the agent holding it, otherwise the form to take it."""
    h, conv = found
    mine = inbox.held_by(h, who)
    if mine:
        await audit(request, who, "view_conversation", f"conv:{h.key}", h.take_reason)
    return page(request, "handoff.html", who, h=h, conv=conv if mine else None, mine=mine,
                flows=titles_with_guide(request), error=error if error.isalpha() else "")


async def _viewed_lately(request: Request, who: Who, record: str) -> bool:
    async with db(request).session() as s:
        return bool(await s.scalar(select(Audit.id).where(
            Audit.staff_id == who.id, Audit.action == "view_conversation", Audit.record == record[:160],
            Audit.at >= time.time() - POLL_AUDIT_SECONDS).limit(1)))


@router.get("/{handoff_id}/transcript", response_class=HTMLResponse)
async def handoff_transcript(request: Request, who: Who = Depends(staff),
                             found: tuple = Depends(handoff_of)) -> HTMLResponse:
    """The transcript of a conversation the agent holds, polled while it is open."""
    h, conv = found
    if not inbox.held_by(h, who):
        raise Refused("missing", 404)
    record = f"conv:{h.key}"
    if not await _viewed_lately(request, who, record):
        await audit(request, who, "view_conversation", record, h.take_reason)
    return page(request, "_transcript.html", who, turns=conv.turns if conv else [])


@router.post("/{handoff_id}/take")
async def handoff_take(request: Request, who: Who = Depends(staff), found: tuple = Depends(handoff_of)) -> Response:
    """Take the conversation from the bot, with the reason for reading it."""
    h, _ = found
    reason = reason_of(await form_of(request))
    if reason is None:
        return back(f"/console/inbox/{h.id}?error=reason")
    try:
        h = await inbox.take(request.app, h.id, who, reason)
    except inbox.Unavailable:
        return back(f"/console/inbox/{h.id}?error=taken")
    except inbox.DeliveryFailed:
        return back(f"/console/inbox/{h.id}?error=delivery")
    await audit(request, who, "take_conversation", f"conv:{h.key}", reason)
    return back(f"/console/inbox/{h.id}")


@router.post("/{handoff_id}/reply")
async def handoff_reply(request: Request, who: Who = Depends(staff), found: tuple = Depends(handoff_of)) -> Response:
    """Answer the person through their own channel."""
    h, _ = found
    text = (await form_of(request)).get("text", "").strip()[:1500]
    if text:
        try:
            await inbox.reply(request.app, h.id, who, text)
        except inbox.Unavailable:
            return back(f"/console/inbox/{h.id}?error=taken")
        except inbox.DeliveryFailed:
            return back(f"/console/inbox/{h.id}?error=delivery")
    return back(f"/console/inbox/{h.id}#end")


@router.post("/{handoff_id}/release")
async def handoff_release(request: Request, who: Who = Depends(staff), found: tuple = Depends(handoff_of)) -> Response:
    """Give the conversation back to the bot, or close it."""
    h, _ = found
    try:
        await inbox.release(request.app, h.id, who, close=(await form_of(request)).get("close") == "1")
    except inbox.Unavailable:
        return back(f"/console/inbox/{h.id}?error=taken")
    except inbox.DeliveryFailed:
        pass
    return back("/console/inbox")
