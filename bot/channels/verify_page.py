"""GET /verify/{code}: a partner organization's check of a certificate, a Persian page or JSON when asked."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute

from basics.digits import to_ascii
from bot.channels.web import templates
from bot.engine.catalog import t
from bot.engine.fmt import jdate
from bot.engine.verify_code import check_code

log = logging.getLogger("tamin.verify")
router = APIRouter()
PATH = "/verify/{code}"
CODE = re.compile(r"^[A-Z0-9-]{4,40}$")
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"}


def wants_json(request: Request) -> bool:
    """JSON only when the caller asks: ``?format=json``, or an Accept naming JSON and not HTML."""
    if request.query_params.get("format", "").lower() == "json":
        return True
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def clean_code(raw: str) -> str | None:
    """The verification code as issued (upper case, ASCII digits), or None when it cannot be one."""
    code = to_ascii(raw).strip().upper()
    return code if CODE.match(code) else None


async def _check(request: Request, code: str | None) -> tuple[str, Any]:
    """("valid", check) / ("invalid", None) / ("down", None) for a verification code."""
    if code is None:
        return "invalid", None
    return await check_code(request.app.state.engine.deps.api, code)


def _json(state: str, check: Any, code: str) -> JSONResponse:
    if state == "down":
        return JSONResponse({"valid": None, "error": "backend unavailable"}, status_code=503, headers=HEADERS)
    if check is None:
        return JSONResponse({"valid": False, "code": code}, status_code=404, headers=HEADERS)
    return JSONResponse(check.model_dump(mode="json"), headers=HEADERS)


def _page(request: Request, state: str, check: Any, code: str) -> Response:
    fields = {k: t(f"verify_page.field.{k}") for k in ("code", "kind", "holder", "says", "issued_on", "status")}
    context: dict[str, Any] = {"title": t("verify_page.title"), "org": t("verify_page.org"),
                               "intro": t("verify_page.intro"), "footer": t("verify_page.footer"), "f": fields,
                               "state": state, "code": code, "verdict": t(f"verify_page.{state}"),
                               # the same facts as the JSON answer, machine-readable inside the page
                               "data": check.model_dump(mode="json") if check is not None else
                               {"valid": None if state == "down" else False, "code": code}}
    if state == "valid":
        context.update(kind=t(f"verify_page.kind.{check.kind}") if check.kind else "", holder=check.holder or "",
                       says=check.summary or "", issued_on=jdate(check.issued_on),
                       status=t("verify_page.status_valid"), holder_note=t("verify_page.holder_note"))
    elif state == "invalid":
        context["advice"] = t("verify_page.invalid_advice")
    status = {"valid": 200, "invalid": 404}.get(state, 503)
    response = templates.TemplateResponse(request, "verify.html", context, status_code=status)
    response.headers.update(HEADERS)
    return response


@router.get(PATH, response_class=HTMLResponse)
async def verify(code: str, request: Request) -> Response:
    """Check a certificate's verification code: a Persian page, or JSON when asked for it."""
    limiter = getattr(request.app.state, "verify_limiter", None)
    if limiter is not None and not limiter.allow(request.client.host if request.client else "-"):
        return JSONResponse({"error": "too_many", "messages": [{"text": t("web.too_many_checks"), "choices": []}]},
                            status_code=429,
                            headers={**HEADERS, "Retry-After": "60"})
    clean = clean_code(code[:64])
    state, check = await _check(request, clean)
    shown = clean or to_ascii(code[:40])
    return _json(state, check, shown) if wants_json(request) else _page(request, state, check, shown)


def install(app: FastAPI) -> None:
    """Serve this page at /verify/{code}, in place of any route already there."""
    app.router.routes[:] = [r for r in app.router.routes if not (isinstance(r, APIRoute) and r.path == PATH)]
    app.include_router(router)
