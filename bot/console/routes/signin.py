"""Signing in and out: one answer for every failure, throttled per source and per account."""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.console import auth, throttle
from bot.console.auth import COOKIE, PRE_COOKIE, SignInRefused, Who
from bot.console.routes.common import audit, back, cfg, db, ip, page, same_origin, secure, staff

public = APIRouter(prefix="/console")  # the sign-in form itself: nobody is signed in yet
router = APIRouter(prefix="/console", dependencies=[Depends(staff)])

LOGIN_ERRORS = ("wrong", "csrf", "wait")


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/console") and "//" not in nxt and "\\" not in nxt else ""


def _login_page(request: Request, error: str, nxt: str, status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", None, status=status, error=error if error in LOGIN_ERRORS else "",
                pre=token, next=_safe_next(nxt))
    resp.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path="/console", secure=secure(request),
                    max_age=3600)
    return resp


@public.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, error: str = "", next: str = "") -> HTMLResponse:
    """The sign-in form with its own CSRF token (double submit)."""
    return _login_page(request, error, next)


@public.post("/login")
async def login(request: Request) -> Response:
    """Check the password: the same answer for an unknown user, a wrong password and a locked account."""
    form = await request.form()
    token = form.get("csrf")
    pre = request.cookies.get(PRE_COOKIE)
    if not pre or not same_origin(request) or not auth.csrf_ok(pre, token if isinstance(token, str) else None):
        return back("/console/login?error=csrf")
    source = ip(request)
    username = str(form.get("username", ""))[:64]
    verdict = await throttle.check(db(request), cfg(request), source)
    if verdict.refuse:
        await audit(request, None, "login_throttled", username=username.strip().lower() or "-")
        resp = _login_page(request, "wait", str(form.get("next", "")), status=429)
        resp.headers["Retry-After"] = str(cfg(request).source_window_minutes * 60)
        return resp
    if verdict.delay:
        await asyncio.sleep(verdict.delay)
    try:
        session_token, who = await auth.sign_in(db(request), cfg(request), username, str(form.get("password", ""))[:200],
                                                ip=source)
    except SignInRefused:
        return back("/console/login?error=wrong")
    target = _safe_next(str(form.get("next", ""))) or ("/console/supervisor" if who.supervisor else "/console/guide")
    resp = back(target)
    resp.set_cookie(COOKIE, session_token, httponly=True, samesite="strict", path="/console", secure=secure(request),
                    max_age=cfg(request).session_hours * 3600)
    resp.delete_cookie(PRE_COOKIE, path="/console")
    return resp


@router.post("/logout")
async def logout(request: Request, who: Who = Depends(staff)) -> Response:
    """End the session."""
    await auth.sign_out(db(request), who)
    resp = back("/console/login")
    resp.delete_cookie(COOKIE, path="/console")
    return resp


@router.get("")
async def home(who: Who = Depends(staff)) -> Response:
    """The start page of the member's role."""
    return back("/console/supervisor" if who.supervisor else "/console/guide")
