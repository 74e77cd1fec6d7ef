"""Running a service for a caller: start a call, type the caller's answers, send the result by SMS."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.console import calls
from bot.console.auth import Who
from bot.console.guide import default_guide
from bot.console.models import Call
from bot.console.routes.common import (
    Refused,
    audit,
    back,
    db,
    flow_titles,
    form_of,
    ip,
    page,
    reason_of,
    staff,
)
from bot.engine.catalog import t

router = APIRouter(prefix="/console/calls", dependencies=[Depends(staff)])
OVERVIEW = "svc:my_status"  # the overview's flow: the same answer the caller gets on any door


async def call_of(call_id: str, request: Request, who: Who = Depends(staff)) -> Call:
    """The call in the path: the agent's own (a supervisor may open any); otherwise 404."""
    try:
        return await calls.get(db(request), who, call_id)
    except calls.CallError:
        raise Refused("missing", 404) from None


def _err(err: calls.CallError) -> str:
    return err.key.rsplit(".", 1)[-1].replace("_", "")


@router.get("", response_class=HTMLResponse)
async def calls_page(request: Request, flow: str = "", error: str = "", who: Who = Depends(staff)) -> HTMLResponse:
    """Pick a service to run for a caller; the agent's recent calls."""
    return page(request, "call_new.html", who, flows=flow_titles(request), chosen=flow, guide=default_guide().by_id,
                recent=await calls.recent(db(request), who), error=error if error.isalpha() else "")


@router.post("")
async def call_start(request: Request, who: Who = Depends(staff)) -> Response:
    """Start the service, with the reason for looking at the caller's record."""
    form = await form_of(request)
    flow = form.get("flow", "")
    reason = reason_of(form)
    if reason is None:
        return back(f"/console/calls?flow={flow if flow.isidentifier() else ''}&error=reason")
    try:
        call = await calls.start(request.app, who, flow, reason, ip=ip(request))
    except calls.CallError:
        return back("/console/calls?error=flow")
    return back(f"/console/calls/{call.id}")


async def _call_page(request: Request, who: Who, call: Call, error: str = "", notice: str = "", parts: int = 0,
                     status: int = 200) -> HTMLResponse:
    mobile = await calls.verified_mobile(request.app, call)
    title = flow_titles(request).get(call.flow, call.flow)
    if call.national_code or call.staff_id != who.id:
        # the caller's record is on the screen (or another agent's call is): every such view is audited
        why = call.reason if call.staff_id == who.id else f"{t('console.reason.supervision')} · {call.reason}"
        await audit(request, who, "call_view", f"nc:{call.national_code}" if call.national_code else f"call:{call.id}",
                    f"{why} · {title} · {call.id}")
    last_choices: list = []
    if call.turns and call.turns[-1].get("who") == "bot":
        for item in reversed(call.turns):
            if item.get("who") != "bot":
                break
            last_choices = item.get("choices", []) + last_choices
    sms = calls.result_sms(call)
    return page(request, "call.html", who, status=status, call=call, title=title,
                overview=OVERVIEW[4:] in request.app.state.engine.flows,
                info=default_guide().by_id.get(call.flow), mobile=mobile, choices=last_choices, error=error,
                notice=notice, sent_parts=parts, sms=sms, sms_parts=calls.sms_parts(sms))


@router.get("/{call_id}", response_class=HTMLResponse)
async def call_page(request: Request, notice: str = "", error: str = "", parts: str = "",
                    who: Who = Depends(staff), call: Call = Depends(call_of)) -> HTMLResponse:
    """The call's conversation, the result as it would go by SMS, and the caller's service notes."""
    return await _call_page(request, who, call, error=error if error.isalpha() else "",
                            notice=notice if notice.isalpha() else "",
                            parts=int(parts) if parts.isascii() and parts.isdigit() and len(parts) < 4 else 0)


@router.post("/{call_id}/turn")
async def call_turn(request: Request, who: Who = Depends(staff), call: Call = Depends(call_of)) -> Response:
    """One answer of the caller, typed (a number read out in words is read as digits) or picked."""
    form = await form_of(request)
    text = form.get("text", "").strip()[:500] or None
    choice = form.get("choice", "").strip()[:64] or None
    if text or choice:
        try:
            await calls.turn(request.app, who, call.id, text=text, choice=choice, ip=ip(request))
        except calls.CallError as err:
            return await _call_page(request, who, await calls.get(db(request), who, call.id), error=_err(err),
                                    status=409)
    return back(f"/console/calls/{call.id}#end")


@router.post("/{call_id}/overview")
async def call_overview(request: Request, who: Who = Depends(staff), call: Call = Depends(call_of)) -> Response:
    """«وضعیت من» of the verified caller, in the call: the same overview, its buttons run for the caller."""
    if not await calls.verified_mobile(request.app, call):
        return back(f"/console/calls/{call.id}?error=notverified")
    try:
        await calls.turn(request.app, who, call.id, choice=OVERVIEW, ip=ip(request))
    except calls.CallError as err:
        return back(f"/console/calls/{call.id}?error={_err(err)}")
    await audit(request, who, "overview_view", f"nc:{call.national_code}", f"{call.reason} · {call.id}")
    return back(f"/console/calls/{call.id}#end")


@router.post("/{call_id}/sms")
async def call_sms(request: Request, who: Who = Depends(staff), call: Call = Depends(call_of)) -> Response:
    """Send the result, as the SMS door renders it, to the caller's verified mobile."""
    try:
        parts = await calls.send_sms(request.app, who, call.id)
    except calls.CallError as err:
        return back(f"/console/calls/{call.id}?error={_err(err)}")
    await audit(request, who, "call_sms", f"nc:{call.national_code}", f"{call.reason} · {call.id} · {parts}")
    return back(f"/console/calls/{call.id}?notice=smssent&parts={parts}")


@router.post("/{call_id}/end")
async def call_end(request: Request, who: Who = Depends(staff), call: Call = Depends(call_of)) -> Response:
    """Finish the call and forget the bot's session behind it."""
    try:
        await calls.end(request.app, who, call.id)
    except calls.CallError:
        pass
    return back("/console/calls")
