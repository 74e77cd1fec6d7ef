"""The cross-door link's own rules (issue 20.2): a hashed key, no raw mobile, the proof's expiry kept."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.engine.linked import link_key
from bot.engine.messages import Channel
from tests.flows.harness import Person, make_engine

WORKER, MOBILE = "0053081617", "09120000105"


@pytest.fixture
async def engine(simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    engine = make_engine(simulator_url, otp_max_sends=100)
    yield engine
    await engine.deps.api.aclose()


async def _proven_on_telegram(engine) -> Person:
    tg = Person(engine, "7001", Channel.TELEGRAM)
    await tg.say("غرامت بیماری")
    await tg.say(WORKER)
    await tg.say(MOBILE)
    answer = await tg.say(tg.code(MOBILE))
    assert "change" in tg.buttons(), answer  # the dates on record offered, the claim open
    return tg


async def test_the_link_is_keyed_by_a_hash_and_keeps_no_raw_mobile(engine):
    await _proven_on_telegram(engine)
    key = link_key(MOBILE)
    assert MOBILE not in key and MOBILE[1:] not in key
    assert link_key("+98" + MOBILE[1:]) == key  # one person, however the number is written
    link = await engine.deps.store.load(key)
    assert link.identity.national_code == WORKER and MOBILE not in link.dumps()
    tg = await engine.deps.store.load("telegram:7001")
    assert abs(link.identity.until - tg.identity.until) < 2, "the link keeps the proof's own expiry"


async def test_an_expired_proof_is_not_borrowed_by_sms(engine):
    await _proven_on_telegram(engine)
    key = link_key(MOBILE)
    link = await engine.deps.store.load(key)
    link.identity.until = time.time() - 1
    await engine.deps.store.save(key, link)
    sms = Person(engine, MOBILE, Channel.SMS)
    answer = await sms.say("سلام")
    assert "ادامه درخواست" not in answer, answer
    answer = await sms.say("وضعیت من")
    assert "کد ملی" in answer, answer


async def test_sms_borrows_the_proof_until_it_expires(engine):
    tg = await _proven_on_telegram(engine)
    sms = Person(engine, MOBILE, Channel.SMS)
    assert "ادامه درخواست غرامت بیماری؟" in await sms.say("سلام")
    session = await engine.deps.store.load(f"sms:{MOBILE}")
    proof = await engine.deps.store.load("telegram:7001")
    assert session.identity.until == pytest.approx(proof.identity.until, abs=2)
    assert session.identity.mobile == MOBILE
    assert tg.user != sms.user
