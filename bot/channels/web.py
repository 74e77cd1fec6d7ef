"""The web chat: ``POST /api/chat`` for any program, and the right-to-left page at ``/``.

A person is their session cookie (server-issued, HttpOnly, SameSite=Lax, Secure over HTTPS); the JSON
``user`` field only names a conversation inside that session. The engine's key is derived from both, so
the same ``user`` from a client without the cookie is somebody else.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from starlette.requests import ClientDisconnect

from bot.engine.catalog import t
from bot.engine.messages import Channel, Inbound

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()

UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:@-]+$")]
SESSION = re.compile(r"^web-[A-Za-z0-9_-]{43}$")
ALLOWED_CONTROLS = frozenset("\t\n\r")


class ChatIn(BaseModel):
    """One turn from the web chat or another program."""

    user: UserId
    text: str | None = Field(default=None, max_length=4096)
    choice: str | None = Field(default=None, max_length=64)


def new_session_id() -> str:
    """A fresh session id (256 random bits); its ``web-`` prefix is what the log masker hides."""
    return "web-" + secrets.token_urlsafe(32)


def session_of(request: Request) -> tuple[str, bool]:
    """The request's session id, and whether it is new (no valid cookie came with it)."""
    given = request.cookies.get(request.app.state.settings.web_cookie_name, "")
    if SESSION.match(given):
        return given, False
    return new_session_id(), True


def conversation_key(session_id: str, user: str) -> str:
    """The engine's user key for conversation ``user`` of session ``session_id`` (neither can be read back)."""
    return "w" + hashlib.sha256(f"{session_id}\x00{user}".encode()).hexdigest()[:32]


def keep_session(response: Response, request: Request, session_id: str) -> Response:
    """Set the session cookie on ``response``; Secure when the request came over HTTPS."""
    s = request.app.state.settings
    response.set_cookie(s.web_cookie_name, session_id, max_age=s.session_ttl_seconds, path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


def unreadable(text: str | None) -> bool:
    """Lone surrogates and control characters (other than tab and new lines) cannot be a person's message."""
    if not text:
        return False
    return any(unicodedata.category(ch) in ("Cs", "Cc") and ch not in ALLOWED_CONTROLS for ch in text)


def reply(key: str, status: int = 200) -> JSONResponse:
    """One Persian sentence from the catalog in the chat's answer shape."""
    return JSONResponse({"messages": [{"text": t(key), "choices": []}]}, status_code=status)


async def parse(request: Request) -> ChatIn | JSONResponse:
    """The turn from the body, or the Persian answer that says what is wrong with it (never its content)."""
    try:
        raw = await request.body()
        data = json.loads(raw)
    except ClientDisconnect:
        return reply("web.bad_request", 400)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past any sense
        return reply("web.bad_request", 400)
    if isinstance(data, dict) and any(isinstance(data.get(k), str) and unreadable(data[k]) for k in ("text", "choice")):
        return reply("web.unreadable")  # a lone surrogate or a control character: say so, in Persian
    try:
        return ChatIn.model_validate(data)
    except ValidationError:
        return reply("web.bad_request", 422)


@router.post("/api/chat")
async def chat(request: Request) -> Response:
    """Pass the turn to the engine and return its messages."""
    session_id, new = session_of(request)
    body = await parse(request)
    if isinstance(body, JSONResponse):
        response: Response = body
    elif body.text is None and body.choice is None:
        response = reply("web.empty")
    else:
        engine = request.app.state.engine
        key = conversation_key(session_id, body.user)
        out = await engine.handle(Inbound(Channel.WEB, key, text=body.text, choice=body.choice))
        response = JSONResponse({"messages": [m.as_json() for m in out]})
    return keep_session(response, request, session_id) if new else response


@router.get("/api/chat/pending")
async def pending(request: Request, user: str = "") -> Response:
    """Agent replies waiting for this session's conversation ``user`` (the page polls this)."""
    replies = getattr(request.app.state, "pending_replies", None)  # installed by the console
    if replies is None:
        return JSONResponse({"messages": []}, status_code=404)  # no console: the page stops polling
    session_id, new = session_of(request)
    if new or not user or len(user) > 128:
        return JSONResponse({"messages": []})
    return JSONResponse({"messages": await replies.take(conversation_key(session_id, user))})


def page_csp(nonce: str) -> str:
    """The page's Content-Security-Policy: its own inline parts by nonce, nothing framed, nothing foreign."""
    return (f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; font-src 'self'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


@router.get("/", response_class=HTMLResponse)
async def page(request: Request) -> Response:
    """The web chat page."""
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "chat.html", {
        "title": t("web.title"), "placeholder": t("web.placeholder"), "send": t("web.send"),
        "hello": t("web.hello"), "outbox": getattr(request.app.state, "dev_outbox", False),
        "outbox_link": t("web.outbox_link"), "error": t("web.network_error"), "nonce": nonce,
        "typing": t("web.typing"),
    })
    response.headers["Content-Security-Policy"] = page_csp(nonce)
    session_id, new = session_of(request)
    return keep_session(response, request, session_id) if new else response
