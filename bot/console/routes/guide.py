"""The service guide: search the posters' services while a caller is on the line."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bot.console.auth import Who
from bot.console.guide import default_guide
from bot.console.routes.common import page, staff

router = APIRouter(prefix="/console/guide", dependencies=[Depends(staff)])


@router.get("", response_class=HTMLResponse)
async def guide(request: Request, q: str = "", id: str = "", who: Who = Depends(staff)) -> HTMLResponse:
    """The guide, searched with the bot's own reading of the query as a hint."""
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
