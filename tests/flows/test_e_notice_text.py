"""E-notice (95): the agreement's whole text is there before it is signed with a code, by SMS and after skipping."""

from __future__ import annotations

import httpx

from bot.engine.messages import Channel
from tests.flows.harness import Person

EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: 1012345678 has not accepted
LAST_PARAGRAPH = "انصراف کتبی"  # from the fourth of the agreement's five paragraphs


async def test_by_sms_the_whole_text_is_offered_before_the_code(engine):
    person = Person(engine, EMPLOYER[1], Channel.SMS)
    await person.say("ابلاغ الکترونیک")
    await person.say(EMPLOYER[0])
    asked = await person.say("بله")  # the workshop on record
    assert "موافق" in asked and "eservices" not in asked and "text" in person.buttons(), (asked, person.buttons())
    number = {c.id: c.number for m in person.last for c in m.choices}
    text = await person.say(str(number["text"]))  # the number the SMS showed beside «متن کامل»
    assert "کارتابل" in text and LAST_PARAGRAPH in text and "موافق" in text, text
    agree = next(c.number for m in person.last for c in m.choices if "موافقم" in c.title)
    signed = await person.say(str(agree))
    assert "کد" in signed, signed


def test_after_skipping_the_parts_the_text_is_one_button_away(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    chat.say("توافق‌نامه ابلاغ الکترونیک")
    chat.verify(*EMPLOYER)
    chat.press("بله")
    asked = chat.press("رفتن به پرسش پایانی")
    assert LAST_PARAGRAPH not in asked and "متن کامل توافق‌نامه" in chat.choices(), (asked, chat.choices())
    text = chat.press("متن کامل توافق‌نامه")
    assert "کارتابل" in text and LAST_PARAGRAPH in text and "آیا" in text and "موافق" in text, text
    answer = chat.press("بله، موافقم")
    assert "کد تأیید" in answer, answer
