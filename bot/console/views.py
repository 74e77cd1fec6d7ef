"""The console's pages: server-rendered Persian HTML, a CSRF token on every POST, roles checked per page."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import jdatetime
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from bot.console import auth, calls, inbox, metrics
from bot.console.auth import COOKIE, PRE_COOKIE, SignInRefused, Who
from bot.console.guide import default_guide
from bot.console.models import Audit, Staff
from bot.engine.catalog import t
from bot.engine.fmt import fa, mask_code, number

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

REASONS = ("caller", "handoff", "complaint", "supervision", "other")
CHANNEL_NAMES = ("web", "telegram", "bale", "sms", "console")
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
    if not ts:
        return None
    from zoneinfo import ZoneInfo

    return jdatetime.datetime.fromtimestamp(ts, tz=ZoneInfo("Asia/Tehran"))


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


templates.env.globals.update(t=t, fa=fa, number=number, when=when, clock=clock, duration=duration,
                             mask=masked, reasons=REASONS, now=time.time)


def _flow_titles(request: Request) -> dict[str, str]:
    return {name: t(flow.title) for name, flow in request.app.state.engine.flows.items()}


def _titles_with_guide(request: Request) -> dict[str, str]:
    titles = {s.id: s.title for s in default_guide().services}
    titles.update(_flow_titles(request))
    return titles


def page(request: Request, name: str, who: Who | None, status: int = 200, **ctx) -> HTMLResponse:
    """A console page with the signed-in staff member's menu."""
    resp = templates.TemplateResponse(request, name, {"who": who, "path": request.url.path, **ctx}, status_code=status)
    resp.headers.update(SECURITY_HEADERS)
    return resp


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _db(request: Request):
    return request.app.state.db


def _cfg(request: Request) -> auth.ConsoleConfig:
    return request.app.state.console_config


def _secure(request: Request) -> bool:
    cfg = _cfg(request)
    if cfg.cookie_secure is not None:
        return cfg.cookie_secure
    return request.app.state.settings.public_base_url.startswith("https://")


# ---- refusals ------------------------------------------------------------------------------------

class Refused(Exception):
    """Stop the request: sign in first, not allowed, or a forged request."""

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
        return page(request, "refused.html", None, status=exc.status, kind=exc.kind)


async def signed_in(request: Request) -> Who:
    """The staff member of this request, or a redirect to sign in."""
    who = await auth.session_of(_db(request), _cfg(request), request.cookies.get(COOKIE))
    if who is None:
        raise Refused("signin", 401)
    request.state.who = who
    return who


async def supervisor(request: Request) -> Who:
    who = await signed_in(request)
    if not who.supervisor:
        async with _db(request).session() as s:
            s.add(Audit(at=time.time(), staff_id=who.id, username=who.username, action="refused_role",
                        record=request.url.path[:160], reason="", ip=_ip(request)))
        raise Refused("role", 403)
    return who


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def posted(request: Request, supervisors_only: bool = False) -> tuple[Who, dict]:
    """A POST of a signed-in staff member with their session's CSRF token; its form fields."""
    who = await (supervisor(request) if supervisors_only else signed_in(request))
    form = await request.form()
    token = request.headers.get("x-csrf-token") or form.get("csrf")
    if not _same_origin(request) or not auth.csrf_ok(who.csrf, token if isinstance(token, str) else None):
        async with _db(request).session() as s:
            s.add(Audit(at=time.time(), staff_id=who.id, username=who.username, action="csrf_refused",
                        record=request.url.path[:160], reason="", ip=_ip(request)))
        raise Refused("csrf", 403)
    return who, {k: v for k, v in form.items() if isinstance(v, str)}


def _reason(form: dict) -> str | None:
    """The reason picked (and typed) for looking at a citizen's record, or None."""
    code = form.get("reason", "")
    note = " ".join(form.get("note", "").split())[:200]
    if code not in REASONS or (code == "other" and not note):
        return None
    label = t(f"console.reason.{code}")
    return f"{label} — {note}" if note else label


async def _audit(request: Request, who: Who, action: str, record: str, reason: str) -> None:
    async with _db(request).session() as s:
        s.add(Audit(at=time.time(), staff_id=who.id, username=who.username, action=action, record=record[:160],
                    reason=reason[:300], ip=_ip(request)))


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- sign-in -------------------------------------------------------------------------------------

@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request, error: str = "", next: str = "") -> HTMLResponse:
    import secrets

    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", None, error=error if error in ("wrong", "locked", "csrf") else "",
                pre=token, next=next if next.startswith("/console") and "//" not in next else "")
    resp.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path="/console", secure=_secure(request),
                    max_age=3600)
    return resp


@router.post("/console/login")
async def login(request: Request) -> Response:
    form = await request.form()
    pre = request.cookies.get(PRE_COOKIE)
    if not pre or not _same_origin(request) or not auth.csrf_ok(pre, form.get("csrf") if isinstance(form.get("csrf"), str) else None):
        return _back("/console/login?error=csrf")
    try:
        token, who = await auth.sign_in(_db(request), _cfg(request), str(form.get("username", "")),
                                        str(form.get("password", "")), ip=_ip(request))
    except SignInRefused as refused:
        return _back(f"/console/login?error={refused.why}")
    nxt = str(form.get("next", ""))
    target = nxt if nxt.startswith("/console") and "//" not in nxt else (
        "/console/supervisor" if who.supervisor else "/console/guide")
    resp = _back(target)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/console", secure=_secure(request),
                    max_age=_cfg(request).session_hours * 3600)
    resp.delete_cookie(PRE_COOKIE, path="/console")
    return resp


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    who, _ = await posted(request)
    await auth.sign_out(_db(request), who)
    resp = _back("/console/login")
    resp.delete_cookie(COOKIE, path="/console")
    return resp


@router.get("/console")
async def home(request: Request) -> Response:
    who = await signed_in(request)
    return _back("/console/supervisor" if who.supervisor else "/console/guide")


# ---- service guide -------------------------------------------------------------------------------

@router.get("/console/guide", response_class=HTMLResponse)
async def guide(request: Request, q: str = "", id: str = "") -> HTMLResponse:
    who = await signed_in(request)
    g = default_guide()
    q = q[:200]
    hits = []
    if q.strip():
        boost = None
        try:
            parsed = await request.app.state.engine.deps.nlu.parse(q)
            boost = parsed.intent if parsed.confidence >= 0.3 else None
        except Exception:
            boost = None
        hits = [h.service for h in g.search(q, boost=boost)]
    elif id and id in g.by_id:
        hits = [g.by_id[id]]
    flows = request.app.state.engine.flows
    ctx = dict(q=q, hits=hits, services=g.services, meta=g.meta, flows=flows, searched=bool(q.strip()))
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return page(request, "_guide_results.html", who, **ctx)
    return page(request, "guide.html", who, **ctx)


# ---- running a service for a caller ------------------------------------------------------------------

@router.get("/console/calls", response_class=HTMLResponse)
async def calls_page(request: Request, flow: str = "", error: str = "") -> HTMLResponse:
    who = await signed_in(request)
    g = default_guide()
    return page(request, "call_new.html", who, flows=_flow_titles(request), chosen=flow, guide=g.by_id,
                recent=await calls.recent(_db(request), who), error=error)


@router.post("/console/calls")
async def call_start(request: Request) -> Response:
    who, form = await posted(request)
    flow = form.get("flow", "")
    reason = _reason(form)
    if reason is None:
        return _back(f"/console/calls?flow={flow}&error=reason")
    try:
        call = await calls.start(request.app, who, flow, reason, ip=_ip(request))
    except calls.CallError:
        return _back("/console/calls?error=flow")
    return _back(f"/console/calls/{call.id}")


def _err(err: calls.CallError) -> str:
    return err.key.rsplit(".", 1)[-1].replace("_", "")


async def _call_page(request: Request, who: Who, call_id: str, error: str = "", notice: str = "",
                     status: int = 200) -> HTMLResponse:
    try:
        call = await calls.get(_db(request), who, call_id)
    except calls.CallError:
        return page(request, "refused.html", who, status=404, kind="missing")
    mobile = await calls.verified_mobile(request.app, call)
    last_choices = []
    if call.turns and call.turns[-1].get("who") == "bot":
        for item in reversed(call.turns):
            if item.get("who") != "bot":
                break
            last_choices = item.get("choices", []) + last_choices
    g = default_guide()
    return page(request, "call.html", who, status=status, call=call, title=_flow_titles(request).get(call.flow, call.flow),
                info=g.by_id.get(call.flow), mobile=mobile, choices=last_choices, error=error, notice=notice,
                sms_text=calls.result_text(call))


@router.get("/console/calls/{call_id}", response_class=HTMLResponse)
async def call_page(request: Request, call_id: str, notice: str = "", error: str = "") -> HTMLResponse:
    who = await signed_in(request)
    return await _call_page(request, who, call_id, error=error if error.isalpha() else "",
                            notice=notice if notice.isalpha() else "")


@router.post("/console/calls/{call_id}/turn")
async def call_turn(request: Request, call_id: str) -> Response:
    who, form = await posted(request)
    text = form.get("text", "").strip()[:500] or None
    choice = form.get("choice", "").strip()[:64] or None
    if text or choice:
        try:
            await calls.turn(request.app, who, call_id, text=text, choice=choice, ip=_ip(request))
        except calls.CallError as err:
            return await _call_page(request, who, call_id, error=_err(err), status=409)
    return _back(f"/console/calls/{call_id}#end")


@router.post("/console/calls/{call_id}/sms")
async def call_sms(request: Request, call_id: str) -> Response:
    who, _ = await posted(request)
    try:
        await calls.send_sms(request.app, who, call_id)
    except calls.CallError as err:
        return _back(f"/console/calls/{call_id}?error={_err(err)}")
    return _back(f"/console/calls/{call_id}?notice=smssent")


@router.post("/console/calls/{call_id}/end")
async def call_end(request: Request, call_id: str) -> Response:
    who, _ = await posted(request)
    try:
        await calls.end(request.app, who, call_id)
    except calls.CallError:
        pass
    return _back("/console/calls")


# ---- handoff inbox -------------------------------------------------------------------------------

async def _queue_ctx(request: Request) -> dict:
    items = await inbox.queue(_db(request))
    return dict(items=items, stats=await inbox.stats(_db(request)), flows=_titles_with_guide(request))


@router.get("/console/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request) -> HTMLResponse:
    who = await signed_in(request)
    ctx = await _queue_ctx(request)
    if request.headers.get("hx-request"):
        return page(request, "_queue.html", who, **ctx)
    return page(request, "inbox.html", who, **ctx)


@router.get("/console/inbox/badge", response_class=HTMLResponse)
async def inbox_badge(request: Request) -> HTMLResponse:
    who = await signed_in(request)
    return page(request, "_badge.html", who, stats=await inbox.stats(_db(request)))


@router.get("/console/inbox/{handoff_id}", response_class=HTMLResponse)
async def handoff_page(request: Request, handoff_id: int, error: str = "") -> HTMLResponse:
    who = await signed_in(request)
    try:
        h, conv = await inbox.get(_db(request), handoff_id)
    except inbox.Unavailable:
        return page(request, "refused.html", who, status=404, kind="missing")
    mine = h.status == "taken" and h.taken_by == who.id
    if mine:
        await _audit(request, who, "view_conversation", f"conv:{h.key}", h.take_reason)
    return page(request, "handoff.html", who, h=h, conv=conv if mine else None, mine=mine,
                flows=_titles_with_guide(request), error=error if error.isalpha() else "")


@router.get("/console/inbox/{handoff_id}/transcript", response_class=HTMLResponse)
async def handoff_transcript(request: Request, handoff_id: int) -> HTMLResponse:
    """The transcript of a conversation the agent holds, polled while it is open."""
    who = await signed_in(request)
    h, conv = await inbox.get(_db(request), handoff_id)
    if not (h.status == "taken" and h.taken_by == who.id):
        raise Refused("role", 403)
    return page(request, "_transcript.html", who, turns=conv.turns if conv else [])


@router.post("/console/inbox/{handoff_id}/take")
async def handoff_take(request: Request, handoff_id: int) -> Response:
    who, form = await posted(request)
    reason = _reason(form)
    if reason is None:
        return _back(f"/console/inbox/{handoff_id}?error=reason")
    try:
        h = await inbox.take(request.app, handoff_id, who, reason)
    except inbox.Unavailable:
        return _back(f"/console/inbox/{handoff_id}?error=taken")
    except inbox.DeliveryFailed:
        return _back(f"/console/inbox/{handoff_id}?error=delivery")
    await _audit(request, who, "take_conversation", f"conv:{h.key}", reason)
    return _back(f"/console/inbox/{handoff_id}")


@router.post("/console/inbox/{handoff_id}/open", response_class=HTMLResponse)
async def handoff_open(request: Request, handoff_id: int) -> Response:
    """Read a conversation without taking it (a supervisor checking quality): with a reason, audited."""
    who, form = await posted(request)
    reason = _reason(form)
    if reason is None:
        return _back(f"/console/inbox/{handoff_id}?error=reason")
    h, conv = await inbox.get(_db(request), handoff_id)
    await _audit(request, who, "view_conversation", f"conv:{h.key}", reason)
    return page(request, "handoff.html", who, h=h, conv=conv, mine=False, readonly=True,
                flows=_titles_with_guide(request), error="")


@router.post("/console/inbox/{handoff_id}/reply")
async def handoff_reply(request: Request, handoff_id: int) -> Response:
    who, form = await posted(request)
    text = form.get("text", "").strip()[:1500]
    if text:
        try:
            await inbox.reply(request.app, handoff_id, who, text)
        except inbox.Unavailable:
            return _back(f"/console/inbox/{handoff_id}?error=taken")
        except inbox.DeliveryFailed:
            return _back(f"/console/inbox/{handoff_id}?error=delivery")
    return _back(f"/console/inbox/{handoff_id}#end")


@router.post("/console/inbox/{handoff_id}/release")
async def handoff_release(request: Request, handoff_id: int) -> Response:
    who, form = await posted(request)
    try:
        await inbox.release(request.app, handoff_id, who, close=form.get("close") == "1")
    except inbox.Unavailable:
        return _back(f"/console/inbox/{handoff_id}?error=taken")
    except inbox.DeliveryFailed:
        pass
    return _back("/console/inbox")


# ---- supervision ---------------------------------------------------------------------------------

@router.get("/console/supervisor", response_class=HTMLResponse)
async def supervisor_page(request: Request, days: int = 7) -> HTMLResponse:
    who = await supervisor(request)
    days = days if days in (1, 7, 30, 90) else 7
    recorder = getattr(request.app.state, "console_recorder", None)
    if recorder is not None:  # services left in the last half hour's sweep interval are counted now
        await recorder.flush()
        await recorder.sweep()
    rep = await metrics.report(_db(request), days)
    titles = _titles_with_guide(request)
    legend = {ch: t(f"console.channel.{ch}") for ch in CHANNEL_NAMES}
    legend.update(started=t("console.metrics.started"), empty=t("console.metrics.empty"), of=t("console.metrics.of"))
    chart = metrics.service_chart(rep, titles, t("console.metrics.chart_title"), legend)
    drops = []
    for flow, steps in rep.dropped_at.items():
        for step, n in steps.items():
            drops.append((f"{titles.get(flow, flow)} — {_step_name(step)}", n))
    drops.sort(key=lambda x: -x[1])
    drop_chart = metrics.bars(drops[:12], t("console.metrics.drops_title"), empty=t("console.metrics.empty"))
    hand_chart = metrics.bars([(t(f"console.handoff_reason.{r}") if r in ("asked", "failed_twice") else r, n)
                               for r, n in rep.handoffs.most_common()], t("console.metrics.handoffs_title"),
                              color="#7a4fa3", empty=t("console.metrics.empty"))
    ctx = await _queue_ctx(request)
    return page(request, "supervisor.html", who, rep=rep, days=days, chart=chart, drop_chart=drop_chart,
                hand_chart=hand_chart, titles=titles, channels=CHANNEL_NAMES, **ctx)


def _step_name(step: str) -> str:
    key = f"console.step.{step}"
    from bot.engine.catalog import has

    return t(key) if has(key) else step


@router.get("/console/supervisor/live", response_class=HTMLResponse)
async def supervisor_live(request: Request) -> HTMLResponse:
    who = await supervisor(request)
    return page(request, "_live.html", who, **await _queue_ctx(request))


@router.get("/console/audit", response_class=HTMLResponse)
async def audit_page(request: Request, q: str = "", offset: int = 0) -> HTMLResponse:
    who = await supervisor(request)
    q = q.strip()[:64]
    offset = max(0, offset)
    async with _db(request).session() as s:
        stmt = select(Audit).order_by(Audit.at.desc(), Audit.id.desc())
        if q:
            like = f"%{q}%"
            stmt = stmt.where(Audit.username.like(like) | Audit.record.like(like) | Audit.action.like(like))
        rows = list(await s.scalars(stmt.offset(offset).limit(100)))
        total = await s.scalar(select(func.count()).select_from(Audit))
    return page(request, "audit.html", who, rows=rows, q=q, offset=offset, total=total or 0)


@router.get("/console/staff", response_class=HTMLResponse)
async def staff_page(request: Request, error: str = "", notice: str = "") -> HTMLResponse:
    who = await supervisor(request)
    async with _db(request).session() as s:
        staff = list(await s.scalars(select(Staff).order_by(Staff.role.desc(), Staff.username)))
    return page(request, "staff.html", who, staff=staff, error=error[:80], notice=notice if notice.isalpha() else "",
                min_len=_cfg(request).min_password_length)


@router.post("/console/staff")
async def staff_create(request: Request) -> Response:
    who, form = await posted(request, supervisors_only=True)
    try:
        created = await auth.create_staff(_db(request), form.get("username", ""), form.get("password", ""),
                                          form.get("role", ""), form.get("display_name", "").strip()[:128],
                                          min_length=_cfg(request).min_password_length)
    except ValueError:
        return _back("/console/staff?error=invalid")
    await _audit(request, who, "staff_created", f"staff:{created.username}", created.role)
    return _back("/console/staff?notice=created")


@router.post("/console/staff/{staff_id}/unlock")
async def staff_unlock(request: Request, staff_id: int) -> Response:
    who, _ = await posted(request, supervisors_only=True)
    await auth.unlock(_db(request), staff_id)
    await _audit(request, who, "staff_unlocked", f"staff:{staff_id}", "")
    return _back("/console/staff?notice=unlocked")
