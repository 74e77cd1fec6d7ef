"""The short run of ``bench/fuzz_routes.py``: a few hundred hostile requests over every public route of real
``tamin-bot serve`` processes give no 5xx and leave no unmasked personal data in their logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.services import redis_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_few_hundred_hostile_requests_give_no_5xx_and_no_unmasked_personal_data():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz_routes.py"), "--requests", "300",
                          "--seed", "7", "--redis", redis_db(10)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    lines = [x for x in run.stdout.splitlines() if x.startswith("{")]
    assert lines, run.stdout[-2000:] + run.stderr[-2000:]
    summary = json.loads(lines[-1])
    assert summary["five_xx"] == 0, summary["five_xx_samples"]
    assert summary["unmasked_in_logs"] == 0, summary["unmasked_samples"]
    assert summary["servers_alive"] == {"full": True, "embedded": True}
    assert not summary["transport_errors"], summary["transport_errors"]
    assert len(summary["per_route"]) >= 10  # every kind of route was hit
    assert summary["personal_values_sent"] > 50 and run.returncode == 0
