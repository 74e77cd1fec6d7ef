"""``/healthz`` says the process lives; ``/readyz`` checks Redis, the database and the back-end."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from fastapi.responses import JSONResponse

log = logging.getLogger("tamin.health")


async def _check_store(engine) -> str:
    redis = getattr(engine.deps.store, "redis", None)
    if redis is None:
        return "memory"
    await redis.ping()
    return "ok"


async def _check_database(app: FastAPI) -> str:
    db = getattr(app.state, "db", None)
    if db is None:
        return "none"
    await db.ping()
    return "ok"


async def _check_backend(engine) -> str:
    http = getattr(engine.deps.api, "_http", None)
    if http is None:
        return "unknown"
    response = await http.get("/healthz", timeout=2.0)
    if response.status_code >= 500:
        raise RuntimeError(f"back-end answered {response.status_code}")
    return "ok"


def install_health(app: FastAPI) -> None:
    """Register the liveness and readiness endpoints."""

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        engine = app.state.engine
        checks = {"redis": _check_store(engine), "database": _check_database(app), "backend": _check_backend(engine)}
        result: dict[str, str] = {}
        ok = True
        for name, check in checks.items():
            try:
                result[name] = await asyncio.wait_for(check, 3.0)
            except Exception as exc:  # any failure means not ready
                ok = False
                result[name] = f"down: {type(exc).__name__}"
                log.warning("readiness: %s down (%s)", name, type(exc).__name__)
        return JSONResponse({"ready": ok, "checks": result}, status_code=200 if ok else 503)
