"""The web chat: ``POST /api/chat`` for any program, and the right-to-left page at ``/``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, StringConstraints

from bot.engine.catalog import t
from bot.engine.messages import Channel, Inbound

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()

UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:@-]+$")]


class ChatIn(BaseModel):
    """One turn from the web chat or another program."""

    user: UserId
    text: str | None = Field(default=None, max_length=4096)
    choice: str | None = Field(default=None, max_length=64)


@router.post("/api/chat")
async def chat(body: ChatIn, request: Request) -> JSONResponse:
    """Pass the turn to the engine and return its messages."""
    if body.text is None and body.choice is None:
        return JSONResponse({"messages": [{"text": t("web.empty"), "choices": []}]})
    engine = request.app.state.engine
    out = await engine.handle(Inbound(Channel.WEB, body.user, text=body.text, choice=body.choice))
    return JSONResponse({"messages": [m.as_json() for m in out]})


@router.get("/", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    """The web chat page."""
    s = request.app.state.settings
    return templates.TemplateResponse(request, "chat.html", {
        "title": t("web.title"), "placeholder": t("web.placeholder"), "send": t("web.send"),
        "hello": t("web.hello"), "outbox": not s.sms_gateway_configured, "outbox_link": t("web.outbox_link"),
        "error": t("web.network_error"),
    })
