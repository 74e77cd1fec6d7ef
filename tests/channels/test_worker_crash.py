"""A ``tamin-bot worker`` process killed (SIGKILL) while holding an update loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

from tests.channels.support import MessengerUser, bot_env, bot_server
from tests.support.services import redis_db

REDIS_DB8 = redis_db(8)
ROOT = Path(__file__).resolve().parents[2]


def _wait(cond, limit: float, what: str) -> None:
    t0 = time.time()
    while not cond():
        if time.time() - t0 > limit:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_killed_worker_loses_nothing(bot_api, kavenegar, redis_available):
    db = redis.Redis.from_url(REDIS_DB8)
    db.flushdb()
    env = bot_env(bot_api, kavenegar, REDIS_DB8, INGRESS_WORKERS="0", INGRESS_LEASE_SECONDS="1")
    with bot_server(env, with_app=True) as (url, app):
        worker = subprocess.Popen([str(ROOT / ".venv/bin/tamin-bot"), "worker", "--tasks", "2"],
                                  env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        started = threading.Event()

        def watch() -> None:
            for line in worker.stderr:
                if "worker started" in line:
                    started.set()

        threading.Thread(target=watch, daemon=True).start()
        try:
            _wait(started.is_set, 60, "the worker process to start")
            user = MessengerUser(url, bot_api, "telegram", "killed")
            bot_api.hold()
            assert user.post(user.text_update("/start")).status_code == 200
            _wait(lambda: any(str(c["params"].get("chat_id")) == str(user.uid) for c in bot_api.held), 20,
                  "the worker to hold the update")
            worker.send_signal(signal.SIGKILL)  # dies mid-send, holding the update and its lease
            worker.wait(5)
        finally:
            if worker.poll() is None:
                worker.kill()
            bot_api.release()
        assert user.sent() == []
        # another worker (here: in the server process) takes the expired lease over and delivers
        asyncio.run_coroutine_threadsafe(_start_workers(app), app.state.loop).result(5)
        _wait(lambda: len(user.sent()) >= 1, 15, "the update to be delivered by another worker")
        time.sleep(0.5)
        greeting = user.sent()
        assert len(greeting) == 1 and "reply_markup" in greeting[0]["params"]
        assert db.llen("tamin:ing:{q}:dead") == 0
        assert not [k for k in db.scan_iter("tamin:ing:{q}:in:*")]
    db.flushdb()


async def _start_workers(app) -> None:
    app.state.channels.start(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run with pytest")
