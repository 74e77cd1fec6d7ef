"""A retried write with the same key returns the same result and creates nothing twice."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tamin_helpers import DEBT_SHOP, NC, key, sheba

from integrations.tamin.client import TaminClient
from integrations.tamin.errors import Conflict


async def test_same_key_same_result_nothing_created_twice(client: TaminClient) -> None:
    k = key()
    nc = NC["worker-insured"]
    first = await client.add_dependent(nc, NC["new-child"], "child", k)
    again = await client.add_dependent(nc, NC["new-child"], "child", k)
    assert again == first
    assert [d.national_code for d in await client.dependents(nc)].count(NC["new-child"]) == 1


async def test_retried_claim_keeps_its_tracking_number(client: TaminClient) -> None:
    k = key()
    args = (NC["worker-insured"], "1405-08-10", "1405-08-20", "1405-08-10", "LAB-7", sheba())
    first = await client.sick_pay_claim(*args, idempotency_key=k)
    second = await client.sick_pay_claim(*args, idempotency_key=k)
    assert second.tracking_number == first.tracking_number and second == first


async def test_retried_payment_order_and_objection(client: TaminClient, sim: httpx.Client) -> None:
    actor, k1, k2 = NC["employer-with-debt"], key(), key()
    p1 = await client.debt_payment(DEBT_SHOP, actor, k1, item_ids=["D2"])
    p2 = await client.debt_payment(DEBT_SHOP, actor, k1, item_ids=["D2"])
    assert p1.payment_id == p2.payment_id
    o1 = await client.file_objection(DEBT_SHOP, actor, "D3", "wrong_amount", "متن", k2)
    o2 = await client.file_objection(DEBT_SHOP, actor, "D3", "wrong_amount", "متن", k2)
    assert o1.number == o2.number and len(await client.objections(DEBT_SHOP, actor)) == 1
    events = sim.get("/v1/events").json()["events"]
    assert [e["type"] for e in events].count("objection_filed") == 1


async def test_certificates_and_contracts_are_replayed(client: TaminClient) -> None:
    k = key()
    c1 = await client.pension_certificate(NC["pensioner-retired"], k)
    c2 = await client.pension_certificate(NC["pensioner-retired"], k)
    assert c1.verification_code == c2.verification_code
    k = key()
    v1 = await client.voluntary_contract(NC["former-insured-40"], 200_000_000, k)
    v2 = await client.voluntary_contract(NC["former-insured-40"], 200_000_000, k)
    assert v1 == v2
    m1 = await client.military_request(NC["worker-insured"], 21, k2 := key())
    assert await client.military_request(NC["worker-insured"], 21, k2) == m1


async def test_same_key_other_body_is_a_conflict(client: TaminClient) -> None:
    k = key()
    await client.voluntary_contract(NC["former-insured-40"], 200_000_000, k)
    with pytest.raises(Conflict) as exc:
        await client.voluntary_contract(NC["former-insured-40"], 300_000_000, k)
    assert exc.value.reason == "idempotency_key_reused"
    assert exc.value.message_key == "backend.reason.idempotency_key_reused"
    with pytest.raises(Conflict):
        await client.pension_certificate(NC["pensioner-retired"], k)  # same key, another path


async def test_same_key_other_actor_is_a_conflict(client: TaminClient) -> None:
    k = key()
    await client.accept_e_notice(DEBT_SHOP, NC["employer-with-debt"], k)
    with pytest.raises(Conflict):
        await client.accept_e_notice(DEBT_SHOP, NC["representative"], k)


async def test_failures_are_not_stored(client: TaminClient, sim: httpx.Client) -> None:
    k = key()
    sim.post("/_sim/faults", json={"mode": "fail", "count": 10, "path_prefix": "/v1/persons/0148889336"})
    with pytest.raises(Exception):  # noqa: B017 - Down after the retries
        await client.fractional_contract(NC["worker-fractional"], k)
    sim.post("/_sim/faults", json={"mode": "ok"})
    first = await client.fractional_contract(NC["worker-fractional"], k)
    assert (await client.fractional_contract(NC["worker-fractional"], k)) == first


async def test_a_write_whose_answer_was_lost_is_retried_without_duplicates(sim_url: str, sim: httpx.Client) -> None:
    nc = NC["worker-insured"]
    # the first attempt is held past the client's timeout and then still performed by the back-end
    sim.post("/_sim/faults", json={"mode": "slow", "delay": 0.6, "count": 1,
                                   "path_prefix": f"/v1/persons/{nc}/dependents"}).raise_for_status()
    tamin = TaminClient(sim_url, timeout=0.3, retries=2, backoff=0.01)
    try:
        dep = await tamin.add_dependent(nc, NC["father-65"], "father", key())
        assert dep.relation == "father"
        await asyncio.sleep(0.5)  # let the held first attempt run
        codes = [d.national_code for d in await tamin.dependents(nc)]
    finally:
        await tamin.aclose()
    assert codes.count(NC["father-65"]) == 1
