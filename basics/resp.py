"""A lean asyncio Redis client for a turn's few scripts: one pipelined connection, a deadline on every call.

redis-py's asyncio client spends ~200 µs of CPU on each call (connection pool, timeouts, retries, events);
a turn makes two or three calls. This client writes each call on one shared connection and reads the
replies in order, so 16 people's turns cost one write and one read each (≈25 µs). It takes only plain
``redis://`` servers (no TLS, no Cluster); anything else stays with redis-py.

A call that finds the connection closed, reset or refused is tried again on a new one, a few times with a
short backoff (a restarted Redis has ~0.3 s to come back), as ``basics.redis_client`` does; a call whose
deadline passes closes the connection (the replies after it could no longer be matched) and fails with
``Deadline``, never retried (it may have run).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
from typing import Any
from urllib.parse import unquote, urlsplit

RETRY_DELAYS = (0.02, 0.04, 0.08, 0.16)


class RespError(Exception):
    """An error reply from Redis (``NOSCRIPT …``, ``WRONGTYPE …``)."""


class Deadline(Exception):
    """Redis gave no reply within the call's deadline (the command may have run)."""


class _Protocol(asyncio.Protocol):
    """One connection: requests are written in order and answered in order."""

    def __init__(self, reader_factory) -> None:
        self.parser = reader_factory()
        self.waiters: collections.deque[asyncio.Future] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []  # written at the end of this loop iteration, all in one send
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)
        waiters = self.waiters
        while True:
            reply = self.parser.gets()
            if reply is False:
                return
            if not waiters:  # a reply nobody waits for: the stream cannot be trusted any more
                self.transport.close()
                return
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(reply)

    def write(self, payload: bytes) -> None:
        """Queue ``payload``; what every turn of this iteration queued goes out in one system call."""
        if not self.pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self.pending.append(payload)

    def _flush(self) -> None:
        data, self.pending = b"".join(self.pending), []
        if self.transport is not None:
            self.transport.write(data)

    def connection_lost(self, exc) -> None:
        self.transport = None
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_exception(ConnectionError("Redis closed the connection"))
        if not self.closed.done():
            self.closed.set_result(None)


def encode(args: tuple) -> bytes:
    """A command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif not isinstance(a, (bytes, bytearray)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Resp:
    """A pipelined client of one Redis server; made lazily in the running event loop (made again if it changes)."""

    def __init__(self, host: str, port: int, db: int = 0, password: str | None = None, username: str | None = None,
                 timeout: float = 2.0, connect_timeout: float = 2.0) -> None:
        self.host, self.port, self.db = host, port, db
        self.password, self.username = password, username
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self._proto: _Protocol | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connecting: asyncio.Future | None = None
        self._shas: dict[str, bytes] = {}

    @classmethod
    def from_url(cls, url: str, timeout: float = 2.0, connect_timeout: float = 2.0) -> Resp | None:
        """A client for a plain ``redis://host:port/db`` URL, or None for anything else (TLS, socket, Cluster)."""
        u = urlsplit(url)
        if u.scheme != "redis" or not u.hostname:
            return None
        try:
            import hiredis  # noqa: F401
        except ImportError:
            return None
        db = int((u.path or "/0").strip("/") or 0)
        return cls(u.hostname, u.port or 6379, db, unquote(u.password) if u.password else None,
                   unquote(u.username) if u.username else None, timeout, connect_timeout)

    @classmethod
    def like(cls, redis: Any, timeout: float = 2.0) -> Resp | None:
        """A client of the same server and db as a redis-py asyncio client, or None (Cluster, TLS, socket)."""
        pool = getattr(redis, "connection_pool", None)
        kwargs = getattr(pool, "connection_kwargs", None)
        if not isinstance(kwargs, dict) or "host" not in kwargs:
            return None
        kind = getattr(getattr(pool, "connection_class", None), "__name__", "")
        if kind != "Connection":  # TLS (SSLConnection), a Unix socket, or something of its own
            return None
        try:
            import hiredis  # noqa: F401
        except ImportError:
            return None
        return cls(kwargs["host"], int(kwargs.get("port") or 6379), int(kwargs.get("db") or 0), kwargs.get("password"),
                   kwargs.get("username"), timeout, kwargs.get("socket_connect_timeout") or timeout)

    def another(self, timeout: float | None = None) -> Resp:
        """A client of the same server with a connection of its own (e.g. for a blocking call)."""
        return Resp(self.host, self.port, self.db, self.password, self.username,
                    self.timeout if timeout is None else timeout, self.connect_timeout)

    # ---- the connection -----------------------------------------------------------------

    async def _connect(self) -> _Protocol:
        import hiredis

        loop = asyncio.get_running_loop()

        def reader():
            return hiredis.Reader(replyError=RespError)

        _, proto = await asyncio.wait_for(loop.create_connection(lambda: _Protocol(reader), self.host, self.port),
                                          self.connect_timeout)
        setup = []
        if self.password:
            setup.append(("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            setup.append(("SELECT", self.db))
        for cmd in setup:
            fut = loop.create_future()
            proto.waiters.append(fut)
            proto.transport.write(encode(cmd))
            reply = await asyncio.wait_for(fut, self.timeout)
            if isinstance(reply, RespError):
                proto.transport.close()
                raise ConnectionError(f"Redis refused {cmd[0]}: {reply}")
        return proto

    async def _conn(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        proto = self._proto
        if proto is not None and proto.transport is not None and self._loop is loop:
            return proto
        if self._loop is not loop:  # another event loop (tests, a restarted server): start afresh
            self._proto, self._connecting, self._loop = None, None, loop
        if self._connecting is None:
            self._connecting = loop.create_task(self._connect())
        connecting = self._connecting
        try:
            proto = await asyncio.shield(connecting)
        except BaseException:
            if self._connecting is connecting:
                self._connecting = None
            raise
        if self._connecting is connecting:
            self._proto, self._connecting = proto, None
        return proto

    def _drop(self, proto: _Protocol) -> None:
        if proto.transport is not None:
            proto.transport.abort()
        if self._proto is proto:
            self._proto = None

    # ---- calls ----------------------------------------------------------------------------

    async def pipeline(self, *commands: tuple) -> list:
        """Run ``commands`` in one write; their replies in order (an error reply is returned as ``RespError``)."""
        payload = b"".join(encode(c) for c in commands)
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                proto = await self._conn()
            except (TimeoutError, OSError):  # refused, reset, or no answer to the connect in time
                if attempt == len(RETRY_DELAYS):
                    raise ConnectionError(f"Redis at {self.host}:{self.port} unreachable") from None
                await asyncio.sleep(RETRY_DELAYS[attempt])
                continue
            loop = asyncio.get_running_loop()
            futs = [loop.create_future() for _ in commands]
            proto.waiters.extend(futs)
            proto.write(payload)
            timer = loop.call_later(self.timeout, self._expire, proto, futs[-1])
            try:
                return [await f for f in futs]
            except ConnectionError:
                # closed before the replies came: the commands may not have run; a new connection, once more
                if attempt == len(RETRY_DELAYS):
                    raise
                await asyncio.sleep(RETRY_DELAYS[attempt])
            finally:
                timer.cancel()
        raise ConnectionError("unreachable")  # pragma: no cover

    def _expire(self, proto: _Protocol, last: asyncio.Future) -> None:
        if last.done():
            return
        self._drop(proto)  # the replies after this one could not be matched any more
        while proto.waiters:
            fut = proto.waiters.popleft()
            if not fut.done():
                fut.set_exception(Deadline(f"Redis gave no reply in {self.timeout:g} s"))

    async def call(self, *args) -> Any:
        """One command; its reply (an error reply raises ``RespError``)."""
        reply = (await self.pipeline(args))[0]
        if isinstance(reply, RespError):
            raise reply
        return reply

    def sha(self, script: str) -> bytes:
        """The SHA1 a script is known by (``EVALSHA``)."""
        sha = self._shas.get(script)
        if sha is None:
            sha = self._shas[script] = hashlib.sha1(script.encode()).hexdigest().encode()
        return sha

    async def script(self, script: str, keys: list, args: list, before: tuple = ()) -> Any:
        """Run a Lua script by its SHA (after the commands ``before``, in the same write), loading it first where
        Redis does not know it (a restarted Redis); the script's reply."""
        cmd = ("EVALSHA", self.sha(script), len(keys), *keys, *args)
        replies = await self.pipeline(*before, cmd)
        for reply in replies[:-1]:
            if isinstance(reply, RespError):
                raise reply
        reply = replies[-1]
        if isinstance(reply, RespError) and str(reply).startswith("NOSCRIPT"):
            reply = (await self.pipeline(("SCRIPT", "LOAD", script), cmd))[1]
        if isinstance(reply, RespError):
            raise reply
        return reply

    def abort(self) -> None:
        """Drop the connection at once (a call still running on it fails; a later call opens a new one)."""
        proto = self._proto
        if proto is not None:
            self._drop(proto)

    async def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        proto, self._proto = self._proto, None
        if proto is not None and proto.transport is not None and self._loop is asyncio.get_running_loop():
            proto.transport.close()
