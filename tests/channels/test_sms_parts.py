"""Every poster service's whole SMS conversation stays within its UCS-2 parts budget, its numbers stable."""

from __future__ import annotations

import re

import pytest

from bot.channels.render_sms import SMS_CAP
from tests.channels.conftest import REDIS_DB7
from tests.channels.support import SmsUser
from tests.doors.sms_conversations import OPTION, TALKS, converse, forget, option

URL = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:ir|com|org)\b\S*")


def _meaning(title: str) -> str:
    """What an option says, without its politeness: «بله، تأیید» and «بله» are both «بله»."""
    return re.split(r"[\s،,]+", title.strip())[0]


@pytest.mark.parametrize("talk", TALKS, ids=[t.service for t in TALKS])
def test_each_service_keeps_its_sms_budget(durable_bot, kavenegar, talk):
    cost = converse(durable_bot, kavenegar, REDIS_DB7, talk)
    assert talk.until in cost.last(), cost.transcript  # it reached the service's result
    meant: dict[str, str] = {}
    for _, reply in cost.transcript:
        assert all(len(t) <= SMS_CAP for t in reply)
        for t in reply:  # lines that start with a digit are menu options only
            assert all(re.match(r"^[۰-۹]{1,2} \S", line) for line in t.splitlines() if line[:1].isdigit())
            for line in t.splitlines():  # no address in a sentence; a payment page or certificate on its own line
                assert not URL.search(line) or URL.fullmatch(line), line
            for n, title in OPTION.findall(t):  # a number means one thing all through the service
                assert meant.setdefault(n, _meaning(title)) == _meaning(title), (n, title, cost.transcript)
    assert cost.parts <= talk.budget, cost.transcript


def test_a_number_keeps_its_meaning_on_a_later_page(durable_bot, kavenegar):
    # debt page 1 offers «پایان» by a number; on the ledger's last page the same number still ends it
    forget(REDIS_DB7, "09120000113")
    user = SmsUser(durable_bot, kavenegar, "09120000113")
    user.say("بدهی کارگاه")
    first = user.say("0158165667")
    if "کارگاه «" in first[-1]:
        first = user.say(option(first, "بله"))
    end = option(first, "پایان")
    page = user.say(option(first, "گردش"))
    page = user.say(option(page, "قبلی"))
    assert "(۵ از ۵)" in page[-1], page
    done = user.say(end)
    assert "به‌روز" in done[-1] and "بدهی کارگاه" in done[-1], (end, page, done)  # the closing line, not a re-ask
    user.http.close()
