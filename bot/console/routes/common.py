"""What every console router shares: templates, the page frame, refusals and the role dependencies.

Each router declares its role once, ``APIRouter(dependencies=[Depends(staff)])`` or
``Depends(supervisor)``; handlers then read the signed-in member with the same dependency (FastAPI
calls it once per request). ``staff`` also checks the CSRF token and origin of every unsafe request.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jdatetime
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.console import auth
from bot.console.auth import COOKIE, Who
from bot.console.guide import default_guide
from bot.console.models import Audit
from bot.engine.catalog import has, t
from bot.engine.fmt import fa, mask_code, number
from bot.storage import Database

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))

REASONS = ("caller", "handoff", "complaint", "supervision", "other")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TEHRAN = ZoneInfo("Asia/Tehran")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# ---- helpers for templates -----------------------------------------------------------------------

def _tehran(ts: float | None) -> jdatetime.datetime | None:
    return jdatetime.datetime.fromtimestamp(ts, tz=TEHRAN) if ts else None


def when(ts: float | None) -> str:
    """A moment as Jalali date and Tehran time: ۱۴۰۵/۰۹/۰۴ ۱۳:۲۵."""
    d = _tehran(ts)
    return fa(d.strftime("%Y/%m/%d %H:%M")) if d else ""


def clock(ts: float | None) -> str:
    """Only the Tehran time of day: ۱۳:۲۵."""
    d = _tehran(ts)
    return fa(d.strftime("%H:%M")) if d else ""


def duration(seconds: float) -> str:
    """A waiting time in Persian: ۴ دقیقه و ۱۲ ثانیه."""
    seconds = int(max(0, seconds))
    if seconds < 60:
        return t("console.time.seconds", n=fa(seconds))
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return t("console.time.minutes", n=fa(minutes), s=fa(sec))
    hours, minutes = divmod(minutes, 60)
    return t("console.time.hours", n=fa(hours), m=fa(minutes))


def masked(code: str | None) -> str:
    """A masked identifier kept left to right inside Persian text: ۰۹۱۲***۱۰۷."""
    return f"\u2066{mask_code(code)}\u2069" if code else ""


templates.env.globals.update(t=t, has=has, fa=fa, number=number, when=when, clock=clock, duration=duration,
                             mask=masked, reasons=REASONS, now=time.time)


def page(request: Request, name: str, who: Who | None, status: int = 200, **ctx) -> HTMLResponse:
    """A console page with the signed-in staff member's menu."""
    resp = templates.TemplateResponse(request, name, {"who": who, "path": request.url.path, **ctx}, status_code=status)
    resp.headers.update(SECURITY_HEADERS)
    return resp


def flow_titles(request: Request) -> dict[str, str]:
    """Each service's menu title, by flow name."""
    return {name: t(flow.title) for name, flow in request.app.state.engine.flows.items()}


def titles_with_guide(request: Request) -> dict[str, str]:
    """Titles of the flows and of the guide's services that have no flow."""
    titles = {s.id: s.title for s in default_guide().services}
    titles.update(flow_titles(request))
    return titles


def ip(request: Request) -> str:
    """The source of the request, as uvicorn reports it (X-Forwarded-For from a trusted proxy)."""
    return request.client.host if request.client else ""


def db(request: Request) -> Database:
    """The application's database."""
    return request.app.state.db


def cfg(request: Request) -> auth.ConsoleConfig:
    """The console's settings."""
    return request.app.state.console_config


def secure(request: Request) -> bool:
    """Whether cookies get the Secure flag."""
    if cfg(request).cookie_secure is not None:
        return cfg(request).cookie_secure
    return request.app.state.settings.public_base_url.startswith("https://")


def back(url: str) -> RedirectResponse:
    """A 303 to another console page."""
    return RedirectResponse(url, status_code=303)


async def audit(request: Request, who: Who | None, action: str, record: str = "", reason: str = "",
                username: str | None = None) -> None:
    """One row in the audit log."""
    async with db(request).session() as s:
        s.add(Audit(at=time.time(), staff_id=who.id if who else None, username=(username or (who.username if who else "-"))[:64],
                    action=action, record=record[:160], reason=reason[:300], ip=ip(request)[:64]))


def reason_of(form: dict) -> str | None:
    """The reason picked (and typed) for looking at a citizen's record, or None."""
    code = form.get("reason", "")
    note = " ".join(form.get("note", "").split())[:200]
    if code not in REASONS or (code == "other" and not note):
        return None
    label = t(f"console.reason.{code}")
    return f"{label} — {note}" if note else label


def valid_id(raw: str) -> int | None:
    """A database id from a path segment, or None (never an overflow in the database)."""
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 else None


# ---- refusals ------------------------------------------------------------------------------------

class Refused(Exception):
    """Stop the request: sign in first, not allowed, a forged request, or nothing of yours there."""

    def __init__(self, kind: str, status: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = status


def register_errors(app: FastAPI) -> None:
    """Turn refusals into a sign-in redirect or a Persian refusal page."""

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if exc.kind == "signin":
            target = "/console/login"
            if request.method == "GET" and request.url.path.startswith("/console"):
                target += "?next=" + request.url.path
            if request.headers.get("hx-request"):
                resp = Response(status_code=401, headers={"HX-Redirect": target})
            else:
                resp = RedirectResponse(target, status_code=303)
            resp.delete_cookie(COOKIE, path="/console")
            return resp
        return page(request, "refused.html", getattr(request.state, "who", None), status=exc.status, kind=exc.kind)


# ---- the role dependencies -------------------------------------------------------------------------

def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def form_of(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once; the dependency already read it)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def staff(request: Request) -> Who:
    """Any signed-in staff member; an unsafe request also needs its session's CSRF token and our origin."""
    who = await auth.session_of(db(request), cfg(request), request.cookies.get(COOKIE))
    if who is None:
        raise Refused("signin", 401)
    request.state.who = who
    if request.method not in SAFE_METHODS:
        form = await form_of(request)
        token = request.headers.get("x-csrf-token") or form.get("csrf")
        if not same_origin(request) or not auth.csrf_ok(who.csrf, token):
            await audit(request, who, "csrf_refused", request.url.path)
            raise Refused("csrf", 403)
    return who


async def supervisor(request: Request, who: Who = Depends(staff)) -> Who:
    """A signed-in supervisor; an agent's try is refused and audited."""
    if not who.supervisor:
        await audit(request, who, "refused_role", request.url.path)
        raise Refused("role", 403)
    return who
