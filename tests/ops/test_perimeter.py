"""The perimeter over real HTTP: body limits before reading, hostile text, headers, dev parts, operator paths."""

from __future__ import annotations

import json
import logging
import re
import socket
import time

import httpx
import pytest

from tests.support.servers import ServerThread, free_port

PUBLIC = {"X-Forwarded-For": "203.0.113.7"}  # a client on the internet, as a reverse proxy on loopback says
PERSIAN = re.compile(r"[\u0600-\u06FF]")


def _settings(simulator_url: str | None = None, **kw):
    from bot.settings import Settings

    base = dict(tamin_backend_url=simulator_url, kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None,
                redis_url=None, modules="", tamin_dev=False, ops_token=None)
    return Settings(**{**base, **kw})


@pytest.fixture(scope="module")
def edge(simulator_url):
    from bot.app import create_app

    port = free_port()
    with ServerThread(create_app(_settings(simulator_url, public_base_url=f"http://127.0.0.1:{port}")), port) as s:
        yield s



def _raw_upload(port: int, path: str, size: int, chunked: bool) -> tuple[int, int, bytes]:
    """Send a ``size``-byte body in pieces until the server answers; (status, bytes sent, response)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n") + "\r\n")
    s.sendall(head.encode())
    piece, sent, resp = b"x" * 65536, 0, b""
    s.setblocking(False)
    try:
        while sent < size and b"\r\n\r\n" not in resp:
            data = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece
            try:
                s.sendall(data)
                sent += len(piece)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
            try:
                resp += s.recv(65536)
            except BlockingIOError:
                pass
        s.setblocking(True)
        s.settimeout(20)
        while b"\r\n\r\n" not in resp:
            got = s.recv(65536)
            if not got:
                break
            resp += got
        head_part, _, rest = resp.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head_part).group(1))
        while len(rest) < length:
            got = s.recv(65536)
            if not got:
                break
            rest += got
        resp = head_part + b"\r\n\r\n" + rest
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return (int(m.group(1)) if m else 0), sent, resp


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_chat_body_is_refused_before_it_is_read(edge, chunked):
    status, sent, resp = _raw_upload(edge.port, "/api/chat", 50 * 1024 * 1024, chunked)
    assert status == 413, resp[:300]
    assert sent < 8 * 1024 * 1024  # refused long before the 50 MiB arrived
    body = json.loads(resp.split(b"\r\n\r\n", 1)[1])
    assert PERSIAN.search(body["messages"][0]["text"])
    assert httpx.get(f"{edge.url}/healthz").status_code == 200


def test_webhooks_and_events_take_at_most_a_megabyte(edge):
    for path in ("/webhooks/telegram/x", "/events", "/console/login"):
        r = httpx.post(f"{edge.url}{path}", content=b"x" * (1024 * 1024 + 10))
        assert r.status_code == 413, (path, r.status_code)
    small = httpx.post(f"{edge.url}/api/chat", json={"user": "u", "text": "س" * 4000})
    assert small.status_code == 200
    big = httpx.post(f"{edge.url}/api/chat", content=json.dumps({"user": "u", "text": "a" * 20000}))
    assert big.status_code == 413 and PERSIAN.search(big.json()["messages"][0]["text"])


@pytest.mark.parametrize("text", ["\ud800", "سلام \udfff", "a\x00b", "\x1b[31m", "\x7f"])
def test_unreadable_characters_get_a_persian_answer_never_5xx(edge, text):
    raw = json.dumps({"user": "sur", "text": text}, ensure_ascii=True).encode()
    r = httpx.post(f"{edge.url}/api/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert PERSIAN.search(r.json()["messages"][0]["text"])


def test_a_surrogate_beside_personal_data_leaves_nothing_unmasked_in_the_logs(edge, log_lines):
    nc, mob, iban = "0016383230", "09120000101", "IR820170000000123456789012"
    for user, text in (("sur1", f"کد ملی {nc} موبایل {mob} شبا {iban} \ud800"), ("sur\ud800", f"{nc} {mob}")):
        raw = json.dumps({"user": user, "text": text}, ensure_ascii=True).encode()
        r = httpx.post(f"{edge.url}/api/chat", content=raw, headers={"content-type": "application/json"})
        assert r.status_code < 500
        assert nc not in r.text and mob not in r.text  # the answer never echoes the input either
    time.sleep(0.2)
    logged = log_lines.getvalue()
    assert nc not in logged and mob not in logged and iban not in logged


def test_uvicorn_tracebacks_go_through_the_masked_json_formatter(capsys):
    from bot.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging()
        try:
            raise ValueError("bad input 0016383230 09120000101 web-abcdefghijklmnop")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        logging.getLogger("uvicorn.access").warning('"POST /api/chat?n=0016383230 HTTP/1.1" 500')
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    err = capsys.readouterr().err
    lines = [json.loads(x) for x in err.splitlines() if x.strip()]
    assert len(lines) == 2 and "exc" in lines[0]
    assert "0016383230" not in err and "09120000101" not in err and "abcdefghijklmnop" not in err


def test_the_page_cannot_be_framed_and_sends_strict_headers(edge):
    r = httpx.get(f"{edge.url}/")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<script nonce="{nonce}">' in r.text


def test_verify_is_rate_limited_per_client(edge):
    statuses = [httpx.get(f"{edge.url}/verify/NOPE-{i}", headers={"X-Forwarded-For": "198.51.100.9"}).status_code
                for i in range(25)]
    assert statuses[0] != 429 and 429 in statuses
    r = httpx.get(f"{edge.url}/verify/NOPE-x", headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status_code == 429 and PERSIAN.search(r.json()["messages"][0]["text"])
    other = httpx.get(f"{edge.url}/verify/NOPE-y", headers={"X-Forwarded-For": "198.51.100.10"})
    assert other.status_code != 429  # another client is not slowed by the first


# ---- development parts ----------------------------------------------------------------------------

def test_a_messenger_without_sms_gateway_serves_no_outbox_and_sends_codes_nowhere(simulator_url, caplog):
    from bot.app import NoSmsGateway, create_app

    port = free_port()
    settings = _settings(simulator_url, telegram_bot_token="1:x", public_base_url=f"http://127.0.0.1:{port}")
    with caplog.at_level(logging.WARNING):
        app = create_app(settings)
    assert isinstance(app.state.engine.deps.sms, NoSmsGateway)
    assert any("no SMS gateway" in r.getMessage() for r in caplog.records)
    with ServerThread(app, port) as s, httpx.Client(base_url=s.url, timeout=30) as c:
        c.post("/api/chat", json={"user": "u", "text": "مستمری"})
        c.post("/api/chat", json={"user": "u", "text": "0016383230"})
        c.post("/api/chat", json={"user": "u", "text": "09120000101"})
        for accept in ("application/json", "text/html"):
            assert httpx.get(f"{s.url}/dev/outbox", headers={"accept": accept}).status_code == 404
        assert "/dev/outbox" not in httpx.get(f"{s.url}/").text


def test_real_gateways_without_a_backend_serve_nothing_of_the_simulator_but_its_documents(caplog):
    from bot.app import create_app

    port = free_port()
    settings = _settings(None, telegram_bot_token="1:x", kavenegar_api_key="k" * 24,
                         public_base_url=f"http://127.0.0.1:{port}")
    with caplog.at_level(logging.WARNING):
        app = create_app(settings)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("TAMIN_BACKEND_URL is unset" in m for m in warned)
    assert not any("DEVELOPMENT PARTS ON" in m for m in warned)
    with ServerThread(app, port) as s:
        for headers in (PUBLIC, {}):  # from the internet, and from this machine (a proxy without X-Forwarded-For)
            for method, path in (("GET", "/sim/healthz"), ("POST", "/sim/_sim/faults"),
                                 ("POST", "/sim/v1/identity/match"), ("GET", "/sim/v1/persons/0016383230")):
                r = httpx.request(method, f"{s.url}{path}", headers=headers, json={"mode": "ok"})
                assert r.status_code == 403, (path, headers, r.status_code)
        doc = httpx.get(f"{s.url}/sim/v1/certificates/TA-NOPE-NOPE.pdf", headers=PUBLIC)
        assert doc.status_code == 404  # the simulator's own answer: documents stay reachable for people


def test_tamin_dev_mounts_the_simulator_and_says_so(caplog):
    from bot.app import create_app

    with caplog.at_level(logging.WARNING):
        app = create_app(_settings(None, telegram_bot_token="1:x", tamin_dev=True))
    assert any(getattr(r, "path", None) == "/sim" for r in app.routes)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("DEVELOPMENT PARTS ON (TAMIN_DEV=1)" in m and "/sim" in m and "/dev/outbox" in m for m in warned)


def test_with_a_backend_url_there_is_no_simulator(edge):
    assert httpx.get(f"{edge.url}/sim/healthz").status_code == 404


def test_the_embedded_simulator_is_closed_to_the_public():
    from bot.app import create_app

    port = free_port()
    with ServerThread(create_app(_settings(None, public_base_url=f"http://127.0.0.1:{port}")), port) as s:
        for method, path in (("POST", "/sim/_sim/faults"), ("POST", "/sim/v1/identity/match"),
                             ("GET", "/sim/v1/persons/0016383230")):
            r = httpx.request(method, f"{s.url}{path}", headers=PUBLIC, json={"mode": "ok"})
            assert r.status_code == 403, (path, r.status_code)
        assert httpx.get(f"{s.url}/sim/healthz", headers=PUBLIC).status_code == 200
        assert httpx.post(f"{s.url}/sim/_sim/faults", json={"mode": "ok"}).status_code < 300  # this machine


def test_metrics_and_openapi_need_the_ops_token_outside_the_embedded_default(simulator_url):
    from bot.app import create_app

    port = free_port()
    for token in (None, "s3cret-ops"):
        app = create_app(_settings(simulator_url, telegram_bot_token="1:x", kavenegar_api_key="k" * 24,
                                   modules="ops", ops_token=token))
        with ServerThread(app, port if token is None else free_port()) as s:
            for path in ("/metrics", "/openapi.json"):
                assert httpx.get(f"{s.url}{path}").status_code == 404
                assert httpx.get(f"{s.url}{path}", headers={"Authorization": "Bearer wrong"}).status_code == 404
                if token:
                    ok = httpx.get(f"{s.url}{path}", headers={"Authorization": f"Bearer {token}"})
                    assert ok.status_code == 200, path
