"""The audit log: who looked at which citizen's record, when and why (itself audited when read)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from bot.console.auth import Who
from bot.console.models import Audit
from bot.console.routes.common import audit, db, page, supervisor

router = APIRouter(prefix="/console/audit", dependencies=[Depends(supervisor)])


@router.get("", response_class=HTMLResponse)
async def audit_page(request: Request, q: str = "", offset: int = 0, who: Who = Depends(supervisor)) -> HTMLResponse:
    """A hundred rows, newest first, filtered by user, record or action."""
    q = q.strip()[:64]
    offset = min(max(0, offset), 10**9)
    async with db(request).session() as s:
        stmt = select(Audit).order_by(Audit.at.desc(), Audit.id.desc())
        if q:
            like = f"%{q}%"
            stmt = stmt.where(Audit.username.like(like) | Audit.record.like(like) | Audit.action.like(like))
        rows = list(await s.scalars(stmt.offset(offset).limit(100)))
        total = await s.scalar(select(func.count()).select_from(Audit))
    await audit(request, who, "view_audit", f"q:{q}" if q else "", "")
    return page(request, "audit.html", who, rows=rows, q=q, offset=offset, total=total or 0)
