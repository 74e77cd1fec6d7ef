"""A throw-away ``redis-server`` (no persistence) on a free loopback port, restartable, cleaned up."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import redis

from tests.support.servers import free_port


class RedisProcess:
    """``redis-server --save '' --appendonly no`` in a temporary folder; ``restart()`` comes back empty.

    On a free port, or on ``TAMIN_TEST_SPARE_REDIS_PORT`` when set (a shared machine's given port)."""

    def __init__(self, port: int | None = None, *extra: str) -> None:
        self.port = port or int(os.environ.get("TAMIN_TEST_SPARE_REDIS_PORT") or 0) or free_port()
        self.dir = tempfile.mkdtemp(prefix="tamin-redis-")
        self.extra = list(extra)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, *self.extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
