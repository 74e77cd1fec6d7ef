"""An httpx transport on aiohttp: the Kavenegar client's logic with a faster connection pool."""

from __future__ import annotations

from typing import Any

import httpx


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one aiohttp session (httpcore's pool is slow at high concurrency)."""

    def __init__(self, connections: int = 100) -> None:
        self.connections = connections
        self._session: Any = None

    def _get(self) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.connections),
                                                  auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """One request; httpx's timeouts become aiohttp's, its failures httpx's exception types."""

        import aiohttp

        ext = request.extensions.get("timeout") or {}
        timeout = aiohttp.ClientTimeout(total=None, connect=ext.get("connect"), sock_read=ext.get("read"))
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
                   if k.lower() not in (b"host", b"content-length", b"accept-encoding")]
        try:
            async with self._get().request(request.method, str(request.url), data=body or None,
                                           headers=headers, timeout=timeout) as resp:
                content = await resp.read()
                return httpx.Response(resp.status, headers=[(k, v) for k, v in resp.raw_headers
                                                            if k.lower() != b"content-encoding"],
                                      content=content, request=request)
        except aiohttp.ServerTimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise httpx.ConnectTimeout(str(exc), request=request) from None
            raise httpx.ReadTimeout(str(exc), request=request) from None
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from None
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc), request=request) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
