"""The simulator's FastAPI app: the whole contract of openapi.yaml over the fixture world."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrations.tamin.simulator.errors import SimError
from integrations.tamin.simulator.faults import Faults
from integrations.tamin.simulator.limits import PerKeyLimit, control_allowed, local_path
from integrations.tamin.simulator.routes import banking, benefits, coverage, employers, people, public, sim
from integrations.tamin.simulator.world import World, today_source

CONTRACT = Path(__file__).resolve().parents[1] / "openapi.yaml"


def create_app(personas_path: str | Path | None = None, *, now: Any = None,
               public_base: str = "http://127.0.0.1:8080/sim", extra_path: str | Path | None = None,
               checks_per_minute: int | None = None, sim_token: str | None = None,
               verify_base: str | None = None) -> FastAPI:
    """An app serving the contract from personas.yml (+ extra.yml); `now` fixes 'today' for tests.

    `checks_per_minute` limits identity and IBAN-owner checks per national code (default
    TAMIN_SIM_CHECKS_PER_MINUTE or 120; 0: no limit); `sim_token` (default TAMIN_SIM_TOKEN) opens
    `/_sim/*` to a non-loopback client that sends it in X-Sim-Token; `verify_base` is where
    certificates' verify links point (default: the bot's address when mounted at `<bot>/sim`).
    """
    app = FastAPI(title="Tamin back-end simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.world = World(Path(personas_path) if personas_path else None,
                            Path(extra_path) if extra_path else None,
                            today=today_source(now), public_base=public_base, verify_base=verify_base)
    app.state.faults = Faults()
    app.state.checks = PerKeyLimit(checks_per_minute)
    for module in (people, banking, benefits, coverage, employers, public, sim):
        app.include_router(module.router)
    install_handlers(app)

    @app.middleware("http")
    async def guard_controls(request: Request, call_next: Any) -> Response:
        if local_path(request).startswith("/_sim") and not control_allowed(request, sim_token):
            error = SimError("forbidden", "not_loopback", "the simulator's controls answer only this machine")
            return JSONResponse(error.body(), status_code=403)
        return await call_next(request)

    @app.middleware("http")
    async def inject_faults(request: Request, call_next: Any) -> Response:
        faults: Faults = request.app.state.faults
        verdict = faults.judge(local_path(request))
        await faults.wait(verdict.delay)
        if verdict.status is not None:
            kind = "busy" if verdict.status == 503 else "down"
            error = SimError(kind, verdict.reason, f"simulated {verdict.reason}")
            headers = {"Retry-After": "1"} if verdict.status == 503 else None
            return JSONResponse(error.body(), status_code=verdict.status, headers=headers)
        return await call_next(request)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    @app.get("/openapi.yaml", include_in_schema=False)
    async def contract() -> Response:
        return Response(CONTRACT.read_bytes(), media_type="application/yaml")

    return app


def install_handlers(app: FastAPI) -> None:
    """Render every failure as the contract's typed error body."""

    @app.exception_handler(SimError)
    async def sim_error(_: Request, exc: SimError) -> JSONResponse:
        retry = exc.details.get("retry_after") if exc.status == 429 else None
        return JSONResponse(exc.body(), status_code=exc.status,
                            headers={"Retry-After": str(retry)} if retry else None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
        return JSONResponse(SimError("invalid", "bad_request", "request failed validation", errors=problems).body(),
                            status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind, reason = ("not_found", "no_route") if exc.status_code == 404 else ("invalid", "bad_request")
        return JSONResponse(SimError(kind, reason, str(exc.detail)).body(), status_code=exc.status_code)
