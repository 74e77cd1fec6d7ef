"""The Kavenegar client against the fake Kavenegar over real HTTP: typed errors, no blind re-send."""

from __future__ import annotations

import logging

import pytest

from integrations.kavenegar import KavenegarClient, KavenegarTimeout
from integrations.kavenegar.errors import (
    CODES,
    AccountError,
    BadReceptor,
    NoCredit,
    RateLimited,
    TemplateError,
    error_for,
)

KEY = "secret-api-key-0123456789abcdef"


@pytest.fixture
async def client(kavenegar):
    c = KavenegarClient(KEY, kavenegar.url, timeout=0.5)
    yield c
    await c.aclose()


async def test_send_lookup_and_status(client, kavenegar):
    sent = await client.send("09121111111", "سلام", "10001420", localid="77")
    assert sent[0].messageid > 0
    call = kavenegar.calls_of("sms/send")[-1]
    assert call["key"] == KEY and call["params"]["localid"] == "77" and call["params"]["sender"] == "10001420"
    await client.lookup("09121111111", "tamin-otp", token="123456")
    assert kavenegar.calls_of("verify/lookup")[-1]["params"]["token"] == "123456"
    assert (await client.status([sent[0].messageid]))[0].status == 10
    assert (await client.status_by_localid(["77"]))[0].status == 10
    await client.send_array(["09121111111"], ["یک"], ["10001420"])


@pytest.mark.parametrize("code,kind", [(411, BadReceptor), (418, NoCredit), (424, TemplateError), (451, RateLimited)])
async def test_return_codes_are_typed(client, kavenegar, code, kind):
    kavenegar.fail("sms/send", code)
    with pytest.raises(kind) as info:
        await client.send("09121111111", "x", "10001420")
    assert info.value.code == code


def test_every_documented_code_has_a_type():
    for code in (400, 401, 402, 403, 404, 405, 406, 407, 409, 411, 412, 413, 414, 417, 418, 419, 422, 424, 426,
                 428, 431, 432, 451, 501):
        assert code in CODES and error_for(code).code == code


async def test_timeout_is_looked_up_before_sending_again(client, kavenegar):
    kavenegar.delay("sms/send", 1.0)  # recorded as sent, answered too late
    before = len(kavenegar.calls_of("sms/send"))
    await client.send_once("09122222222", "یک بار", "10001420", localid="555")
    assert len(kavenegar.calls_of("sms/send")) == before + 1  # found by its local id: not sent twice
    assert kavenegar.calls_of("sms/statuslocalmessageid")[-1]["params"]["localid"] == "555"


async def test_unknown_after_timeout_is_sent_again(client, kavenegar):
    kavenegar.delay("sms/send", 1.0, sent=False)  # lost: Kavenegar never got it
    await client.send_once("09123333333", "دو", "10001420", localid="556")
    tries = [c for c in kavenegar.calls_of("sms/send") if c["params"].get("localid") == "556"]
    assert [c.get("failed") for c in tries] == ["lost", None]
    assert kavenegar.calls_of("sms/statuslocalmessageid")[-1]["params"]["localid"] == "556"


async def test_two_timeouts_give_a_typed_timeout(client, kavenegar):
    kavenegar.delay("sms/send", 1.0, sent=False)
    kavenegar.delay("sms/send", 1.0, sent=False)
    with pytest.raises(KavenegarTimeout):
        await client.send_once("09123333334", "سه", "10001420", localid="557")


async def test_the_key_never_reaches_the_logs(client, kavenegar, caplog):
    caplog.set_level(logging.DEBUG)
    kavenegar.fail("sms/send", 403)
    with pytest.raises(AccountError):
        await client.send("09121111111", "x", "10001420")
    assert KEY not in caplog.text
