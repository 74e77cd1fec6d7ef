"""Several bot processes on one port share the conversation through Redis (``serve --workers 2``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import redis

from tests.support.servers import free_port
from tests.support.services import redis_db

TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def test_a_conversation_hops_between_processes_without_losing_its_place(simulator_url, redis_available):
    url = redis_db(5)
    redis.Redis.from_url(url).flushdb()
    port = free_port()
    bin_dir = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BALE_", "KAVENEGAR_"))}
    env.update(REDIS_URL=url, TAMIN_BACKEND_URL=simulator_url, MODULES="", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    proc = subprocess.Popen([f"{bin_dir}/tamin-bot", "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        # a new connection for every turn: the kernel spreads them over both processes
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=20) as http:
            def say(text: str) -> str:
                r = http.post(f"{base}/api/chat", json={"user": "hops", "text": text})
                r.raise_for_status()
                return "\n".join(m["text"] for m in r.json()["messages"])

            say("مستمری")
            say("0016383230")
            assert "کد تأیید" in say("09120000101")
            # the code went to whichever process's dev outbox sent it; ask until we reach it
            code = None
            for _ in range(20):
                box = http.get(f"{base}/dev/outbox").json()["messages"]
                texts = [m["text"] for m in box if m["to"] == "09120000101"]
                if texts:
                    code = re.search(r"\d{6}", texts[-1].translate(TO_ASCII)).group(0)
                    break
            assert code, "no process showed the code"
            answer = say(code)
            assert "۱۸۵٬۴۳۲٬۰۰۰" in answer
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 2
    finally:
        proc.terminate()
        proc.wait(15)
        redis.Redis.from_url(url).flushdb()
