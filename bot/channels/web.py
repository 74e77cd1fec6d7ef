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
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from starlette.requests import cookie_parser
from starlette.routing import Route

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


class ChatEndpoint:
    """``POST /api/chat`` as a plain ASGI app: the turn to the engine and its messages back as JSON.

    The app's middleware (perimeter, request ids, errors) is around it as around every route; it skips only
    FastAPI's per-request machinery (request object, dependency solving, response classes), which cost more CPU
    than the engine's turn. The answers are the same bytes ``JSONResponse`` wrote.
    """

    async def __call__(self, scope: dict, receive, send) -> None:
        app = scope["app"]
        settings = app.state.settings
        session_id, new = _session_in(scope, settings.web_cookie_name)
        status, doc = await self.turn(app.state.engine, receive, session_id)
        body = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        if new:
            headers.append((b"set-cookie", _cookie(settings.web_cookie_name, settings.session_ttl_seconds,
                                                   scope.get("scheme") == "https", session_id)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def turn(self, engine, receive, session_id: str) -> tuple[int, dict]:
        """The status and JSON document of the answer to the request's turn."""
        body = await _read_turn(receive)
        if isinstance(body, tuple):
            return body
        if body.text is None and body.choice is None:
            return _said("web.empty")
        key = conversation_key(session_id, body.user)
        out = await engine.handle(Inbound(Channel.WEB, key, text=body.text, choice=body.choice))
        return 200, {"messages": [m.as_json() for m in out]}


def _said(key: str, status: int = 200) -> tuple[int, dict]:
    """One Persian sentence from the catalog in the chat's answer shape."""
    return status, {"messages": [{"text": t(key), "choices": []}]}


async def _read_turn(receive) -> ChatIn | tuple[int, dict]:
    """The turn from the body, or the Persian answer that says what is wrong with it (never its content)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _said("web.bad_request", 400)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    try:
        data = json.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past any sense
        return _said("web.bad_request", 400)
    if isinstance(data, dict) and any(isinstance(data.get(k), str) and unreadable(data[k]) for k in ("text", "choice")):
        return _said("web.unreadable")  # a lone surrogate or a control character: say so, in Persian
    try:
        return ChatIn.model_validate(data)
    except ValidationError:
        return _said("web.bad_request", 422)


def _session_in(scope: dict, name: str) -> tuple[str, bool]:
    """The session id from the request's cookie, and whether it is new (as ``session_of``)."""
    for key, value in scope["headers"]:
        if key == b"cookie":
            given = cookie_parser(value.decode("latin-1")).get(name, "")
            if SESSION.match(given):
                return given, False
            break
    return new_session_id(), True


@lru_cache(maxsize=8)
def _cookie_template(name: str, max_age: int, secure: bool) -> tuple[bytes, bytes]:
    """The ``Set-Cookie`` header ``keep_session`` writes, split around the session id."""
    probe = Response()
    probe.set_cookie(name, _PROBE, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)
    value = dict(probe.raw_headers)[b"set-cookie"]
    head, _, tail = value.partition(_PROBE.encode())
    return head, tail


_PROBE = "web-PROBE"


def _cookie(name: str, max_age: int, secure: bool, session_id: str) -> bytes:
    head, tail = _cookie_template(name, max_age, secure)
    return head + session_id.encode() + tail


chat = ChatEndpoint()


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


def install(app) -> None:
    """Serve the web chat: ``POST /api/chat`` first among the routes (it carries the load), then the rest."""
    app.router.routes.insert(0, Route("/api/chat", chat, methods=["POST"]))
    app.include_router(router)
