"""Faults: busy, down, slow and hanging back-ends; retries; the circuit breaker opening and recovering."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from tamin_helpers import NC, key

from integrations.tamin.breaker import CircuitBreaker
from integrations.tamin.client import TaminClient
from integrations.tamin.errors import Busy, Down


def fault(sim: httpx.Client, mode: str, **kw: object) -> None:
    """Install a fault in the simulator."""
    sim.post("/_sim/faults", json={"mode": mode, **kw}).raise_for_status()


async def test_busy_is_typed_after_retries(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "busy")
    with pytest.raises(Busy) as exc:
        await client.pension(NC["pensioner-retired"])
    assert exc.value.reason == "busy" and exc.value.message_key == "backend.reason.busy"


async def test_down_is_typed(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "fail")
    with pytest.raises(Down) as exc:
        await client.person(NC["pensioner-retired"])
    assert exc.value.reason == "upstream_failure"


async def test_a_passing_fault_is_retried_away(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "fail", count=2)  # two failures, the third attempt succeeds
    assert (await client.pension(NC["pensioner-retired"])).monthly_amount == 185_432_000


async def test_writes_without_a_key_are_not_retried(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "fail", count=1, path_prefix="/v1/otp")
    with pytest.raises(Down):
        await client.otp_send(NC["worker-insured"], "09120000105")
    assert (await client.otp_send(NC["worker-insured"], "09120000105")).ticket_id


async def test_keyed_writes_are_retried(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "busy", count=2, path_prefix="/v1/persons/0016383230/pension/certificate")
    cert = await client.pension_certificate(NC["pensioner-retired"], key())
    assert cert.verification_code


async def test_timeout_is_down_timeout(sim_url: str, sim: httpx.Client) -> None:
    fault(sim, "timeout")
    tamin = TaminClient(sim_url, timeout=0.2, retries=1, backoff=0.01)
    started = time.monotonic()
    try:
        with pytest.raises(Down) as exc:
            await tamin.pension(NC["pensioner-retired"])
    finally:
        await tamin.aclose()
    assert exc.value.reason == "timeout" and exc.value.message_key == "backend.reason.timeout"
    assert time.monotonic() - started < 2


async def test_slow_answers_within_the_timeout(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "slow", delay=0.2)
    started = time.monotonic()
    assert (await client.pension(NC["pensioner-retired"])).status == "active"
    assert time.monotonic() - started >= 0.2


async def test_fault_only_hits_its_path_prefix(client: TaminClient, sim: httpx.Client) -> None:
    fault(sim, "fail", path_prefix="/v1/workshops/")
    assert (await client.pension(NC["pensioner-retired"])).status == "active"
    with pytest.raises(Down):
        await client.workshop_debt("1012345678", NC["employer-with-debt"])


async def test_breaker_opens_fails_fast_and_recovers(sim_url: str, sim: httpx.Client) -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=0.3)
    tamin = TaminClient(sim_url, timeout=1.0, retries=0, breaker=breaker, backoff=0.01)
    try:
        fault(sim, "fail")
        for _ in range(2):
            with pytest.raises(Down):
                await tamin.person(NC["pensioner-retired"])
        assert breaker.state == "open"
        fault(sim, "ok")
        with pytest.raises(Down) as exc:  # fails fast although the back-end is fine again
            await tamin.person(NC["pensioner-retired"])
        assert exc.value.reason == "circuit_open"
        await asyncio.sleep(0.35)
        assert breaker.state == "half_open"
        assert (await tamin.person(NC["pensioner-retired"])).last_name == "کرمانی"
        assert breaker.state == "closed"
    finally:
        await tamin.aclose()


async def test_failed_trial_reopens_the_breaker(sim_url: str, sim: httpx.Client) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=0.2)
    tamin = TaminClient(sim_url, timeout=1.0, retries=0, breaker=breaker)
    try:
        fault(sim, "busy")
        with pytest.raises(Busy):
            await tamin.person(NC["pensioner-retired"])
        await asyncio.sleep(0.25)
        with pytest.raises(Busy):
            await tamin.person(NC["pensioner-retired"])  # the half-open trial fails
        assert breaker.state == "open"
    finally:
        await tamin.aclose()


async def test_business_errors_do_not_open_the_breaker(client: TaminClient) -> None:
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 - NotFound, any business error
            await client.pension(NC["worker-insured"])
    assert client.breaker.state == "closed"


async def test_unreachable_back_end_is_down(sim_url: str) -> None:
    tamin = TaminClient("http://127.0.0.1:9", timeout=0.5, retries=1, backoff=0.01)
    try:
        with pytest.raises(Down) as exc:
            await tamin.person(NC["pensioner-retired"])
        assert exc.value.reason == "unreachable"
    finally:
        await tamin.aclose()
