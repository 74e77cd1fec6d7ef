"""The pension-status flow on Telegram, Bale and SMS over real HTTP, with a durable ingress."""

from __future__ import annotations

import time

import pytest

from basics.digits import to_persian
from tests.channels.support import SECRET, MessengerUser, SmsUser, plain

PERSONAS = {
    "telegram": ("0036064548", "09120000103", "142300000"),  # pensioner-disability
    "bale": ("0023564806", "09120000102", "98760000"),  # pensioner-survivor
}


def _choice(msgs: list[dict], prefix: str) -> tuple[str, str]:
    for m in msgs:
        for data, title in m["choices"]:
            if data.startswith(prefix):
                return data, title
    raise AssertionError(f"no {prefix} button in {msgs}")


@pytest.mark.parametrize("kind", ["telegram", "bale"])
def test_pension_status_by_buttons(durable_bot, bot_api, kavenegar, kind):
    nc, mobile, amount = PERSONAS[kind]
    user = MessengerUser(durable_bot, bot_api, kind, f"pension-{kind}")
    greeting = user.say("/start")
    assert greeting and greeting[0]["choices"], greeting
    data, _ = _choice(greeting, "svc:pension_status")
    asked = user.press(data)
    assert "کد ملی" in asked[-1]["text"]
    asked = user.say(to_persian(nc))
    assert asked[-1]["contact"], asked  # the one-time «share my number» keyboard
    keyboard = asked[-1]["markup"]
    assert keyboard.get("one_time_keyboard") and len(keyboard["keyboard"]) == 1
    sent = user.share_contact(mobile)
    assert sent, "no answer to the shared contact"
    code = kavenegar.sent_to(mobile, "verify/lookup")[-1]["params"]["token"]
    assert kavenegar.sent_to(mobile, "verify/lookup")[-1]["params"]["template"] == "tamin-otp"
    result = user.say(code)
    assert amount in plain("\n".join(m["text"] for m in result)), result
    if kind == "telegram":  # the certificate comes as a PDF file uploaded with sendDocument
        before = len(bot_api.calls_of("sendDocument"))
        cert = user.press(_choice(result, "yes")[0])
        docs = [c for c in bot_api.calls_of("sendDocument")[before:] if c["params"].get("chat_id") == str(user.uid)]
        assert cert and docs and docs[0]["params"]["document"]["size"] > 1000
        assert docs[0]["params"]["document"]["data"].startswith(b"%PDF")
    # every button press was answered, so no button keeps spinning
    answered = bot_api.calls_of("answerCallbackQuery")
    assert any(c["token"] == user.token for c in answered)
    # plain text only: no parse mode, ever
    assert not any("parse_mode" in c["params"] for c in user.sent())


def test_pension_status_by_sms(durable_bot, kavenegar):
    user = SmsUser(durable_bot, kavenegar, "09120000101")  # pensioner-retired
    menu = user.say("منو")
    assert len(menu) == 1
    lines = menu[0].splitlines()
    option = next(line.split()[0] for line in lines if "مستمری" in line and line[0].isdigit())
    assert option == "۱"
    # only menu lines start with a digit
    assert all(not line[0].isdigit() or len(line.split()[0]) <= 2 for line in lines)
    asked = user.say(option)
    assert "کد ملی" in asked[-1]
    result = user.say("0016383230")
    assert "185432000" in plain("\n".join(result)), result
    assert all(len(t) <= 268 for t in kavenegar.texts_to("09120000101"))


def test_wrong_secrets_get_401(durable_bot, bot_api, kavenegar):
    tg = MessengerUser(durable_bot, bot_api, "telegram", "secrets-tg")
    bale = MessengerUser(durable_bot, bot_api, "bale", "secrets-bale")
    hdr = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert tg.post(tg.text_update("/start"), secret="wrong", headers=hdr).status_code == 401
    assert tg.post(tg.text_update("/start"), headers={}).status_code == 401
    assert tg.post(tg.text_update("/start"), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}).status_code == 401
    assert bale.post(bale.text_update("/start"), secret="wrong").status_code == 401
    assert bale.post(bale.text_update("/start"), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}).status_code == 401
    sms = SmsUser(durable_bot, kavenegar, "09129998877")
    assert sms.post("منو", secret="wrong").status_code == 401
    r = sms.http.get(f"{durable_bot}/webhooks/kavenegar/wrong", params={"from": "09129998877", "message": "منو"})
    assert r.status_code == 401
    time.sleep(0.5)
    assert tg.sent() == [] and bale.sent() == [] and kavenegar.texts_to("09129998877") == []
    # Bale's real updates carry no header: the path secret alone lets them in
    assert bale.say("/start")


def test_kavenegar_get_push_is_accepted(durable_bot, kavenegar):
    sms = SmsUser(durable_bot, kavenegar, "09129990011")
    r = sms.http.get(f"{durable_bot}/webhooks/kavenegar/{SECRET}",
                     params={"from": "989129990011", "to": "10001420", "message": "منو", "messageid": "g-1"})
    assert r.status_code == 200
    assert len(sms.say("راهنما")) >= 1
    assert any("منو" in t or "۱" in t for t in kavenegar.texts_to("09129990011"))


def test_429_is_honoured_and_nothing_lost(durable_bot, bot_api):
    user = MessengerUser(durable_bot, bot_api, "telegram", "throttled")
    bot_api.throttle(2, retry_after=1)
    t0 = time.time()
    out = user.turn(user.text_update("/start"), limit=15)
    assert out and out[0]["choices"], out
    assert time.time() - t0 >= 1.9  # two 429s, each waited out
    calls = [c for c in bot_api.calls if str(c["params"].get("chat_id")) == str(user.uid)]
    assert len(calls) == 3 and len(out) == 1  # two refused, then delivered once


def test_duplicate_update_is_processed_once(durable_bot, bot_api, kavenegar):
    user = MessengerUser(durable_bot, bot_api, "bale", "dup")
    update = user.text_update("/start")
    update["update_id"] = 987654321
    assert user.post(dict(update)).status_code == 200
    assert user.post(dict(update)).status_code == 200
    first = user.turn(dict(update))
    time.sleep(0.5)
    assert len(first) == 1 and len(user.sent()) == 1
    sms = SmsUser(durable_bot, kavenegar, "09129990022")
    for _ in range(3):
        assert sms.post("منو", messageid="dup-42").status_code == 200
    time.sleep(1.0)
    assert len(kavenegar.texts_to("09129990022")) == 1


def test_bale_and_telegram_users_with_the_same_id_are_different(durable_bot, bot_api):
    tg = MessengerUser(durable_bot, bot_api, "telegram", "same")
    bale = MessengerUser(durable_bot, bot_api, "bale", "same")
    bale.uid = tg.uid
    greeting = tg.say("/start")
    data, _ = _choice(greeting, "svc:pension_status")
    assert "کد ملی" in tg.press(data)[-1]["text"]
    # the Bale user never started the flow: a national code is not an answer for them
    out = bale.say("/start")
    assert out and out[0]["choices"]
