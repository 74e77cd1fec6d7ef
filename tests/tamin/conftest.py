"""Fixtures of the back-end tests: the simulator on a loopback port (real HTTP) and a client to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn

from integrations.tamin.breaker import CircuitBreaker
from integrations.tamin.client import TaminClient
from integrations.tamin.simulator import create_app

TODAY = "1405-09-04"  # fixed so the rules' ages and half-years don't drift with the real date


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    """The simulator served by uvicorn in a thread for the whole session."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(now=TODAY, public_base=base)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("simulator did not start")
        time.sleep(0.02)
    yield base
    httpx.post(f"{base}/_sim/reset")
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def sim(sim_url: str) -> Iterator[httpx.Client]:
    """A plain HTTP client to the simulator (its /_sim controls and public pages)."""
    with httpx.Client(base_url=sim_url, timeout=5) as client:
        yield client


@pytest.fixture(autouse=True)
def fresh_world(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reset the simulator's world and faults around every test that uses it."""
    if "sim_url" not in request.fixturenames:
        yield
        return
    control: httpx.Client = request.getfixturevalue("sim")
    control.post("/_sim/reset").raise_for_status()
    yield
    control.post("/_sim/reset").raise_for_status()


@pytest.fixture
async def client(sim_url: str) -> AsyncIterator[TaminClient]:
    """The client under test, with fast backoff and a fresh breaker."""
    tamin = TaminClient(sim_url, timeout=1.0, retries=2, breaker=CircuitBreaker(failure_threshold=3, reset_timeout=0.3),
                        backoff=0.01)
    yield tamin
    await tamin.aclose()

