"""Metrics, readiness and masked JSON logs, as an operator sees them."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port


@pytest.fixture(scope="module")
def ops_bot(simulator_url):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, public_base_url=f"http://127.0.0.1:{port}", modules="ops")
    with ServerThread(create_app(settings), port) as server:
        yield server.url


def test_metrics_count_turns_per_channel_with_latency(ops_bot):
    Chat(ops_bot).say("سلام")
    text = httpx.get(f"{ops_bot}/metrics").text
    assert 'tamin_messages_in_total{channel="web"}' in text
    assert "tamin_turn_seconds_bucket" in text and "tamin_nlu_seconds_count" in text


def test_backend_calls_are_timed(ops_bot):
    chat = Chat(ops_bot)
    chat.say("مستمری")
    chat.say("0016383230")
    chat.say("09120000101")  # the registry check goes to the back-end
    text = httpx.get(f"{ops_bot}/metrics").text
    assert 'tamin_backend_seconds_count{method="POST"' in text or 'tamin_backend_seconds_count{method="GET"' in text


def test_ready_when_everything_answers(ops_bot):
    r = httpx.get(f"{ops_bot}/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["backend"] == "ok"


def test_not_ready_when_redis_is_unreachable(simulator_url):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, redis_url="redis://127.0.0.1:1/0", modules="ops")
    with ServerThread(create_app(settings), port) as server:
        r = httpx.get(f"{server.url}/readyz")
        assert r.status_code == 503 and r.json()["checks"]["redis"].startswith("down")
        # and a person writing meanwhile gets a clear Persian sentence, not an error page
        answer = Chat(server.url).say("سلام")
        assert "در دسترس نیست" in answer


def test_request_ids_are_echoed(ops_bot):
    r = httpx.get(f"{ops_bot}/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    assert len(httpx.get(f"{ops_bot}/healthz").headers["X-Request-ID"]) == 16


KEY = "-".join(["not", "a", "real", "key"]).replace("-", "0") * 4  # key-shaped, built so no scanner mistakes it


def test_json_logs_mask_personal_data():
    from bot.logs import JsonFormatter

    record = logging.LogRecord("t", logging.INFO, __file__, 1,
                               "user 0016383230 mobile 09120000101 sheba IR820540102680020817909002 url "
                               "https://api.kavenegar.com/v1/" + KEY + "/sms/send.json", None, None)
    line = JsonFormatter().format(record)
    out = json.loads(line)["msg"]
    assert "0016383230" not in out and "09120000101" not in out and "IR820540102680020817909002" not in out
    assert KEY not in out
    assert "00******30" in out


def test_persian_digits_are_masked_too():
    from bot.logs import mask

    assert "۰۰۱۶۳۸۳۲۳۰" not in mask("کد ۰۰۱۶۳۸۳۲۳۰") and "0016383230" not in mask("کد ۰۰۱۶۳۸۳۲۳۰")


def test_ready_checks_the_database_too(simulator_url, tmp_path):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, modules="ops,console",
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/ready.db")
    with ServerThread(create_app(settings), port) as server:
        r = httpx.get(f"{server.url}/readyz")
        assert r.status_code == 200 and r.json()["checks"]["database"] == "ok", r.text
