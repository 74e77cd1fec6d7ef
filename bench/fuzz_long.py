"""The long fuzz of the doors: tests/ops/test_fuzz_doors.py's properties with many more examples, against
the webhook server and separate ``tamin-bot worker`` processes (the durable ingress in Redis).

    .venv/bin/python bench/fuzz_long.py --examples 3000 --worker-procs 2

Per door it posts ``--examples`` well-formed updates with hostile content and as many malformed bodies
(Kavenegar: posts from real-looking mobiles, then posts of any shape), with the right secrets. It fails
(exit 1) on any 5xx or echoed body, a worker process that died, an update parked as dead, a log line of a
failed update, a send with a parse mode or outside the Bot API's limits, or a real person left
unanswered after the fuzz. Prints a JSON summary. Redis db 12 by default (flushed before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402

from tests.channels.support import bot_env, bot_server  # noqa: E402
from tests.fakes.botapi import FakeBotAPI  # noqa: E402
from tests.fakes.kavenegar import FakeKavenegar  # noqa: E402
from tests.ops import test_fuzz_doors as fz  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=3000, help="examples per property (each door has two)")
    ap.add_argument("--worker-procs", type=int, default=2)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = ap.parse_args()

    db = redis.Redis.from_url(args.redis)
    db.flushdb()
    api, kav = FakeBotAPI(), FakeKavenegar()
    env = bot_env(api, kav, args.redis, INGRESS_WORKERS="0", **fz.FAST)
    logs = [tempfile.NamedTemporaryFile("w+", prefix="fuzz-worker-", suffix=".log", delete=False)
            for _ in range(args.worker_procs)]
    workers = [subprocess.Popen([str(ROOT / ".venv/bin/tamin-bot"), "worker", "--tasks", "8"],
                                env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
               for log in logs]
    codes: Counter = Counter()
    summary: dict = {"examples_per_property": args.examples, "worker_procs": args.worker_procs}
    failures: list[str] = []
    t0 = time.time()
    try:
        with bot_server(env) as url, httpx.Client(timeout=60) as http:
            def messenger(kind: str):
                def check(body: bytes) -> None:
                    codes[f"{kind}:{fz.post_update(http, url, kind, body).status_code}"] += 1
                return check

            def sms(x: tuple) -> None:
                codes[f"kavenegar:{fz.post_sms(http, url, *x).text}"] += 1

            for kind in ("telegram", "bale"):
                fz.run_property(fz.WELL_FORMED, messenger(kind), args.examples)
                fz.run_property(fz.MALFORMED, messenger(kind), args.examples)
            fz.run_property(fz.SMS_FROM_A_MOBILE, sms, args.examples)
            fz.run_property(fz.SMS_POST, sms, args.examples)
            summary["fuzz_seconds"] = round(time.time() - t0, 1)
            if not fz.drained(args.redis, 120):
                failures.append("the queue did not drain in 120 s")
            summary["drain_seconds"] = round(max(0.0, time.time() - t0 - summary["fuzz_seconds"]), 1)
            dead = fz.dead_letters(args.redis)
            if dead:
                failures.append(f"{len(dead)} dead letters, first: {json.dumps(dead[0], ensure_ascii=False)[:500]}")
            summary["sends_checked"] = fz.check_sends(api, kav)
            summary["sms_sent"] = len(kav.calls_of("sms/send")) + len(kav.calls_of("verify/lookup"))
            summary["callback_answers"] = len(api.calls_of("answerCallbackQuery"))
            gone = [w.pid for w in workers if w.poll() is not None]
            if gone:
                failures.append(f"worker processes ended: {gone}")
            fz.real_people_answered(url, api, kav)
            summary["real_people_answered_after"] = True
    except AssertionError as exc:
        failures.append(f"assertion: {str(exc)[:2000]}")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(10)
            except subprocess.TimeoutExpired:
                w.kill()
        api.release()
        api.stop()
        kav.stop()
        db.flushdb()
    bad_lines = []
    for log in logs:
        log.seek(0)
        bad_lines += [line.strip()[:300] for line in log if "Traceback" in line or " failed (attempt" in line
                      or "parked after" in line]
        log.close()
        os.unlink(log.name)
    if bad_lines:
        failures.append(f"{len(bad_lines)} worker log lines of failed updates, first: {bad_lines[0]}")
    summary.update({"answers": dict(sorted(codes.items())), "seconds": round(time.time() - t0, 1),
                    "failures": failures, "ok": not failures})
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
