"""Mixed-direction text on the messengers and SMS: every line a Persian reader reads right to left.

A line that starts with «D1» or holds «۱۴۰۴-۳۸۱۷» bare is laid out left to right by the phone (its first
strong letter is Latin, or the hyphen flips the digits): «بدهی ۱۱۸٬۵۰۰٬۰۰۰ :D1 ریال», «۳۸۱۷-۱۴۰۴».
The runs are sent isolated (U+2068 … U+2069), so neither can happen.
"""

from __future__ import annotations

import re

from basics.bidi import FSI, PDI
from tests.channels.support import SmsUser

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


def test_debt_items_and_buttons_on_the_messengers_read_right_to_left():
    from bot.channels.render_messenger import render
    from bot.engine.messages import Choice, Outbound

    text = "اقلام بدهی:\n• D1 — حق بیمه، دوره ۱۴۰۵/۰۵: ۱۲۰٬۰۰۰٬۰۰۰ ریال\nقرارداد ۱۴۰۴-۳۸۱۷، شبا IR۱۲…۳۴۵۶"
    ops = render([Outbound(text, [Choice("svc:objection|item=D1", "اعتراض به D1"), Choice("x", "D2 پرداخت")])])
    sent = ops[-1]["text"]
    _reads_right_to_left(sent)
    _hyphened_runs_isolated(sent, "۱۴۰۴-۳۸۱۷")
    _hyphened_runs_isolated(sent, "IR۱۲…۳۴۵۶")
    for row in ops[-1]["inline"]:
        for button in row:
            _reads_right_to_left(button["text"])


def test_a_contract_number_by_sms_keeps_its_order(durable_bot, kavenegar):
    user = SmsUser(durable_bot, kavenegar, CONTRACTOR[1])
    user.say("مفاصاحساب")
    text = "\n".join(user.say(CONTRACTOR[0]))
    _hyphened_runs_isolated(text, "۱۴۰۴-۳۸۱۷")
    _reads_right_to_left(text)
