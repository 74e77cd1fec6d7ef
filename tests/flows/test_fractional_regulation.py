"""Fractional months (7): «مشاهده آئین‌نامه قرارداد» before agreeing, as the poster's steps go."""

from __future__ import annotations

import httpx

from bot.engine.messages import Channel
from tests.flows.harness import Person

FRACTIONAL = ("0148889336", "09120000112")  # worker-fractional: 15 days to complete


def test_the_regulation_is_shown_in_full_before_agreeing(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    chat.say("تکمیل ماه‌های کسری")
    asked = chat.verify(*FRACTIONAL)
    assert "موافق" in asked and "مشاهده آئین‌نامه قرارداد" in chat.choices(), chat.choices()
    rules = chat.press("مشاهده آئین‌نامه قرارداد")
    assert "آئین‌نامه قرارداد" in rules and "سررسید" in rules and "بی‌اثر" in rules, rules
    assert "موافق" in rules and "بله، موافقم" in chat.choices(), (rules, chat.choices())  # the question again
    summary = chat.press("بله")
    assert "آیا" in summary and "اطلاعات" in summary, summary


def test_typing_for_the_regulation_shows_it_and_agreeing_with_it_still_agrees(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    chat.say("کسری ماه")
    chat.verify(*FRACTIONAL)
    rules = chat.say("آیین‌نامه قرارداد رو می‌خوام ببینم")
    assert "بی‌اثر" in rules and "موافق" in rules, rules
    summary = chat.say("با آیین‌نامه موافقم")
    assert "بی‌اثر" not in summary and "آیا" in summary, summary


async def test_by_sms_the_regulation_is_an_option_too(engine):
    person = Person(engine, FRACTIONAL[1], Channel.SMS)
    await person.say("ماه‌های کسری")
    await person.say(FRACTIONAL[0])
    assert "regulation" in person.buttons(), person.buttons()
    rules = await person.say("۳")
    assert "آئین‌نامه" in rules and "پایان نیم‌سال" in rules and "موافق" in rules, rules
