"""خدمت ۶ (dependents) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: مریم (spouse) and سارا (child) on record
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: not insured now
NEW_CHILD = "0192658425"  # a son of six
ADULT_SON = "0200749226"  # a son of 23, not a student
FATHER_65 = "0215947835"
UNRELATED = "0016383230"  # pensioner-retired: no relation to worker-insured
UNKNOWN = "0987654322"  # right check digit, unknown to the registry




def start(chat, person: tuple[str, str] | None = WORKER) -> str:
    """Open the service from the menu (and prove who one is the first time)."""
    chat.say("منو")
    answer = chat.press("افراد تبعی")
    if person is None:
        return answer
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_list_then_no(chat):
    answer = start(chat)
    assert "مریم" in answer and "سارا" in answer and "همسر" in answer and "فرزند" in answer, answer
    assert "1369/05/20" in plain(answer) and "1396/10/03" in plain(answer), answer
    assert "آیا" in answer and any(t.startswith("بله") for t in chat.choices()), answer
    answer = chat.press("خیر")
    assert "افراد تبعی" in answer, answer


def test_add_new_child_with_mistakes(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    start(chat)
    answer = chat.press("بله")
    assert "نسبت" in answer and {"همسر", "پدر", "مادر"} <= set(chat.choices()), answer
    answer = chat.say("همسایه")
    assert "همسر، فرزند، پدر یا مادر" in answer, answer
    answer = chat.press("فرزند")
    assert "کد ملی" in answer and "فرزند" in answer, answer

    answer = chat.say("0192658426")  # wrong check digit
    assert "رقم کنترل" in answer and "کد ملی" in answer, answer
    answer = chat.say("12345")
    assert "5 رقم" in plain(answer) and "کد ملی" in answer, answer
    answer = chat.say(WORKER[0])  # one's own code
    assert "خودتان" in answer or "خود شما" in answer, answer
    answer = chat.say("0073757871")  # سارا, already covered
    assert "هم‌اکنون" in answer and "کد ملی" in answer, answer
    answer = chat.say("شرایط پسر بالای ۱۸ سال چیست؟")  # a digression, then the same question again
    assert "۲۰ سالگی" in answer and "محصل" in answer and "کد ملی" in answer, answer
    answer = chat.say("۰۱۹۲۶۵۸۴۲۵")
    assert "آیا" in answer and NEW_CHILD in plain(answer) and "فرزند" in answer, answer
    answer = chat.press("بله")
    assert "امید" in answer and "ثبت شد" in answer, answer

    answer = start(chat, None)  # the new child is listed now
    assert "امید" in answer and "مریم" in answer and "سارا" in answer, answer


def test_adult_son_refused_with_what_would_help(chat):
    answer = chat.say("میخوام پسرمو اضافه کنم به بیمه")  # the request itself names the relation
    assert "کد ملی" in answer, answer
    answer = chat.verify(*WORKER)
    assert "مریم" in answer and "کد ملی" in answer and "فرزند" in answer and "آیا" not in answer, answer
    answer = chat.say(ADULT_SON)
    assert "آیا" in answer and "فرزند" in answer, answer
    answer = chat.press("بله")
    assert "۱۸ سالگی" in answer and "محصل" in answer and "23 سال" in plain(answer), answer
    assert "ثبت شد" not in answer, answer


def test_father_added_typed_relation(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    start(chat)
    chat.press("بله")
    answer = chat.say("پدرم")
    assert "کد ملی" in answer and "پدر" in answer, answer
    answer = chat.say(FATHER_65)
    assert "آیا" in answer, answer
    answer = chat.press("بله")
    assert "عباس" in answer and "ثبت شد" in answer, answer


def test_unrelated_then_unknown_code(chat):
    start(chat)
    chat.press("بله")
    chat.press("فرزند")
    chat.say(UNRELATED)
    answer = chat.press("بله")
    assert "ثبت احوال" in answer and "کدام" in answer and "ثبت شد" not in answer, answer
    answer = chat.press("کد ملی")  # correct the code only, keep the relation
    assert "کد ملی" in answer and "فرزند" in answer, answer
    chat.say(UNKNOWN)
    answer = chat.press("بله")
    assert "یافت نشد" in answer and "کد ملی" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


def test_not_insured_refused(chat):
    answer = start(chat, FORMER_40)
    assert "ثبت نشده" in answer and "بیمه شما اکنون برقرار نیست" in answer and "آیا" not in answer, answer


def test_cancel_mid_flow(chat):
    start(chat)
    answer = chat.press("بله")
    assert "نسبت" in answer, answer
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
    answer = chat.say("فرزند")
    assert "کد ملی" not in answer, answer
