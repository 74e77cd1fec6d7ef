"""Seconds from `tamin-bot serve` to its first 200 on /healthz, trees side by side, starts alternating.

    python3 bench/startup.py --tree before=/work/wt-startup-base --tree after=/work/wt-startup \
        --rounds 5 --port 8460 [--config embedded|full]

Each tree runs as ``PYTHONPATH=<tree> <tree>/.venv/bin/python -m bot.cli serve``. ``full`` gives every
server the env of the security bar's "full" deployment (fake Telegram/Kavenegar addresses, Redis, a SQLite
database, TAMIN_BACKEND_URL), so it needs ``--redis``. One warm-up start per tree is not counted (it fills
the disk caches, as any second start finds them). Prints one line per start and a range per tree.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request


def full_env(redis: str, tmp: str) -> dict[str, str]:
    """The security bar's "full" server (deploy.py ``env_full``), with addresses nobody answers on."""
    return {"TELEGRAM_BOT_TOKEN": "123456:bench-token", "TELEGRAM_API_BASE": "http://127.0.0.1:9",
            "TELEGRAM_WEBHOOK_SECRET": "bench-secret", "KAVENEGAR_API_BASE": "http://127.0.0.1:9",
            "KAVENEGAR_API_KEY": "bench-key", "KAVENEGAR_SENDER": "10001420",
            "KAVENEGAR_OTP_TEMPLATE": "tamin-otp", "KAVENEGAR_WEBHOOK_SECRET": "bench-kav",
            "REDIS_URL": redis, "EVENTS_HMAC_SECRET": "bench-events", "TAMIN_BACKEND_URL": "http://127.0.0.1:9",
            "NOTIFY_WORKERS": "0", "NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/full.db"}


def healthy(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=0.5) as r:  # noqa: S310 - loopback
            return r.status == 200
    except OSError:
        return False


def one_start(tree: str, port: int, extra: dict[str, str], limit: float = 60.0) -> float:
    """Start one server from ``tree``, return seconds to its first 200 on /healthz, stop it."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "LANG": "C.UTF-8", "PYTHONPATH": tree, **extra}
    cmd = [f"{tree}/.venv/bin/python", "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        while time.perf_counter() - t0 < limit:
            if proc.poll() is not None:
                raise RuntimeError(f"{tree}: serve exited with {proc.returncode}")
            if healthy(url):
                return time.perf_counter() - t0
            time.sleep(0.02)
        raise RuntimeError(f"{tree}: no 200 within {limit} s")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Run the side by side and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", required=True, help="name=path")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--port", type=int, default=8460)
    ap.add_argument("--config", choices=("embedded", "full"), default="embedded")
    ap.add_argument("--redis", default="")
    args = ap.parse_args()
    trees = [t.split("=", 1) for t in args.tree]
    with tempfile.TemporaryDirectory() as tmp:
        extra = full_env(args.redis, tmp) if args.config == "full" else {}
        for _, path in trees:  # warm-up: disk caches filled, not counted
            one_start(path, args.port, extra)
        times: dict[str, list[float]] = {name: [] for name, _ in trees}
        for r in range(args.rounds):
            for name, path in trees:
                s = one_start(path, args.port, extra)
                times[name].append(s)
                print(f"round {r + 1} {name:>8}: {s:.2f} s", flush=True)
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for name, values in times.items():
        values.sort()
        print(f"{args.config} {name}: {values[0]:.2f}–{values[-1]:.2f} s, median {values[len(values) // 2]:.2f} s")
    sys.exit(0)


if __name__ == "__main__":
    main()
