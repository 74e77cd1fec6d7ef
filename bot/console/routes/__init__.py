"""The console's routers, one per area; each declares its role once, as a dependency of the router."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from bot.console.routes import audit, calls, dashboard, guide, inbox, signin, staff
from bot.console.routes.common import register_errors

ROUTERS: tuple[APIRouter, ...] = (signin.public, signin.router, guide.router, calls.router, inbox.router,
                                  dashboard.router, audit.router, staff.router)


def include(app: FastAPI) -> None:
    """Mount every console router and the refusal pages."""
    for router in ROUTERS:
        app.include_router(router)
    register_errors(app)
