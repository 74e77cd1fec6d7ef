"""FastAPI router exposing Rasa's `POST /model/parse` (through the Rasa server at RASA_URL when one is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from .model import NLU, default_nlu


class ParseRequest(BaseModel):
    """Body of /model/parse."""

    text: str


def _rasa(request: Request, get_nlu: Callable[[], NLU]) -> Any:
    """The app's Rasa backend (the engine's, sharing its breaker), or None without RASA_URL."""
    from .rasa import RasaBackend, find_rasa

    state = request.app.state
    backend = getattr(state, "rasa_backend", None)
    if backend is None:
        url = getattr(getattr(state, "settings", None), "rasa_url", None)
        if not url:
            return None
        engine = getattr(state, "engine", None)
        backend = find_rasa(getattr(getattr(engine, "deps", None), "nlu", None)) or RasaBackend(url, fallback=get_nlu)
        state.rasa_backend = backend
    return backend


def make_router(get_nlu: Callable[[], NLU] = default_nlu) -> APIRouter:
    """A router with POST /model/parse answering in Rasa's parse shape."""
    router = APIRouter()

    @router.post("/model/parse")
    async def parse(req: ParseRequest, request: Request) -> dict[str, Any]:
        """Parse one message."""
        backend = _rasa(request, get_nlu)
        if backend is not None:
            return await backend.aparse(req.text)
        return await run_in_threadpool(get_nlu().parse, req.text)

    return router


router = make_router()
