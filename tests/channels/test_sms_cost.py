"""What the pension-status conversation costs by SMS (UCS-2 parts); bench/sms_parts.py prints every service's."""

from __future__ import annotations

import re

from bot.channels.render_sms import segments
from tests.channels.support import SmsUser, plain

OPTION = re.compile(r"^\s*([0-9۰-۹]+)\s*[-.)ـ:]?\s*(.+)$", re.M)


def _forget(mobile: str) -> None:
    """A new person: drop the session (and its verified identity) kept for ``mobile``."""
    import redis

    from bot.engine.linked import link_key
    from tests.channels.conftest import REDIS_DB7

    db = redis.Redis.from_url(REDIS_DB7)
    for pattern in (f"tamin:*{mobile}*", f"*{link_key(mobile)}*"):  # its session, and its proof from other doors
        for key in db.scan_iter(pattern):
            db.delete(key)
    db.close()


def _converse(user: SmsUser, said: list[str]) -> list[tuple[str, list[str]]]:
    turns = []
    for text in said:
        turns.append((text, user.say(text)))
    return turns


def _option(reply: list[str], word: str) -> str:
    for n, title in OPTION.findall("\n".join(reply)):
        if word in title:
            return n
    raise AssertionError(f"no option «{word}» in {reply}")


def _figures(turns: list[tuple[str, list[str]]]) -> tuple[int, int, int]:
    texts = [t for _, reply in turns for t in reply]
    return len(turns), len(texts), sum(segments(t) for t in texts)


def test_sms_cost_of_pension_status(durable_bot, kavenegar):
    # by menu numbers: «منو», «۱», national code, then «۱» (yes) for the certificate
    _forget("09120000101")
    menu_user = SmsUser(durable_bot, kavenegar, "09120000101")
    turns = _converse(menu_user, ["منو"])
    turns += _converse(menu_user, [_option(turns[-1][1], "مستمری"), "0016383230"])
    assert "185432000" in plain("\n".join(turns[-1][1]))
    to_amount = _figures(turns)
    turns += _converse(menu_user, [_option(turns[-1][1], "بله")])
    assert "http" in turns[-1][1][-1]
    with_cert = _figures(turns)
    # as the acceptance driver talks: the service named in the first SMS
    _forget("09120000101")
    named = SmsUser(durable_bot, kavenegar, "09120000101")
    named_turns = _converse(named, ["مستمری", "0016383230"])
    assert "185432000" in plain("\n".join(named_turns[-1][1]))
    by_name = _figures(named_turns)
    for _, reply in turns + named_turns:
        assert all(len(t) <= 268 for t in reply)
        for t in reply:  # lines that start with a digit are menu options only
            assert all(re.match(r"^[۰-۹]{1,2} \S", line) for line in t.splitlines() if line[:1].isdigit())
    # UCS-2 parts (the old bounds were 16, then 6 and 8): by menu to the amount 5 (a two-part menu),
    # with the certificate 6 (a one-part certificate); named first 3
    assert to_amount[2] <= 5, to_amount
    assert with_cert[2] <= 6, with_cert  # the whole conversation stays cheap
    assert by_name[2] <= 3, by_name

