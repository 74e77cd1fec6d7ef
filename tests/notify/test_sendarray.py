"""SMS notices of a batch go in one Kavenegar ``sendarray`` request, never twice, and the reply numbers of the
whole batch are kept in the people's sessions in a couple of Redis round trips."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest

from bot.engine.session import FlowState, Session
from tests.notify.conftest import drain
from tests.notify.events import article38

N = 30
SHARED_FAKES = Path(__file__).resolve().parents[3] / "shared" / "acceptance" / "fakes.py"


def people(n: int = N, first: int = 0) -> list:
    return [article38(f"SA-{i}", nc=f"{2100000000 + i}", mobile=f"0916000{i:04d}") for i in range(first, first + n)]


async def test_a_batch_of_sms_notices_is_one_sendarray_request_with_the_ledger_ids(make_notify, kavenegar):
    notify = make_notify(batch=100)
    await notify.prepare()
    await notify.intake.accept(people(), "webhook")
    await drain(notify)
    arrays = [c for c in kavenegar.calls_of("sms/sendarray") if "failed" not in c]
    assert len(arrays) == 1 and kavenegar.calls_of("sms/send") == []
    texts = kavenegar.messages()
    assert sorted(c["params"]["receptor"] for c in texts) == [f"0916000{i:04d}" for i in range(N)]  # each once
    assert all("۱ را بفرستید" in c["params"]["message"] for c in texts)
    rows = await notify.ledger.notices()
    assert {r["state"] for r in rows} == {"sent"}
    # the ledger id went as each message's local id: Kavenegar can be asked about each one later
    assert {str(r["id"]): r["provider_id"] for r in rows} == {k: str(v) for k, v in kavenegar.by_localid.items()}


async def test_a_sendarray_that_went_out_before_a_crash_is_not_sent_again(make_notify, kavenegar):
    from bot.notify.render import render

    notify = make_notify(claim_idle_seconds=0.3, lease_seconds=0.5, batch=100)
    await notify.prepare()
    await notify.intake.accept(people(10), "webhook")
    dead = notify.queue("dead-worker")
    taken = await dead.read(100, 10)
    notices = [e.notice for e in taken]
    assert await notify.ledger.take([n.id for n in notices], 0.5, notify.clock()) == {n.id for n in notices}
    went = await notify.senders["sms"].send_many(notices, [render(n) for n in notices])
    assert all(isinstance(w, str) for w in went)  # accepted by Kavenegar, then killed before the ledger knew
    await asyncio.sleep(0.6)
    await drain(notify, consumer="survivor")
    assert sorted(c["params"]["receptor"] for c in kavenegar.messages()) == [f"0916000{i:04d}" for i in range(10)]
    assert len(kavenegar.calls_of("sms/sendarray")) == 1
    rows = await notify.ledger.notices()
    assert {r["state"] for r in rows} == {"sent"}
    assert {str(r["id"]): r["provider_id"] for r in rows} == {k: str(v) for k, v in kavenegar.by_localid.items()}


async def test_a_sendarray_answered_too_late_is_looked_up_not_sent_again(make_notify, kavenegar):
    notify = make_notify(batch=100, send_timeout_seconds=0.5)
    await notify.prepare()
    kavenegar.delay("sms/sendarray", 1.5)  # it went out; the answer comes after the worker gave up waiting
    await notify.intake.accept(people(8), "webhook")
    await drain(notify)
    assert sorted(c["params"]["receptor"] for c in kavenegar.messages()) == [f"0916000{i:04d}" for i in range(8)]
    assert len(kavenegar.calls_of("sms/sendarray")) == 1 and kavenegar.calls_of("sms/statuslocalmessageid")
    assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}


async def test_where_sendarray_is_unknown_each_notice_goes_alone_and_later_batches_do_not_ask_again(
        make_notify, kavenegar):
    notify = make_notify(batch=100)
    await notify.prepare()
    kavenegar.fail("sms/sendarray", 404)  # «unknown method», as the shared acceptance fake answers
    await notify.intake.accept(people(5), "webhook")
    d = notify.dispatcher("one")
    await d.queue.ensure_group()
    await d.step()
    await notify.intake.accept(people(5, first=5), "webhook")
    await d.step()
    assert len(kavenegar.calls_of("sms/sendarray")) == 1  # asked once, then one by one
    assert sorted(c["params"]["receptor"] for c in kavenegar.messages()) == [f"0916000{i:04d}" for i in range(10)]
    assert len(kavenegar.calls_of("sms/send")) == 10
    assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}


@pytest.mark.skipif(not SHARED_FAKES.exists(), reason="../shared/acceptance/fakes.py not beside the checkout")
async def test_the_shared_acceptance_fake_kavenegar_still_gets_every_sms(bot_api, redis9, database):
    from bot.notify.config import NotifySettings
    from bot.notify.runtime import Notify
    from tests.notify.conftest import settings_for

    spec = importlib.util.spec_from_file_location("shared_fakes", SHARED_FAKES)
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    fake = shared.FakeKavenegar()
    fake.url = f"http://127.0.0.1:{fake.port}"
    notify = Notify.from_settings(settings_for(bot_api, fake, redis9), database, cfg=NotifySettings(
        limits=False, block_ms=50, quiet_start="00:00", quiet_end="00:00", batch=100))
    try:
        await notify.prepare()
        await notify.intake.accept(people(6), "webhook")
        await drain(notify)
        sends = [c for c in fake.calls if c["method"] == "sms/send"]
        assert sorted(c["params"]["receptor"] for c in sends) == [f"0916000{i:04d}" for i in range(6)]
        assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}
    finally:
        await notify.aclose()
        fake.stop()


class Trips:
    """Counts the Redis round trips of a client: single commands and pipelines."""

    def __init__(self, redis) -> None:
        self.n = 0
        orig_cmd, orig_pipe = redis.execute_command, redis.pipeline

        async def command(*args, **kw):
            self.n += 1
            return await orig_cmd(*args, **kw)

        def pipeline(*args, **kw):
            pipe = orig_pipe(*args, **kw)
            orig_exec = pipe.execute

            async def execute(*a, **k):
                self.n += 1
                return await orig_exec(*a, **k)

            pipe.execute = execute
            return pipe

        redis.execute_command, redis.pipeline = command, pipeline


async def test_the_reply_numbers_of_a_batch_take_a_few_round_trips_and_spare_a_service_in_progress(
        make_notify, kavenegar):
    notify = make_notify(batch=100)
    await notify.prepare()
    busy = "sms:09160000003"
    await notify.store.save(busy, Session(flow=FlowState("pension_status"), choices=["yes", "no"]))
    await notify.intake.accept(people(20), "webhook")
    trips = Trips(notify.store.redis)
    await drain(notify)
    assert trips.n <= 4, f"{trips.n} Redis round trips to keep the reply numbers of 20 people"
    for i in range(20):
        session = await notify.store.load(f"sms:0916000{i:04d}")
        want = ["yes", "no"] if i == 3 else ["svc:article38|contract=1404-3817"]
        assert session.choices == want
    [busy_text] = kavenegar.texts_to("09160000003")
    assert "بفرستید" not in busy_text
    assert all("۱ را بفرستید" in kavenegar.texts_to(f"0916000{i:04d}")[0] for i in range(20) if i != 3)


async def test_stream_entries_in_either_form_are_sent_once(make_notify, kavenegar):
    compact = make_notify(compact_entries=True, batch=100)
    wide = make_notify(batch=100)
    await compact.prepare()
    await compact.intake.accept(people(3), "webhook")  # one JSON field an entry
    await wide.intake.accept(people(3, first=3), "webhook")  # field by field, as older releases write
    await drain(compact)
    assert sorted(c["params"]["receptor"] for c in kavenegar.messages()) == [f"0916000{i:04d}" for i in range(6)]
    assert {r["state"] for r in await compact.ledger.notices()} == {"sent"}
