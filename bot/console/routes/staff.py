"""Staff accounts: a supervisor creates them and lifts lock-outs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot.console import auth
from bot.console.auth import Who
from bot.console.models import Staff
from bot.console.routes.common import Refused, audit, back, cfg, db, form_of, page, supervisor, valid_id

router = APIRouter(prefix="/console/staff", dependencies=[Depends(supervisor)])


@router.get("", response_class=HTMLResponse)
async def staff_page(request: Request, error: str = "", notice: str = "", who: Who = Depends(supervisor)) -> HTMLResponse:
    """Every account, and the form for a new one."""
    async with db(request).session() as s:
        staff = list(await s.scalars(select(Staff).order_by(Staff.role.desc(), Staff.username)))
    return page(request, "staff.html", who, staff=staff, error=error[:80] if error.isalpha() else "",
                notice=notice if notice.isalpha() else "", min_len=cfg(request).min_password_length)


@router.post("")
async def staff_create(request: Request, who: Who = Depends(supervisor)) -> Response:
    """A new agent or supervisor."""
    form = await form_of(request)
    try:
        created = await auth.create_staff(db(request), form.get("username", ""), form.get("password", ""),
                                          form.get("role", ""), form.get("display_name", "").strip()[:128],
                                          min_length=cfg(request).min_password_length)
    except ValueError:
        return back("/console/staff?error=invalid")
    await audit(request, who, "staff_created", f"staff:{created.username}", created.role)
    return back("/console/staff?notice=created")


@router.post("/{staff_id}/unlock")
async def staff_unlock(request: Request, staff_id: str, who: Who = Depends(supervisor)) -> Response:
    """Lift a lock-out."""
    sid = valid_id(staff_id)
    if sid is None:
        raise Refused("missing", 404)
    await auth.unlock(db(request), sid)
    await audit(request, who, "staff_unlocked", f"staff:{sid}", "")
    return back("/console/staff?notice=unlocked")
