"""15.6: the simulator's switches answer only this machine (or a token); identity checks are rate-limited."""

from __future__ import annotations

import httpx
import pytest
from tamin_helpers import MOBILE, NC, sheba

from integrations.tamin.breaker import CircuitBreaker
from integrations.tamin.client import TaminClient
from integrations.tamin.errors import Busy
from integrations.tamin.simulator import create_app

PUBLIC = {"X-Forwarded-For": "203.0.113.9"}  # what a reverse proxy on 127.0.0.1 says of a public client


@pytest.mark.parametrize("path", ["/_sim/faults", "/_sim/reset", "/_sim/events"])
def test_a_public_client_cannot_flip_the_switches(sim: httpx.Client, path: str) -> None:
    body = {"mode": "fail"} if path.endswith("faults") else {"type": "debt_raised", "payload": {}}
    response = sim.post(path, json=body, headers=PUBLIC)
    assert response.status_code == 403 and response.json()["error"]["reason"] == "not_loopback"
    assert sim.get(f"/v1/persons/{NC['pensioner-retired']}").status_code == 200  # no fault was installed


def test_a_public_client_cannot_read_one_time_codes(sim: httpx.Client) -> None:
    ticket = sim.post("/v1/otp", json={"national_code": NC["pensioner-retired"],
                                       "mobile": MOBILE["pensioner-retired"]}).json()["ticket_id"]
    assert sim.get(f"/_sim/otp/{ticket}", headers=PUBLIC).status_code == 403
    assert sim.get(f"/_sim/otp/{ticket}").status_code == 200  # loopback, as the tests do


def test_loopback_keeps_working_unchanged(sim: httpx.Client) -> None:
    assert sim.post("/_sim/faults", json={"mode": "ok"}).status_code == 200
    assert sim.post("/_sim/reset").status_code == 200


async def test_the_token_opens_the_switches_to_a_remote_client() -> None:
    app = create_app(sim_token="s3cret-token")
    remote = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=remote, base_url="http://sim") as http:
        assert (await http.post("/_sim/faults", json={"mode": "ok"})).status_code == 403
        wrong = await http.post("/_sim/faults", json={"mode": "ok"}, headers={"X-Sim-Token": "guess"})
        assert wrong.status_code == 403
        right = await http.post("/_sim/faults", json={"mode": "ok"}, headers={"X-Sim-Token": "s3cret-token"})
        assert right.status_code == 200


async def test_identity_checks_are_limited_per_national_code() -> None:
    app = create_app(checks_per_minute=3)
    breaker = CircuitBreaker(failure_threshold=1)
    tamin = TaminClient("http://sim", transport=httpx.ASGITransport(app=app), breaker=breaker, retries=2)
    try:
        for _ in range(3):
            assert await tamin.identity_match(NC["pensioner-retired"], MOBILE["pensioner-retired"])
        with pytest.raises(Busy) as exc:
            await tamin.identity_match(NC["pensioner-retired"], "09129999999")
        assert exc.value.reason == "rate_limited" and exc.value.details["retry_after"] >= 1
        assert breaker.state == "closed"  # a throttled caller is not a failing back-end
        assert await tamin.identity_match(NC["worker-insured"], MOBILE["worker-insured"])  # others unaffected
        with pytest.raises(Busy):  # the Sheba-owner inquiry is the same kind of oracle
            for _ in range(4):
                await tamin.iban_owner(NC["worker-insured"], sheba())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
            limited = await http.post("/v1/identity/match", json={"national_code": NC["pensioner-retired"],
                                                                  "mobile": MOBILE["pensioner-retired"]})
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
            await http.post("/_sim/reset")  # a reset forgets the counts
        assert await tamin.identity_match(NC["pensioner-retired"], MOBILE["pensioner-retired"])
    finally:
        await tamin.aclose()


def test_the_default_limit_is_generous_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert create_app().state.checks.per_minute >= 100
    monkeypatch.setenv("TAMIN_SIM_CHECKS_PER_MINUTE", "7")
    assert create_app().state.checks.per_minute == 7
    assert create_app(checks_per_minute=0).state.checks.per_minute == 0  # 0: no limit


def test_mounted_in_the_bot_the_switches_are_guarded_too() -> None:
    """The embedded default mounts the simulator at /sim: the guard must see through the mount."""
    from bot.app import create_app as create_bot
    from bot.settings import Settings
    from tests.support.servers import ServerThread, free_port

    port = free_port()
    settings = Settings(tamin_backend_url=None, public_base_url=f"http://127.0.0.1:{port}", kavenegar_api_key=None,
                        telegram_bot_token=None, bale_bot_token=None, redis_url=None, modules="")
    with ServerThread(create_bot(settings), port) as server:
        public = httpx.post(f"{server.url}/sim/_sim/faults", json={"mode": "fail"}, headers=PUBLIC, timeout=20)
        assert public.status_code == 403, public.text
        assert httpx.get(f"{server.url}/sim/v1/persons/{NC['pensioner-retired']}", timeout=20).status_code == 200
        assert httpx.post(f"{server.url}/sim/_sim/faults", json={"mode": "ok"}, timeout=20).status_code == 200
