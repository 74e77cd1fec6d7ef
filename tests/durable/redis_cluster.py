"""A real Redis Cluster on loopback for tests and benches: three masters + three replicas from Debian's
``redis-server --cluster-enabled yes``, joined by ``redis-cli --cluster create``; stopped and removed after."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import redis

from tests.support.servers import free_port


def _cli(port: int, *args: str, timeout: float = 30) -> str:
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=timeout)
    return out.stdout


def pinned_ports(spec: str) -> list[int]:
    """``"7411-7416"`` or ``"7411,7412"`` -> the ports; ``""`` -> none (free ports are picked)."""
    out: list[int] = []
    for part in filter(None, (x.strip() for x in spec.split(","))):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


class RedisClusterProcs:
    """Six ``redis-server`` processes (no persistence) in a temporary folder, each on a free port, or on
    ``ports`` (``TAMIN_TEST_CLUSTER_PORTS=7411-7416``; their cluster bus is then on port + 10000)."""

    def __init__(self, nodes: int = 6, ports: list[int] | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="tamin-cluster-")
        ports = ports or pinned_ports(os.environ.get("TAMIN_TEST_CLUSTER_PORTS", ""))
        self.pinned = bool(ports)
        self.ports = ports[:nodes] if ports else [free_port() for _ in range(nodes)]
        if len(self.ports) < nodes:
            raise ValueError(f"a cluster of {nodes} nodes needs {nodes} ports, got {self.ports}")
        self.procs: dict[int, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self) -> RedisClusterProcs:
        for port in self.ports:
            bus = port + 10000 if self.pinned else free_port()
            self.procs[port] = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-port", str(bus), "--cluster-config-file", f"nodes-{port}.conf",
                 "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", self.dir],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in self.ports:
            self._wait(lambda p=port: redis.Redis(port=p, socket_timeout=0.5).ping(), f"node {port}")
        out = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                              "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("redis-cli --cluster create failed: " + out.stdout[-500:] + out.stderr[-500:])
        self._wait(self.healthy, "the cluster to be ok on every node", limit=30)
        return self

    def healthy(self) -> bool:
        """cluster_state:ok everywhere and every replica linked to its master."""
        for port in self.ports:
            if "cluster_state:ok" not in _cli(port, "cluster", "info"):
                return False
            info = _cli(port, "info", "replication")
            if "role:slave" in info and "master_link_status:up" not in info:
                return False
        return True

    def _wait(self, cond, what: str, limit: float = 15.0) -> None:
        deadline = time.time() + limit
        while time.time() < deadline:
            try:
                if cond():
                    return
            except (redis.RedisError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {what}")

    def master_of(self, key: str) -> int:
        """The port of the master serving ``key``'s slot."""
        slot = int(_cli(self.ports[0], "cluster", "keyslot", key).strip())
        for line in _cli(self.ports[0], "cluster", "nodes").splitlines():
            parts = line.split()
            if "master" not in parts[2] or "fail" in parts[2]:
                continue
            for rng in parts[8:]:
                lo, _, hi = rng.partition("-")
                if lo.isdigit() and int(lo) <= slot <= int(hi or lo):
                    return int(parts[1].split(":")[1].split("@")[0])
        raise LookupError(f"no master for slot {slot}")

    def replica_of(self, master: int, limit: float = 30.0) -> int:
        """A replica port of ``master`` (after a failover the old master's new role reaches the others by gossip)."""
        node_id = _cli(master, "cluster", "myid").strip()
        deadline = time.time() + limit
        while True:
            for line in _cli(master, "cluster", "nodes").splitlines():
                parts = line.split()
                if parts[3] == node_id and "slave" in parts[2]:
                    return int(parts[1].split(":")[1].split("@")[0])
            if time.time() > deadline:
                raise LookupError(f"no replica of {master}")
            time.sleep(0.1)

    def failover(self, key: str) -> tuple[int, int]:
        """A coordinated failover of ``key``'s master (``CLUSTER FAILOVER`` on its replica); (old, new)."""
        return self.failover_master(self.master_of(key), key)

    def failover_master(self, old: int, key: str | None = None) -> tuple[int, int]:
        """A coordinated failover of the master on port ``old`` (``CLUSTER FAILOVER`` on its replica)."""
        new = self.replica_of(old)
        _cli(new, "cluster", "failover")
        self._wait(lambda: "role:master" in _cli(new, "info", "replication") and
                   (key is None or self.master_of(key) == new) and self.healthy(), "the replica to take over", limit=60)
        return old, new

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs.values():
            proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)
