"""The composition root: builds the engine and its services from settings, and the HTTP app."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.channels import web
from bot.channels.outbox import DevOutbox
from bot.engine.catalog import t
from bot.engine.context import Deps
from bot.engine.dialogue import Engine
from bot.engine.hooks import MultiHooks
from bot.engine.store import MemoryStore, RedisStore
from bot.engine.understand import Understander
from bot.flows.failures import from_backend
from bot.flows.registry import load_flows
from bot.ops.perimeter import Perimeter, WindowLimiter
from bot.settings import Settings, get_settings

log = logging.getLogger("tamin.app")

Hook = Callable[[FastAPI], Awaitable[None]]
FONTS = Path(__file__).resolve().parents[1] / "integrations" / "tamin" / "fonts"


def build_backend(settings: Settings, app: FastAPI | None = None):
    """The back-end client: over HTTP to ``TAMIN_BACKEND_URL``, or to the simulator in-process."""
    from integrations.tamin.client import TaminClient

    if settings.tamin_backend_url:
        return TaminClient(settings.tamin_backend_url, timeout=settings.tamin_backend_timeout,
                           verify_base=settings.public_base_url), None
    from integrations.tamin.simulator import create_app as create_simulator

    sim = create_simulator(public_base=settings.public_base_url.rstrip("/") + "/sim")
    client = TaminClient("http://simulator", timeout=settings.tamin_backend_timeout,
                         transport=httpx.ASGITransport(app=sim), verify_base=settings.public_base_url)
    return client, sim


def build_store(settings: Settings):
    """Sessions in Redis when configured, else in memory."""
    if settings.redis_url:
        return RedisStore.from_url(settings.redis_url, ttl=settings.session_ttl_seconds, cluster=settings.redis_cluster)
    return MemoryStore(ttl=settings.session_ttl_seconds)


class NoSmsGateway:
    """A messenger without an SMS gateway: nothing is sent by SMS, and nothing is kept to be shown."""

    async def send_otp(self, mobile: str, code: str) -> None:
        raise RuntimeError("no SMS gateway is configured")

    async def send_text(self, mobile: str, text: str) -> None:
        raise RuntimeError("no SMS gateway is configured")


def build_sms(settings: Settings):
    """Kavenegar when an API key is set; the local dev outbox only where development parts may run."""
    if settings.sms_gateway_configured:
        from bot.channels.sms import KavenegarGateway

        return KavenegarGateway.from_settings(settings)
    if settings.dev_parts:
        return DevOutbox()
    return NoSmsGateway()


def announce_dev_parts(settings: Settings, outbox: bool, simulator: bool) -> None:
    """Say at start-up, loudly, which development parts are on."""
    parts = [name for name, on in (("the SMS dev outbox at /dev/outbox (one-time codes readable)", outbox),
                                   ("the back-end simulator at /sim (test data)", simulator and settings.dev_parts))
             if on]
    why = "TAMIN_DEV=1" if settings.tamin_dev and not settings.embedded_default else "the embedded default"
    if parts:
        log.warning("DEVELOPMENT PARTS ON (%s): %s", why, "; ".join(parts))
    elif simulator:
        log.warning("TAMIN_BACKEND_URL is unset: answers come from the built-in simulator (test data) although a "
                    "real gateway or messenger is configured; of /sim only its documents and payment pages are "
                    "served (set TAMIN_BACKEND_URL for real data, TAMIN_DEV=1 for the whole simulator)")
    if settings.messenger_configured and not settings.sms_gateway_configured and not settings.dev_parts:
        log.warning("no SMS gateway (KAVENEGAR_API_KEY) is configured: one-time codes cannot be sent")


def build_engine(settings: Settings, *, api=None, store=None, sms=None, nlu=None, hooks=None) -> Engine:
    """An engine with every service built from settings unless given."""
    deps = Deps(
        api=api if api is not None else build_backend(settings)[0],
        sms=sms if sms is not None else build_sms(settings),
        store=store if store is not None else build_store(settings),
        settings=settings,
        nlu=nlu if nlu is not None else Understander.default(settings.rasa_url, settings.nlu_threshold),
        events=hooks if hooks is not None else MultiHooks(),
        failures=from_backend,
    )
    return Engine(deps, load_flows())


def create_app(settings: Settings | None = None, **overrides) -> FastAPI:
    """The bot's HTTP app: web chat, API, webhooks, dev outbox and the embedded simulator."""
    settings = settings or get_settings()
    api, sim = overrides.pop("api", None), None
    if api is None:
        api, sim = build_backend(settings)
    engine = build_engine(settings, api=api, **overrides)
    starts: list[Hook] = []
    stops: list[Hook] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for hook in starts:
            await hook(app)
        try:
            yield
        finally:
            for hook in reversed(stops):
                try:
                    await hook(app)
                except Exception:
                    log.exception("shutdown hook failed")
            await _close(engine)

    app = FastAPI(title="Tamin conversational front door", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.on_start = starts
    app.state.on_stop = stops
    web.install(app)
    app.state.dev_outbox = _dev_routes(app, engine, settings)
    _verify_route(app, settings)
    _nlu_routes(app)
    _install_optional(app, settings)
    _install_senders(app)
    if FONTS.is_dir():
        app.mount("/static/fonts", StaticFiles(directory=str(FONTS)), name="fonts")
    mounted = sim is not None
    if mounted:  # the perimeter keeps its API to loopback, or, outside development, serves only its documents
        app.mount("/sim", sim)
    announce_dev_parts(settings, app.state.dev_outbox, mounted)
    app.add_middleware(Perimeter, settings=settings)  # outermost: limits bodies before anything reads them
    return app


async def _close(engine: Engine) -> None:
    for closer in (getattr(engine.deps.api, "aclose", None), getattr(engine.deps.store, "close", None),
                   getattr(engine.deps.sms, "aclose", None)):
        if closer is not None:
            try:
                await closer()
            except Exception:
                log.exception("close failed")


def _dev_routes(app: FastAPI, engine: Engine, settings: Settings) -> bool:
    """``/dev/outbox`` where development parts may run and the dev outbox is the SMS gateway."""
    sms = engine.deps.sms
    if not isinstance(sms, DevOutbox) or not settings.dev_parts:
        return False

    @app.get("/dev/outbox")
    async def outbox(request: Request) -> Response:
        """What the bot would have sent by SMS, oldest first (only while no gateway is set)."""
        messages = list(sms.messages)
        if "text/html" in request.headers.get("accept", ""):
            return web.templates.TemplateResponse(request, "outbox.html", {
                "title": t("web.outbox_title"), "note": t("web.outbox_note"), "empty": t("web.outbox_empty"),
                "messages": list(reversed(messages)),
            })
        return JSONResponse({"messages": messages})

    return True


def _verify_route(app: FastAPI, settings: Settings) -> None:
    """``/verify/{code}`` (a Persian page, JSON when asked; a few a minute per client) and ``/healthz``."""
    from bot.channels import verify_page

    app.state.verify_limiter = WindowLimiter(settings.verify_per_minute, 60.0)
    verify_page.install(app)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}


def _nlu_routes(app: FastAPI) -> None:
    try:
        from bot.nlu.http import router as nlu_router
    except ImportError:
        return
    app.include_router(nlu_router)


def _install_senders(app: FastAPI) -> None:
    """``app.state.senders[channel]``: push messages (agent replies) through each door the app has."""
    from bot.channels.senders import senders

    if not hasattr(app.state, "senders"):
        app.state.senders = {}
    app.state.senders.update(senders(app))


def _install_optional(app: FastAPI, settings: Settings) -> None:
    """Channels and services that install themselves when their module is present."""
    import importlib

    known = {"messenger": "bot.channels.messenger", "sms": "bot.channels.sms", "notify": "bot.notify",
             "console": "bot.console", "ops": "bot.ops"}
    wanted = [m.strip() for m in settings.modules.split(",") if m.strip()]
    if not (settings.telegram_bot_token or settings.bale_bot_token) and "messenger" in wanted:
        wanted.remove("messenger")  # no messenger configured: do not even import aiogram
    for name in (known[m] for m in wanted if m in known):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        install = getattr(module, "install", None)
        if install is not None:
            install(app, settings)
