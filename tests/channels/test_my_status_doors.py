"""«وضعیت من» on Telegram, Bale and SMS over real HTTP, the bot talking to a simulator of this module's own."""

from __future__ import annotations

import uuid

import httpx
import pytest

from basics.bidi import FSI, PDI
from tests.channels.support import MessengerUser, SmsUser, bot_env, bot_server, plain
from tests.support.servers import ServerThread, free_port
from tests.support.services import redis_db

WORKER = ("0053081617", "09120000105")  # worker-insured
EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: workshop 1023456789
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


REDIS_DB14 = redis_db(14)


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def backend():
    """The back-end simulator over HTTP, this module's own: its faults and claims touch no other test."""
    from integrations.tamin.simulator import create_app

    port = free_port()
    with ServerThread(create_app(public_base=f"http://127.0.0.1:{port}"), port) as server:
        yield server.url


@pytest.fixture(scope="module")
def status_bot(bot_api, kavenegar, backend, redis_available):
    """Every door on, a durable ingress in Redis db 14, the back-end at ``backend``."""
    _flush(REDIS_DB14)
    with bot_server(bot_env(bot_api, kavenegar, REDIS_DB14, TAMIN_BACKEND_URL=backend)) as url:
        yield url
    _flush(REDIS_DB14)


def bare(text: str) -> str:
    return plain(text.replace(FSI, "").replace(PDI, ""))


def sim(backend: str, path: str, **kw) -> httpx.Response:
    r = httpx.post(f"{backend}{path}", timeout=10, **kw)
    r.raise_for_status()
    return r


def file_claim(backend: str, national_code: str) -> str:
    """A sick-pay claim on record (once per simulator: a second one is refused as already claimed)."""
    body = {"leave_from": "1405-08-10", "leave_to": "1405-08-20", "test_date": "1405-08-10", "test_ref": "T-7",
            "sheba": "IR490170000000001234567890"}
    r = httpx.post(f"{backend}/v1/persons/{national_code}/sick-pay/claims", json=body, timeout=10,
                   headers={"Idempotency-Key": uuid.uuid4().hex})
    if r.status_code == 200:
        return r.json()["tracking_number"]
    found = httpx.get(f"{backend}/v1/persons/{national_code}/sick-pay", timeout=10).json()
    return found["claim"]["tracking_number"]


def messenger_overview(bot: str, api, kavenegar, kind: str, who: tuple[str, str]) -> tuple[MessengerUser, list]:
    user = MessengerUser(bot, api, kind, f"status-{kind}")
    greeting = user.say("/start")
    assert any(d == "svc:my_status" for m in greeting for d, _ in m["choices"]), greeting
    asked = user.press("svc:my_status")
    assert "کد ملی" in asked[-1]["text"] and "وضعیت من" in asked[-1]["text"], asked
    asked = user.say(who[0].translate(FA))
    assert asked[-1]["contact"], asked
    user.share_contact(who[1])
    code = kavenegar.sent_to(who[1], "verify/lookup")[-1]["params"]["token"]
    return user, user.say(code)


@pytest.mark.parametrize("kind", ["telegram", "bale"])
def test_worker_on_messengers(status_bot, backend, bot_api, kavenegar, kind):
    tracking = file_claim(backend, WORKER[0])
    user, out = messenger_overview(status_bot, bot_api, kavenegar, kind, WORKER)
    text = "\n".join(m["text"] for m in out)
    p = bare(text)
    assert "هم‌اکنون بیمه‌شده" in text and "1012345678" in p and "2400 روز" in p, text
    assert "احتساب خدمت سربازی: شرایط را دارید" in text, text
    assert "بیمه اختیاری: لازم نیست" in text, text
    assert tracking in p and "در دست رسیدگی" in text, text
    buttons = [d for m in out for d, _ in m["choices"]]
    assert "svc:military_service" in buttons and "svc:sick_pay" in buttons, buttons
    assert not any("parse_mode" in c["params"] for c in user.sent())
    started = user.press("svc:military_service")  # the button starts the service, identity carried
    assert "شرایط احتساب خدمت سربازی را دارید" in started[-1]["text"], started
    user.say("لغو")  # nothing left open: the next door's proof of this mobile carries nothing over (20.2)


def test_employer_on_telegram_sees_only_their_workshop(status_bot, bot_api, kavenegar):
    _, out = messenger_overview(status_bot, bot_api, kavenegar, "telegram", EMPLOYER)
    text = "\n".join(m["text"] for m in out)
    p = bare(text)
    assert "شرکت ساختمانی البرز" in text and "250500000 ریال" in p and "هنوز پذیرفته نشده" in text, text
    assert "1023456789" not in p and "کارگاه تولیدی پارس" not in text and "1404-3817" not in p, text


def test_other_employer_on_bale_sees_only_theirs(status_bot, bot_api, kavenegar):
    _, out = messenger_overview(status_bot, bot_api, kavenegar, "bale", NO_DEBT)
    text = "\n".join(m["text"] for m in out)
    p = bare(text)
    assert "کارگاه تولیدی پارس" in text and "بدهی: ندارد" in text and "38-1404-0091" in p, text
    assert "1012345678" not in p and "250500000" not in p, text


def test_worker_by_sms_one_short_message_with_a_numbered_menu(status_bot, backend, kavenegar):
    tracking = file_claim(backend, WORKER[0])
    user = SmsUser(status_bot, kavenegar, WORKER[1])
    out = user.say("وضعیت من")
    if "کد ملی" in out[-1]:  # not proven yet; proven on a messenger from this mobile, SMS asks nothing (20.2)
        out = user.say(WORKER[0])
    assert len(out) == 1, out  # one message
    text = out[0]
    assert len(text) <= 268, (len(text), text)
    p = bare(text)
    assert "بیمه برقرار" in text and "2400 روز" in p, text
    assert "سربازی: شرایط را دارید" in text and "بیمه اختیاری: نه" in text, text
    assert tracking in p and "در دست رسیدگی" in text, text
    menu = [line for line in text.splitlines() if line[:1] in "۱۲۳۴۵۶۷۸۹"]
    assert menu and menu[0].startswith("۱ "), text
    option = next(line.split()[0] for line in menu if "سربازی" in line)
    detail = user.say(option)  # a number opens that service's details, no identity asked again
    assert "سربازی" in detail[-1] and "کد ملی" not in detail[-1], detail


def test_one_part_hanging_on_sms_still_answers(status_bot, backend, kavenegar):
    user = SmsUser(status_bot, kavenegar, EMPLOYER[1])
    user.say("پرونده من")
    user.say(EMPLOYER[0])  # verified; now the e-notice read hangs
    sim(backend, "/_sim/faults", json={"mode": "timeout", "path_prefix": "/v1/workshops/1012345678/e-notice"})
    try:
        out = user.say("وضعیت من")
    finally:
        sim(backend, "/_sim/faults", json={"mode": "ok"})
    text = "\n".join(out)
    assert "ابلاغ الکترونیک: پاسخ نرسید" in text and "250500000" in bare(text), text
