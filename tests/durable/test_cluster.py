"""The ingress and the notices streams on a real Redis Cluster (3 masters + 3 replicas on loopback),
with a failover of the master holding their slot in the middle of the stream: nothing lost, order kept."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bot.channels.ingress import Item, RedisIngress, redis_client
from bot.notify.model import Notice
from bot.notify.queue import NoticeQueue
from bot.notify.runtime import make_redis
from tests.durable.redis_cluster import RedisClusterProcs
from tests.durable.test_ingress_faults import Log, until, workers

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")


@pytest.fixture(scope="module")
def cluster():
    procs = RedisClusterProcs().start()
    yield procs
    procs.stop()


async def _retrying(call, *args):
    """What a webhook caller does: try again until it is accepted (a failover may refuse one call)."""
    for _ in range(50):
        try:
            return await call(*args)
        except Exception:
            await asyncio.sleep(0.1)
    raise AssertionError("never accepted")


def _keys_per_master(cluster, pattern: str) -> dict[int, int]:
    """How many keys matching ``pattern`` each master holds."""
    import redis

    out = {}
    for port in cluster.ports:
        node = redis.Redis(port=port, socket_timeout=2)
        if node.info("replication")["role"] == "master":
            out[port] = sum(1 for _ in node.scan_iter(match=pattern, count=1000))
        node.close()
    return out


async def test_ingress_on_a_cluster_is_spread_over_the_masters_and_survives_a_failover(cluster):
    client = redis_client(cluster.url, cluster=True)
    ingress = RedisIngress(client, prefix="t:cl", lease=2.0)
    handler = Log()
    users, per_user = 20, 10
    failed_over = None
    async with workers(ingress, handler, 3):
        for n in range(per_user):
            if n == per_user // 2:  # the master holding the most ingress keys fails over mid-stream
                held = await asyncio.to_thread(_keys_per_master, cluster, "t:cl:*")
                busiest = max(held, key=held.get)
                failed_over = await asyncio.to_thread(cluster.failover_master, busiest)
            for u in range(users):
                await _retrying(ingress.accept, Item(f"u{u}-{n}", f"user{u}", "x", {"n": n}))
        await until(lambda: len({i for _, i in handler.done}) == users * per_user, limit=120)
    ids = [i for _, i in handler.done]
    assert len(set(ids)) == users * per_user  # 0 lost
    assert len(ids) - len(set(ids)) <= 3  # at most a send or so again around the failover
    for u in range(users):
        mine = list(dict.fromkeys(i for us, i in handler.done if us == f"user{u}"))
        assert mine == [f"u{u}-{n}" for n in range(per_user)]
    assert await ingress.dead_letters() == []
    # every master holds a part of the ingress (the dedup marks stay a day): not one master for all
    held = await asyncio.to_thread(_keys_per_master, cluster, "t:cl:*")
    assert len(held) == 3 and all(n > 0 for n in held.values()), held
    assert failed_over[1] in held  # the replica took over and serves its part
    await client.aclose()


async def test_notice_streams_on_a_cluster_survive_a_master_failover(cluster):
    client = make_redis(cluster.url, cluster=True)
    queue = NoticeQueue(client, prefix="t:cln", consumer="c1")
    await queue.ensure_group()
    total, seen = 60, set()

    async def consume(stop: asyncio.Event) -> None:
        while not stop.is_set() or len(seen) < total:
            try:
                entries = await queue.read(10, 100)
                seen.update(e.notice.event_id for e in entries if e.notice)
                await queue.ack(entries)
            except Exception:
                await asyncio.sleep(0.1)

    stop = asyncio.Event()
    reader = asyncio.create_task(consume(stop))
    for i in range(total):
        if i == total // 2:
            await asyncio.to_thread(cluster.failover, "t:cln:{q}")
        notice = Notice(f"E-{i}", f"31000000{i:02d}", "sms", f"0915000{i:04d}", "debt_raised",
                        priority="urgent" if i % 3 == 0 else "bulk", id=i + 1)
        await _retrying(queue.put, [notice])
    stop.set()
    await asyncio.wait_for(reader, 120)
    assert seen == {f"E-{i}" for i in range(total)}
    await queue.release_due(0.0)  # the Lua script of the delayed set runs on the cluster too
    await client.aclose()
