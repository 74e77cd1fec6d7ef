"""One identity across doors over real HTTP (issue 20.2): started on Telegram, finished by SMS; never another's.

The bot runs with every door on, its sessions in Redis (db 13 of this helper's server) and a
back-end simulator of this module's own.
"""

from __future__ import annotations

import httpx
import pytest

from tests.channels.support import MessengerUser, SmsUser, bot_env, bot_server, plain
from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port
from tests.support.services import redis_db

WORKER = ("0053081617", "09120000105")  # worker-insured: positive test 1405-08-10, leave 08-10..08-20
OTHER = "09120000106"  # worker-short-record's mobile: another person
SHEBA = "IR490170000000001234567890"
REDIS_DB13 = redis_db(13)


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture
def backend():
    """A fresh simulator per test: a claim filed in one test is not «already claimed» in the next."""
    from integrations.tamin.simulator import create_app

    port = free_port()
    with ServerThread(create_app(public_base=f"http://127.0.0.1:{port}"), port) as server:
        yield server.url


@pytest.fixture
def linked_bot(bot_api, kavenegar, backend, redis_available):
    _flush(REDIS_DB13)
    with bot_server(bot_env(bot_api, kavenegar, REDIS_DB13, TAMIN_BACKEND_URL=backend)) as url:
        yield url
    _flush(REDIS_DB13)


def start_on_telegram(bot: str, api, kavenegar, name: str) -> MessengerUser:
    """A worker opens sick pay on Telegram, proves who they are, changes the dates and gives the first."""
    user = MessengerUser(bot, api, "telegram", name)
    user.say("/start")
    asked = user.press("svc:sick_pay")
    assert "کد ملی" in asked[-1]["text"], asked
    user.say(WORKER[0])
    user.share_contact(WORKER[1])
    code = kavenegar.sent_to(WORKER[1], "verify/lookup")[-1]["params"]["token"]
    out = user.say(code)
    assert ("change", "تغییر تاریخ‌ها") in out[-1]["choices"], out  # the dates on record, for one «تأیید»
    out = user.press("change")
    assert "تاریخ شروع" in out[-1]["text"], out
    out = user.say("1405/08/10")
    assert "تاریخ پایان" in out[-1]["text"], out
    return user


def claims(backend: str) -> dict:
    return httpx.get(f"{backend}/v1/persons/{WORKER[0]}/sick-pay", timeout=10).json()


def test_started_on_telegram_finished_by_sms(linked_bot, backend, bot_api, kavenegar):
    tg = start_on_telegram(linked_bot, bot_api, kavenegar, "linked-tg-sms")
    sms = SmsUser(linked_bot, kavenegar, WORKER[1])
    offer = sms.say("سلام")
    assert "ادامه درخواست غرامت بیماری؟" in offer[-1], offer
    resumed = sms.say("۱")
    assert "تاریخ پایان" in resumed[-1] and "کد ملی" not in resumed[-1], resumed  # no second proof
    assert "تاریخ انجام آزمایش" in sms.say("1405/08/20")[-1]
    assert "آزمایش" in sms.say("1405/08/10")[-1]
    assert "شبا" in sms.say("14058810")[-1]
    summary = sms.say(SHEBA)[-1]
    assert SHEBA not in plain(summary), summary
    sent = len(kavenegar.sent_to(WORKER[1], "verify/lookup"))
    asked = sms.say("بله")  # a payout on SMS still needs a code to the same number
    assert "کد" in asked[-1], asked
    codes = kavenegar.sent_to(WORKER[1], "verify/lookup")
    assert len(codes) == sent + 1, codes
    done = sms.say(codes[-1]["params"]["token"])
    assert "پیگیری" in done[-1], done
    assert claims(backend).get("claim"), "the claim is on record"
    menu = tg.say("منو")  # the request moved: Telegram no longer offers to resume it
    assert not any(d == "resume" for m in menu for d, _ in m["choices"]), menu


def test_another_number_borrows_nothing(linked_bot, bot_api, kavenegar):
    start_on_telegram(linked_bot, bot_api, kavenegar, "linked-tg-other")
    stranger = SmsUser(linked_bot, kavenegar, OTHER)
    out = stranger.say("سلام")
    assert not any("ادامه" in m for m in out), out
    asked = stranger.say("وضعیت من")
    assert "کد ملی" in asked[-1], asked  # they must prove who they are


def test_web_proves_by_code_then_the_request_carries_over(linked_bot, bot_api, kavenegar):
    tg = start_on_telegram(linked_bot, bot_api, kavenegar, "linked-tg-web")
    chat = Chat(linked_bot)
    try:
        chat.say("منو")
        asked = chat.press("وضعیت من")
        assert "کد ملی" in asked, asked  # a cookie session never borrows the Telegram proof
        chat.say(WORKER[0])
        asked = chat.say(WORKER[1])
        assert "کد" in asked, asked
        code = kavenegar.sent_to(WORKER[1], "verify/lookup")[-1]["params"]["token"]
        out = chat.say(code)
        assert "تلگرام" in out and "غرامت دستمزد" in out, out  # the open request came along
        offered = chat.press("resume") if "resume" in [c["id"] for m in chat.last for c in m["choices"]] else None
        if offered is None:
            chat.say("منو")
            offered = chat.press("resume")
        assert "تاریخ پایان" in offered, offered
    finally:
        chat.close()
    menu = tg.say("منو")
    assert not any(d == "resume" for m in menu for d, _ in m["choices"]), menu
