"""Every poster service's whole SMS conversation stays within its UCS-2 parts budget."""

from __future__ import annotations

import re

import pytest

from bot.channels.render_sms import SMS_CAP
from tests.channels.conftest import REDIS_DB7
from tests.doors.sms_conversations import TALKS, converse


@pytest.mark.parametrize("talk", TALKS, ids=[t.service for t in TALKS])
def test_each_service_keeps_its_sms_budget(durable_bot, kavenegar, talk):
    cost = converse(durable_bot, kavenegar, REDIS_DB7, talk)
    assert talk.until in cost.last(), cost.transcript  # it reached the service's result
    for _, reply in cost.transcript:
        assert all(len(t) <= SMS_CAP for t in reply)
        for t in reply:  # lines that start with a digit are menu options only
            assert all(re.match(r"^[۰-۹]{1,2} \S", line) for line in t.splitlines() if line[:1].isdigit())
    assert cost.parts <= talk.budget, cost.transcript
