"""Issue 2's end-to-end proof: the pension-status conversation through POST /api/chat, sessions in real Redis."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat, plain
from tests.support.servers import ServerThread, free_port
from tests.support.services import redis_db

RETIRED_NC, RETIRED_MOBILE = "0016383230", "09120000101"


@pytest.fixture(scope="module")
def redis_bot(simulator_url, redis_available):
    import redis

    from bot.app import create_app
    from bot.settings import Settings

    url = redis_db(4)
    redis.Redis.from_url(url).flushdb()
    port = free_port()
    settings = Settings(tamin_backend_url=simulator_url, redis_url=url, public_base_url=f"http://127.0.0.1:{port}",
                        kavenegar_api_key=None, telegram_bot_token=None, bale_bot_token=None, modules="")
    with ServerThread(create_app(settings), port) as server:
        yield server.url, url
    redis.Redis.from_url(url).flushdb()


def test_pension_status_from_hello_to_the_answer_with_mistakes_on_the_way(redis_bot):
    base, url = redis_bot
    chat = Chat(base)
    greeting = chat.say("سلام")
    assert "خوش آمدید" in greeting and any("مستمری" in c for c in chat.choices())

    ask = chat.say("وضعیت مستمری")
    assert "کد ملی" in ask and "۱۸۵" not in ask

    bad = chat.say("۰۰۱۶۳۸۳۲۳۱")  # the right code with a wrong check digit
    assert "معتبر نیست" in bad and "کد ملی" in bad

    ask_mobile = chat.say("۰۰۱۶۳۸۳۲۳۰")
    assert "شماره همراه" in ask_mobile

    ask_code = chat.say(RETIRED_MOBILE)
    assert "کد تأیید" in ask_code and "۰۹۱۲***۱۰۱" in ask_code

    wrong = chat.say("000000")
    assert "درست نیست" in wrong and "۲ بار" in wrong and "۱۸۵" not in wrong

    answer = chat.say(chat.otp(RETIRED_MOBILE))
    assert "185432000" in plain(answer) and "۱۸۵٬۴۳۲٬۰۰۰ ریال" in answer
    assert "۱۴۰۵/۰۸/۲۵" in answer and "بازنشستگی" in answer and "برقرار" in answer

    cert = chat.press("بله")
    assert "گواهی" in cert
    msg = next(m for m in chat.last if m.get("document"))
    code = msg["document"]["url"].rsplit("/", 1)[-1].removesuffix(".pdf")
    verified = chat.http.get(f"{base}/verify/{code}", headers={"Accept": "application/json"}).json()
    assert verified["valid"] is True

    import redis

    keys = [k.decode() for k in redis.Redis.from_url(url).keys("tamin:s:*")]
    assert any(chat.engine_key() in k for k in keys), "the session lives in Redis"


def test_a_person_who_gives_a_wrong_code_keeps_their_place(redis_bot):
    base, _ = redis_bot
    chat = Chat(base)
    chat.say("مستمری")
    chat.say(RETIRED_NC)
    chat.say(RETIRED_MOBILE)
    chat.say("123")
    again = chat.say("111111")
    assert "کد تأیید" in again  # still at the code step: nothing typed before is lost
    answer = chat.say(chat.otp(RETIRED_MOBILE))
    assert "185432000" in plain(answer)


def test_another_persons_mobile_does_not_open_the_record(redis_bot):
    base, _ = redis_bot
    chat = Chat(base)
    chat.say("مستمری")
    chat.say(RETIRED_NC)
    refused = chat.say("09120000105")  # worker-insured's mobile
    assert "به نام دارنده کد ملی" in refused and "۱۸۵" not in refused and "شماره همراه" in refused
