"""A worker process killed with SIGKILL in the middle of sending: another worker delivers its notices, once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.engine.messages import Channel, Inbound
from bot.notify.hooks import NotifyHooks
from tests.notify.conftest import TOKEN, drain
from tests.notify.events import article38

ROOT = Path(__file__).resolve().parents[2]


async def test_a_killed_workers_notices_are_sent_by_another_exactly_once(make_notify, bot_api, kavenegar,
                                                                        redis9, database):
    notify = make_notify(lease_seconds=1.0, claim_idle_seconds=0.5)
    await notify.prepare()
    hooks = NotifyHooks(notify.ledger)
    events = []
    for i in range(5):
        nc = f"{3000000000 + i}"
        await hooks.identified(Inbound(Channel.TELEGRAM, f"55{i}"), nc, "")
        events.append(article38(f"KILL-{i}", nc=nc, mobile=f"0915000{i:04d}"))
    await notify.intake.accept(events, "webhook")
    bot_api.hold()  # every send hangs: the worker is killed with all five in flight
    env = {**os.environ, "REDIS_URL": redis9, "DATABASE_URL": database.url, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE": bot_api.url, "KAVENEGAR_API_KEY": "k" * 24, "KAVENEGAR_API_BASE": kavenegar.url,
           "NOTIFY_LIMITS": "false", "NOTIFY_LEASE_SECONDS": "1", "NOTIFY_QUIET_START": "00:00",
           "NOTIFY_QUIET_END": "00:00", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "notify", "worker"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120  # a worker process starts slowly on a busy machine
        while len(bot_api.held) < 5 and time.time() < deadline:
            await asyncio.sleep(0.05)
        assert len(bot_api.held) == 5
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    bot_api.release()
    assert [r["state"] for r in await notify.ledger.notices()] == ["sending"] * 5
    await asyncio.sleep(1.1)
    await drain(notify, consumer="survivor")
    sent = [str(c["params"]["chat_id"]) for c in bot_api.calls_of("sendMessage") if c["status"] == 200]
    assert sorted(sent) == [f"55{i}" for i in range(5)]
    assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}
