"""Mixed-direction text on the messengers and SMS: every line a Persian reader reads right to left.

A line that starts with «D1» or holds «۱۴۰۴-۳۸۱۷» bare is laid out left to right by the phone (its first
strong letter is Latin, or the hyphen flips the digits): «بدهی ۱۱۸٬۵۰۰٬۰۰۰ :D1 ریال», «۳۸۱۷-۱۴۰۴».
The runs are sent isolated (U+2068 … U+2069), so neither can happen.
"""

from __future__ import annotations

import re

from basics.bidi import FSI, PDI
from tests.channels.support import MessengerUser, SmsUser

EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678, items D1-D3
CONTRACTOR = ("0183067045", "09120000116")  # contractor of 1404-3817
_ISOLATED = re.compile(f"{FSI}[^{PDI}]*{PDI}")
_PERSIAN_LETTER = re.compile(r"(?=[\u0600-\u06ff])[^\W\d_]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9۰-۹]")


def _first_strong_is_persian(line: str) -> bool:
    """What decides the line's direction (isolated runs do not): a Persian letter before any Latin."""
    bare = _ISOLATED.sub("", line)
    latin = re.search(r"[A-Za-z]", bare)
    persian = _PERSIAN_LETTER.search(bare)
    return persian is not None and (latin is None or persian.start() < latin.start())


def _reads_right_to_left(text: str) -> None:
    for line in text.splitlines():
        if _PERSIAN_LETTER.search(line):
            assert _first_strong_is_persian(line), repr(line)


def _hyphened_runs_isolated(text: str, run: str) -> None:
    assert run in text, text
    assert run not in _ISOLATED.sub("", text), repr(text)  # every «۱۴۰۴-۳۸۱۷» sits inside an isolate


def _choice(msgs: list[dict], prefix: str) -> str:
    for m in msgs:
        for data, _ in m["choices"]:
            if data.startswith(prefix):
                return data
    raise AssertionError(f"no {prefix} button in {msgs}")


def test_debt_items_on_telegram_read_right_to_left(durable_bot, bot_api, kavenegar):
    user = MessengerUser(durable_bot, bot_api, "telegram", "bidi-debt")
    user.press(_choice(user.say("/start"), "svc:employer_debt"))
    user.say(EMPLOYER[0])
    user.share_contact(EMPLOYER[1])
    code = kavenegar.sent_to(EMPLOYER[1], "verify/lookup")[-1]["params"]["token"]
    asked = user.say(code)
    result = user.press(_choice(asked, "yes")) if any(m["choices"] for m in asked) else asked
    text = "\n".join(m["text"] for m in result)
    assert "D1" in text and "D2" in text, text
    _reads_right_to_left(text)
    assert f"{FSI}D2{PDI}" in text, repr(text)
    for m in result:  # the buttons too
        for _, title in m["choices"]:
            _reads_right_to_left(title)


def test_debt_items_by_sms_read_right_to_left(durable_bot, kavenegar):
    user = SmsUser(durable_bot, kavenegar, EMPLOYER[1])
    user.say("بدهی کارگاه")
    asked = user.say(EMPLOYER[0])
    result = user.say("۱") if "۱ بله" in "\n".join(asked) else asked
    text = "\n".join(result)
    assert "D1" in text, text
    _reads_right_to_left(text)


def test_a_contract_number_by_sms_keeps_its_order(durable_bot, kavenegar):
    user = SmsUser(durable_bot, kavenegar, CONTRACTOR[1])
    user.say("مفاصاحساب ماده ۳۸")
    text = "\n".join(user.say(CONTRACTOR[0]))
    _hyphened_runs_isolated(text, "۱۴۰۴-۳۸۱۷")
    _reads_right_to_left(text)


def test_a_contract_number_on_bale_keeps_its_order(durable_bot, bot_api, kavenegar):
    user = MessengerUser(durable_bot, bot_api, "bale", "bidi-contract")
    user.press(_choice(user.say("/start"), "svc:article38"))
    user.say(CONTRACTOR[0])
    user.share_contact(CONTRACTOR[1])
    code = kavenegar.sent_to(CONTRACTOR[1], "verify/lookup")[-1]["params"]["token"]
    asked = user.say(code)
    text = "\n".join([m["text"] for m in asked] + [t for m in asked for _, t in m["choices"]])
    _hyphened_runs_isolated(text, "۱۴۰۴-۳۸۱۷")
    _reads_right_to_left(text)
