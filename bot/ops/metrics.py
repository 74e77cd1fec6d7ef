"""Prometheus metrics: messages, turn and NLU latency, back-end calls, queues, notices, handoffs."""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from bot.engine.hooks import Hooks

MESSAGES_IN = Counter("tamin_messages_in_total", "Messages received", ["channel"])
MESSAGES_OUT = Counter("tamin_messages_out_total", "Messages answered", ["channel"])
TURN_SECONDS = Histogram("tamin_turn_seconds", "Engine time per turn", ["channel"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
NLU_SECONDS = Histogram("tamin_nlu_seconds", "NLU parse time",
                        buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25))
BACKEND_SECONDS = Histogram("tamin_backend_seconds", "Back-end call time", ["method", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BACKEND_ERRORS = Counter("tamin_backend_errors_total", "Back-end calls that failed", ["kind"])
FLOWS = Counter("tamin_flows_total", "Service flows by outcome", ["flow", "outcome"])
HANDOFFS = Counter("tamin_handoffs_total", "Conversations handed to a human", ["reason"])
HANDOFFS_WAITING = Gauge("tamin_handoffs_waiting", "Handed-off conversations waiting for an agent")
QUEUE_DEPTH = Gauge("tamin_queue_depth", "Items waiting in a queue", ["queue"])
NOTICES = Gauge("tamin_notices", "Notices by state", ["state"])

# read at scrape time: name -> async callable returning a number or {label: number}
GAUGE_SOURCES: dict[str, Any] = {}


class MetricsHooks(Hooks):
    """Counts what the engine does."""

    async def timed(self, inbound, seconds):
        TURN_SECONDS.labels(inbound.channel.value).observe(seconds)

    async def turn(self, inbound, out, flow):
        MESSAGES_IN.labels(inbound.channel.value).inc()
        MESSAGES_OUT.labels(inbound.channel.value).inc(len(out))

    async def flow_started(self, inbound, flow):
        FLOWS.labels(flow, "started").inc()

    async def flow_ended(self, inbound, flow, outcome, step):
        FLOWS.labels(flow, outcome).inc()

    async def handoff(self, inbound, reason):
        HANDOFFS.labels(reason).inc()


class TimedNLU:
    """The engine's understander with its parse time measured."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.threshold = inner.threshold

    async def parse(self, text: str):
        started = time.perf_counter()
        try:
            return await self.inner.parse(text)
        finally:
            NLU_SECONDS.observe(time.perf_counter() - started)


def observe_backend(api: Any) -> None:
    """Time every HTTP call the back-end client makes (through httpx's event hooks)."""
    http = getattr(api, "_http", None)
    if http is None:
        return

    async def on_request(request):
        request.extensions["tamin_started"] = time.perf_counter()

    async def on_response(response):
        started = response.request.extensions.get("tamin_started")
        if started is not None:
            BACKEND_SECONDS.labels(response.request.method, str(response.status_code // 100) + "xx").observe(
                time.perf_counter() - started)
        if response.status_code >= 500:
            BACKEND_ERRORS.labels("http_" + str(response.status_code)).inc()

    http.event_hooks["request"].append(on_request)
    http.event_hooks["response"].append(on_response)


async def _refresh_gauges() -> None:
    for name, source in list(GAUGE_SOURCES.items()):
        try:
            value = await source()
        except Exception:
            continue
        gauge = {"handoffs_waiting": HANDOFFS_WAITING}.get(name)
        if gauge is not None and isinstance(value, (int, float)):
            gauge.set(value)
        elif name == "notices" and isinstance(value, dict):
            for state, n in value.items():
                NOTICES.labels(state).set(n)
        elif isinstance(value, dict):
            for queue, n in value.items():
                QUEUE_DEPTH.labels(queue).set(n)
        elif isinstance(value, (int, float)):
            QUEUE_DEPTH.labels(name).set(value)


def install_metrics(app: FastAPI) -> None:
    """Hook the counters into the engine and serve ``/metrics``."""
    engine = app.state.engine
    events = engine.deps.events
    if events is not None and hasattr(events, "add"):
        events.add(MetricsHooks())
    if not isinstance(engine.deps.nlu, TimedNLU):
        engine.deps.nlu = TimedNLU(engine.deps.nlu)
    observe_backend(engine.deps.api)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        await _refresh_gauges()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
