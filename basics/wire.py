"""A small HTTP/1.1 client for Bot API sends (turns and notices): keep-alive connections per host, pre-serialised bodies.

What a notice's send needs and no more (POST, Content-Length or chunked answers, TLS with the system's
trust store), so a send costs a write and a read instead of a general client's request machinery.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from urllib.parse import urlsplit

IDLE_SECONDS = 15.0  # a connection unused this long is closed rather than reused (servers drop idle ones)


class WireError(Exception):
    """The request failed on the way; ``connect`` when no connection could be made (nothing was sent)."""

    def __init__(self, reason: str, connect: bool = False) -> None:
        super().__init__(reason)
        self.connect = connect


class WireTimeout(WireError):
    """No whole answer within the deadline."""


class Pool:
    """Up to ``connections`` keep-alive connections to one origin (scheme, host, port)."""

    def __init__(self, origin: str, connections: int = 100, timeout: float = 10.0, connect_timeout: float = 5.0
                 ) -> None:
        url = urlsplit(origin)
        self.host, self.tls = url.hostname or "127.0.0.1", url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        self.prefix = url.path.rstrip("/")
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self._host_header = url.netloc.rsplit("@", 1)[-1]
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots = asyncio.Semaphore(connections)
        self._ssl = ssl.create_default_context() if self.tls else None
        self._closed = False

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        now = time.monotonic()
        while self._idle:
            reader, writer, since = self._idle.pop()
            if now - since < IDLE_SECONDS and not writer.is_closing() and not reader.at_eof():
                return reader, writer
            writer.close()
        try:
            async with asyncio.timeout(self.connect_timeout):
                return await asyncio.open_connection(self.host, self.port, ssl=self._ssl,
                                                     server_hostname=self.host if self.tls else None)
        except TimeoutError:
            raise WireError("connect timeout", connect=True) from None
        except OSError as exc:
            raise WireError(f"connect: {type(exc).__name__}", connect=True) from None

    async def post(self, path: str, body: bytes, content_type: bytes = b"application/json") -> tuple[int, bytes]:
        """POST ``body`` to ``path`` (under the origin's path); the status and the answer's body."""
        head = (b"POST " + (self.prefix + path).encode() + b" HTTP/1.1\r\nHost: " + self._host_header.encode()
                + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode()
                + b"\r\nAccept-Encoding: identity\r\n\r\n")
        async with self._slots:
            reader, writer = await self._connect()
            keep = False
            try:
                async with asyncio.timeout(self.timeout):
                    writer.write(head + body)
                    status, data, keep = await _answer(reader)
            except TimeoutError:
                raise WireTimeout("no answer in time") from None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                raise WireError(f"read: {type(exc).__name__}") from None
            finally:
                if keep and not self._closed:
                    self._idle.append((reader, writer, time.monotonic()))
                else:
                    writer.close()
        return status, data

    async def aclose(self) -> None:
        """Close every idle connection."""
        self._closed = True
        while self._idle:
            _, writer, _ = self._idle.pop()
            writer.close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the connection may be reused."""
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return int(status), b"".join(parts), keep
    if "content-length" in headers:
        return int(status), await reader.readexactly(int(headers["content-length"])), keep
    return int(status), await reader.read(), False  # until the server closes
