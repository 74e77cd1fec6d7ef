"""خدمت ۱۱۵ (objection) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import re

import httpx
import pytest

from basics.digits import to_ascii
from tests.support.chat import plain

EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678, D1 D2 D3
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: workshop 1023456789 owes nothing
CONTRACTOR = ("0183067045", "09120000116")  # no workshop of their own




@pytest.fixture
def fresh(simulator_url):
    """Objections are state: start from the fixtures."""
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()


def start(chat, person: tuple[str, str], text: str = "اعتراض به بدهی") -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_file_objection_then_see_the_hearing(chat, fresh):
    start(chat, EMPLOYER)
    answer = chat.press("بله")
    assert "کدام قلم" in answer, answer
    assert [c.split(":")[0] for c in chat.choices()] == ["اعتراض به D1", "اعتراض به D2", "اعتراض به D3"]
    answer = chat.press("opt:D3")
    assert "علت" in answer and "D3" in answer and "12٬000٬000" in to_ascii(answer), answer
    answer = chat.press("مبلغ بدهی نادرست")
    assert "توضیح" in answer and "توضیح دیگری ندارم" in chat.choices(), answer
    answer = chat.say("لیست این ماه به موقع ارسال شده و جریمه تعلق نمی‌گیرد")
    assert "پیوست نمی‌شود" in answer and "شعبه" in answer, answer  # documents: not here, where to
    assert "آیا" in answer and "D3" in answer and "به موقع ارسال" in answer, answer
    answer = chat.press("بله")
    number = re.search(r"OBJ-\d{4}-\d+", answer)
    assert number and "ثبت شد" in answer, answer
    assert "جلسه رسیدگی" in answer and "هیئت" in answer and "ساعت" in answer, answer
    assert re.search(r"\d{4}/\d{2}/\d{2}", plain(answer)), answer

    # later: the objection, its state and hearing first, with a button for a new one
    answer = chat.say("اعتراض به بدهی")
    answer = chat.press("بله")
    assert number.group(0) in answer and "وقت رسیدگی تعیین شده" in answer and "هیئت" in answer, answer
    assert "ثبت اعتراض جدید" in chat.choices(), chat.choices()
    answer = chat.press("ثبت اعتراض جدید")
    answer = chat.say("D3")  # already being heard
    assert "در دست رسیدگی" in answer and "کدام قلم" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


def test_typed_item_and_sentence_reason_then_correct_it(chat, fresh):
    start(chat, EMPLOYER)
    chat.say("1012345678")
    answer = chat.say("۳")  # the third item, typed
    assert "علت" in answer and "D3" in answer, answer
    answer = chat.say("این جریمه را قبلاً پرداخت کرده‌ام")  # a sentence: reason and explanation at once
    assert "قبلاً پرداخت شده" in answer and "آیا" in answer and "پرداخت کرده‌ام" in answer, answer
    answer = chat.press("خیر")  # correct it: back to the item
    assert "کدام قلم" in answer, answer
    answer = chat.say("d1")
    assert "علت" in answer and "D1" in answer, answer
    answer = chat.press("سایر موارد")
    answer = chat.press("توضیح دیگری ندارم")
    assert "سایر موارد" in answer and "آیا" in answer, answer
    answer = chat.press("بله")
    assert re.search(r"OBJ-\d{4}-\d+", answer) and "D1" in answer, answer


def test_bad_input_and_digression_at_each_step(chat, fresh):
    start(chat, EMPLOYER)
    answer = chat.say("123")
    assert "ده رقم" in answer and "کد کارگاه" in answer, answer
    answer = chat.press("بله")
    answer = chat.say("D9")
    assert "در فهرست بدهی کارگاه نیست" in answer and "کدام قلم" in answer, answer
    answer = chat.say("چه مدارکی لازم است؟")  # digression: documents are brought, not attached
    assert "پیوست نمی‌شود" in answer and "کدام قلم" in answer, answer
    chat.press("opt:D2")
    answer = chat.say("اه")
    assert "یک جمله" in answer and "علت" in answer, answer
    answer = chat.say("هزینه‌ای دارد؟")
    assert "هزینه‌ای ندارد" in answer and "علت" in answer, answer
    chat.press("دوره (ماه)")
    answer = chat.say(".")
    assert "کوتاه" in answer and "توضیح" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


def test_no_debt_no_objection(chat):
    start(chat, NO_DEBT)
    answer = chat.press("بله")
    assert "بدهی‌ای ندارد" in answer, answer


def test_no_right_to_the_workshop(chat):
    answer = start(chat, CONTRACTOR)
    assert "کد کارگاه" in answer, answer
    answer = chat.say("1012345678")
    assert "کارفرما یا نماینده مجاز" in answer and "D1" not in answer and "البرز" not in answer, answer
