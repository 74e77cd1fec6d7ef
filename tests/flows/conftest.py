"""Fixtures for the in-process flow tests."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.harness import make_engine


@pytest.fixture
async def engine(simulator_url):
    """An engine on a freshly reset simulator (a memory store of its own)."""
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    engine = make_engine(simulator_url)
    yield engine
    await engine.deps.api.aclose()
