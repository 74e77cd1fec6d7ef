"""Operations: Prometheus metrics, health and readiness, request ids in the logs."""

from __future__ import annotations

from fastapi import FastAPI

from bot.ops.health import install_health
from bot.ops.metrics import install_metrics
from bot.ops.requests import install_request_ids


def install(app: FastAPI, settings) -> None:
    """Add ``/metrics``, ``/healthz``, ``/readyz`` and request ids to the app."""
    install_request_ids(app)
    install_metrics(app)
    install_health(app)
