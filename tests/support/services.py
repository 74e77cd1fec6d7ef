"""Where the tests find Redis and PostgreSQL (overridable, so parallel checkouts never share a database)."""

from __future__ import annotations

import os

REDIS_BASE = os.environ.get("TAMIN_TEST_REDIS", "redis://127.0.0.1:6379").rstrip("/")
PG_URL = os.environ.get("TAMIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def redis_db(n: int) -> str:
    """The URL of Redis database ``n`` of the tests' server."""
    return f"{REDIS_BASE}/{n}"
