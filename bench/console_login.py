"""Console sign-in under a password spray from one source, over real HTTP.

Starts the bot (embedded default, SQLite) with uvicorn on a free loopback port and sends N sign-ins
with unknown usernames from one source (``X-Forwarded-For``), then one from another source with a
real account. Prints one line per attempt (status, milliseconds) and a summary: the median of the
first five and last five answers before the refusal, the attempt refused first, and whether the other
source still signs in.

    .venv/bin/python -m bench.console_login [N=30]
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def attempt(url: str, username: str, password: str, source: str) -> tuple[int, float]:
    """(status of the POST, seconds it took)."""
    with httpx.Client(base_url=url, timeout=60, headers={"X-Forwarded-For": source}) as c:
        token = CSRF.search(c.get("/console/login").text).group(1)
        t0 = time.perf_counter()
        r = c.post("/console/login", data={"csrf": token, "username": username, "password": password})
        return r.status_code, time.perf_counter() - t0


def main(n: int = 30) -> None:
    from bot.app import create_app
    from bot.console.auth import create_staff
    from bot.settings import Settings
    from bot.storage import Database
    from tests.support.servers import ServerThread, free_port

    port, tmp = free_port(), tempfile.mkdtemp(prefix="console-login-")
    settings = Settings(public_base_url=f"http://127.0.0.1:{port}", database_url=f"sqlite+aiosqlite:///{tmp}/c.db",
                        redis_url=None, kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None)

    async def account() -> None:
        db = Database(settings.database_url)
        await db.migrate()
        await create_staff(db, "bench.agent", "bench-password-1420", "agent")
        await db.dispose()

    asyncio.run(account())
    with ServerThread(create_app(settings), port) as server:
        rows = [attempt(server.url, f"spray{i}", "Spring2026!!", "203.0.113.31") for i in range(n)]
        other, _ = attempt(server.url, "bench.agent", "bench-password-1420", "198.51.100.23")
    for i, (status, dt) in enumerate(rows, 1):
        print(f"{i:3d} {status} {dt * 1000:8.0f} ms")
    answered = [dt for status, dt in rows if status != 429]
    refused = next((i for i, (status, _) in enumerate(rows, 1) if status == 429), None)
    print(f"first 5 median {statistics.median(answered[:5]) * 1000:.0f} ms; last 5 answered median "
          f"{statistics.median(answered[-5:]) * 1000:.0f} ms; first refusal at attempt {refused}; "
          f"refused answers median {statistics.median([dt for s, dt in rows if s == 429] or [0]) * 1000:.0f} ms; "
          f"another source signs in: {other == 303}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
