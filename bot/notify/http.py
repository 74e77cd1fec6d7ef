"""HTTP: ``POST /events`` (signed back-end events) and Kavenegar's delivery reports."""

from __future__ import annotations

import hmac
import json
import logging
import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.notify.intake import check_signature
from bot.notify.model import SMS, BackendEvent
from bot.notify.reports import outcome

log = logging.getLogger("tamin.notify.http")

router = APIRouter()
TS_HEADER, SIG_HEADER = "X-Tamin-Timestamp", "X-Tamin-Signature"
MAX_BODY = 1_000_000
_ID = re.compile(r"^[\w.:\-]{1,64}$")


def _events(body: object) -> list[BackendEvent] | None:
    items = body.get("events") if isinstance(body, dict) and "events" in body else [body]
    if not isinstance(items, list) or not items or len(items) > 500:
        return None
    out = []
    for item in items:
        if not isinstance(item, dict):
            return None
        eid, kind, payload = str(item.get("id") or ""), item.get("type"), item.get("payload") or {}
        if not _ID.match(eid) or not isinstance(kind, str) or not isinstance(payload, dict):
            return None
        out.append(BackendEvent(eid, kind, payload))
    return out


@router.post("/events")
async def receive_events(request: Request) -> JSONResponse:
    """Back-end events, signed with HMAC-SHA256 over ``timestamp.body``; a seen event id is refused."""
    notify = getattr(request.app.state, "notify", None)
    secret = getattr(request.app.state, "events_secret", None)
    if notify is None or not secret:
        return JSONResponse({"error": "not_configured"}, status_code=503)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "too_large"}, status_code=413)
    why = check_signature(secret, request.headers.get(TS_HEADER), request.headers.get(SIG_HEADER), body,
                          notify.clock(), notify.cfg.replay_window_seconds)
    if why is not None:
        log.warning("events: refused (%s)", why)
        return JSONResponse({"error": why}, status_code=401)
    try:
        parsed = json.loads(body)
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")  # a lone surrogate can be stored nowhere: refuse it
        events = _events(parsed)
    except (ValueError, RecursionError):
        events = None
    if events is None:
        return JSONResponse({"error": "invalid"}, status_code=422)
    accepted, seen = await notify.intake.accept_new(events, "webhook")
    if seen and not accepted.events:
        log.warning("events: refused a replay of %d seen event(s)", len(seen))
        return JSONResponse({"error": "replay", "seen": seen}, status_code=409)
    return JSONResponse({"accepted": accepted.events, "notices": accepted.notices, "seen": seen}, status_code=202)


async def _delivery(request: Request, secret: str, fields: dict[str, str]) -> PlainTextResponse:
    expected = request.app.state.settings.kavenegar_webhook_secret
    notify = getattr(request.app.state, "notify", None)
    if notify is None or not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        return PlainTextResponse("unauthorized", status_code=401)
    mid, status = str(fields.get("messageid") or ""), str(fields.get("status") or "")
    if not (mid.isascii() and mid.isdigit() and status.isascii() and status.isdigit()):
        return PlainTextResponse("ignored")
    await notify.ledger.report(SMS, mid, outcome(int(status)), time.time(), f"status {status}")
    return PlainTextResponse("ok")


@router.post("/notify/kavenegar/delivery/{secret}")
async def delivery_post(secret: str, request: Request) -> PlainTextResponse:
    """Kavenegar's delivery report (``messageid``, ``status``) as a form POST."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    fields.update({k: v for k, v in request.query_params.items() if k not in fields})
    return await _delivery(request, secret, fields)


@router.get("/notify/kavenegar/delivery/{secret}")
async def delivery_get(secret: str, request: Request) -> PlainTextResponse:
    """Kavenegar's delivery report as a GET with query parameters."""
    return await _delivery(request, secret, dict(request.query_params))
