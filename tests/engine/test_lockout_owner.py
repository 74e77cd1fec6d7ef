"""A limit stops the attacker, never the owner: over the real web chat, with the real Redis store.

Issue 15.2: ten wrong-mobile tries for one national code from fresh web ids used to lock the
owner out for an hour, and five unused code requests for 15 minutes.
"""

from __future__ import annotations

import uuid

import pytest

from bot.engine import identity
from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port

SURVIVOR, SURVIVOR_MOBILE = "0023564806", "09120000102"  # pensioner-survivor (احمدی)
DISABLED, DISABLED_MOBILE = "0036064548", "09120000103"  # pensioner-disability (رضایی)


@pytest.fixture
def bot(simulator_url, redis_url, monkeypatch):
    """The whole bot over HTTP with its sessions and counters in Redis, default limits."""
    from bot.app import create_app
    from bot.settings import Settings

    monkeypatch.setattr(identity, "PAIR_SPACING", 0.3, raising=False)  # keep the test short; the pacing itself stays on
    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, public_base_url=f"http://127.0.0.1:{port}",
                        kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None,
                        redis_url=redis_url, modules="")
    with ServerThread(create_app(settings), port) as server:
        yield server.url


def _try(base: str, nc: str, mobile: str) -> str:
    c = Chat(base, user=f"web-{uuid.uuid4().hex[:12]}")
    try:
        c.say("مستمری")
        c.say(nc)
        return c.say(mobile)
    finally:
        c.close()


def _wrong_mobile(n: int) -> str:
    return f"0912{n:07d}"


def test_ten_wrong_mobiles_from_fresh_ids_do_not_lock_the_owner_out(bot):
    for n in range(10):
        _try(bot, SURVIVOR, _wrong_mobile(5550000 + n))
    owner = Chat(bot)
    owner.say("مستمری")
    answer = owner.verify(SURVIVOR, SURVIVOR_MOBILE)
    owner.close()
    assert "احمدی" in answer or "۹۸٬۷۶۰" in answer, answer


def test_five_unused_code_requests_do_not_block_the_owner(bot):
    for _ in range(5):
        assert "پیامک شد" in _try(bot, DISABLED, DISABLED_MOBILE)
    owner = Chat(bot)
    owner.say("مستمری")
    answer = owner.verify(DISABLED, DISABLED_MOBILE)
    owner.close()
    assert "رضایی" in answer or "۱۴۲٬۳۰۰" in answer, answer


def test_one_guesser_is_stopped_and_the_owner_is_not(bot):
    guesser = Chat(bot)
    guesser.say("مستمری")
    guesser.say(SURVIVOR)
    answers = [guesser.say(_wrong_mobile(5560000 + n)) for n in range(3)]
    guesser.close()
    assert "یک ساعت" in answers[-1]
    owner = Chat(bot)
    owner.say("مستمری")
    answer = owner.verify(SURVIVOR, SURVIVOR_MOBILE)
    owner.close()
    assert "احمدی" in answer or "۹۸٬۷۶۰" in answer, answer


def test_one_requester_asking_for_many_codes_is_refused(bot):
    c = Chat(bot)
    c.say("مستمری")
    c.say(DISABLED)
    assert "پیامک شد" in c.say(DISABLED_MOBILE)
    answers = [c.press("resend") for _ in range(5)]
    c.close()
    assert "بیش از حد" in answers[-1]
