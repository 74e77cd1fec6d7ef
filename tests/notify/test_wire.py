"""The Bot API sends' HTTP client: keep-alive reuse, chunked and closing answers, a dead server's failure."""

from __future__ import annotations

import asyncio

import pytest

from basics.wire import Pool, WireError


async def _server(answer: bytes):
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer:
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", connections


async def test_sends_reuse_one_connection_and_read_chunked_answers():
    server, url, connections = await _server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ok\"\r\n6\r\n:true}\r\n0\r\n\r\n")
    pool = Pool(url, connections=4, timeout=5)
    try:
        for _ in range(5):
            assert await pool.post("/bot1:x/sendMessage", b'{"chat_id":"1","text":"x"}') == (200, b'{"ok":true}')
        assert len(connections) == 1
    finally:
        await pool.aclose()
        server.close()


async def test_an_answer_that_closes_the_connection_is_read_and_the_next_send_opens_another():
    body = b'{"ok":false,"error_code":429,"parameters":{"retry_after":1}}'
    server, url, connections = await _server(b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    pool = Pool(url, timeout=5)
    try:
        assert await pool.post("/x", b"{}") == (429, body)
        assert await pool.post("/x", b"{}") == (429, body)
        assert len(connections) == 2
    finally:
        await pool.aclose()
        server.close()


async def test_no_server_is_a_connect_failure():
    server, url, _ = await _server(b"")
    server.close()
    await server.wait_closed()
    pool = Pool(url, timeout=2, connect_timeout=1)
    with pytest.raises(WireError) as err:
        await pool.post("/x", b"{}")
    assert err.value.connect
