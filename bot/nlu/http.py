"""FastAPI router exposing Rasa's `POST /model/parse`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from .model import NLU, default_nlu


class ParseRequest(BaseModel):
    """Body of /model/parse."""

    text: str


def make_router(get_nlu: Callable[[], NLU] = default_nlu) -> APIRouter:
    """A router with POST /model/parse answering in Rasa's parse shape."""
    router = APIRouter()

    @router.post("/model/parse")
    def parse(req: ParseRequest) -> dict[str, Any]:
        """Parse one message."""
        return get_nlu().parse(req.text)

    return router


router = make_router()
