"""The one way our asyncio Redis clients are made: deadlines on every call, and a dropped connection
(a restarted or failed-over Redis) retried on a new one, so the first request after a restart works."""

from __future__ import annotations

from typing import Any

RETRIES = 4  # 0.02, 0.04, 0.08, 0.16 s apart (jittered, at most 0.5): a restarted Redis has ~0.3 s to come back


def redis_client(url: str, cluster: bool = False, socket_timeout: float = 5.0, connect_timeout: float = 2.0) -> Any:
    """An asyncio Redis (or Redis Cluster) client at ``url``.

    A call that hits a closed, reset or refused connection is tried again on a new connection up to ``RETRIES`` times with a short backoff; each try has its own deadline
    (``socket_timeout``, ``connect_timeout``), so a call never waits longer than about
    ``(RETRIES + 1) * (connect_timeout + socket_timeout)`` in all. A socket timeout is not retried (the
    command may have run: counters would count twice).
    """
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialWithJitterBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    retry = Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.02), RETRIES,
                  supported_errors=(RedisConnectionError,))
    if cluster:
        from redis.asyncio.cluster import RedisCluster

        return RedisCluster.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=connect_timeout,
                                     retry=retry)
    from redis.asyncio import Redis

    return Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=connect_timeout,
                          health_check_interval=15, retry=retry)
