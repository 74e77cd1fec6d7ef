"""A Rasa server that accepts connections and never answers costs one timeout, then is skipped."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from bot.nlu.rasa import RasaBackend
from tests.support.servers import ServerThread, free_port


class HungServer:
    """Accepts TCP connections on loopback, reads nothing back, answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._run = True
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while self._run:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._run = False
        self.sock.close()
        for c in self.accepted:
            c.close()


@pytest.fixture
def hung():
    server = HungServer()
    yield server
    server.close()


async def test_the_chat_pays_one_timeout_then_the_breaker_skips_rasa(hung):
    rasa = RasaBackend(hung.url, timeout=0.5)
    results = [await rasa.aparse("سلام") for _ in range(5)]
    assert len(hung.accepted) == 1  # one try; the other four went straight to our NLU
    assert all(r["intent"]["name"] for r in results)
    rasa.parse("سلام")  # the blocking path shares the breaker
    assert len(hung.accepted) == 1


def test_model_parse_goes_through_rasa_url_with_a_breaker(hung):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(rasa_url=hung.url, public_base_url=f"http://127.0.0.1:{port}", kavenegar_api_key=None,
                        telegram_bot_token=None, bale_bot_token=None, redis_url=None, modules="")
    with ServerThread(create_app(settings), port) as server, httpx.Client(timeout=30) as http:
        first = http.post(f"{server.url}/model/parse", json={"text": "سلام"})
        assert first.status_code == 200 and first.json()["intent"]["name"]
        assert len(hung.accepted) == 1  # it asked the Rasa server at RASA_URL
        for _ in range(3):
            assert http.post(f"{server.url}/model/parse", json={"text": "سلام"}).status_code == 200
        assert len(hung.accepted) == 1  # and then skipped it
