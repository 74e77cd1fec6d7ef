"""خدمت ۱۰۵ (employer_debt) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

from tests.support.chat import plain

EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: workshop 1023456789
REPRESENTATIVE = ("0171082117", "09120000115")  # representative of 1012345678
WORKER = ("0053081617", "09120000105")  # worker-insured: insured at 1012345678, no right to its debt
FIGURES = ("250500000", "120000000", "118500000", "12000000")




def start(chat, person: tuple[str, str], text: str = "بدهی کارگاه") -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def test_debt_ledger_pages_and_payment_link(chat):
    answer = start(chat, EMPLOYER)
    assert "کد کارگاه" in answer and "شرکت ساختمانی البرز" in answer, answer
    assert chat.choices() == ["بله، شرکت ساختمانی البرز"]
    answer = chat.press("بله")
    p = plain(answer)
    assert all(x in p for x in FIGURES), answer
    assert "D1" in p and "D2" in p and "D3" in p and "جریمه" in answer and "حق بیمه" in answer, answer
    assert "۲۵۰٬۵۰۰٬۰۰۰ ریال" in answer and "۱۴۰۵/۰۵" in answer, answer  # Persian digits, ٬, ریال, Jalali
    assert "گردش حساب بدهی" in chat.choices() and "پرداخت اینترنتی بدهی" in chat.choices()

    answer = chat.press("گردش حساب")
    p = plain(answer)
    assert "4 مورد از 5" in p and "1405/07/15" in p and "P-88231" in p, answer
    assert "D0" not in p  # the oldest line waits for «more»
    assert "موارد قبلی گردش حساب" in chat.choices(), chat.choices()
    answer = chat.press("موارد قبلی")
    assert "D0" in answer and "115000000" in plain(answer), answer
    assert "موارد قبلی گردش حساب" not in chat.choices()

    answer = chat.press("پرداخت")
    assert "/pay/PAY-" in answer and "250500000" in plain(answer), answer
    assert any(link.get("url", "").endswith(answer.split("/pay/")[1].split()[0])
               for m in chat.last for link in m.get("links", [])), chat.last


def test_typed_code_digression_bad_choice_and_end(chat):
    start(chat, EMPLOYER)
    answer = chat.say("۱۰۱۲۳۴۵۶۷۸")  # the code typed instead of pressing the button
    assert "250500000" in plain(answer), answer
    answer = chat.say("هزینه‌ای دارد؟")  # a digression: answered, then the same choice again
    assert "رایگان" in answer and "گزینه بعدی" in answer, answer
    answer = chat.say("فلان")
    assert "یکی از گزینه‌ها" in answer and "گزینه بعدی" in answer, answer
    answer = chat.say("پرداخت")  # typed, not pressed
    assert "/pay/" in answer, answer
    answer = chat.press("پایان")
    assert "بدهی کارگاه" in answer, answer


def test_no_debt(chat):
    answer = start(chat, NO_DEBT)
    assert "کارگاه تولیدی پارس" in answer, answer
    answer = chat.press("بله")
    assert "هیچ بدهی" in answer and "1023456789" in plain(answer), answer
    assert "پرداخت" not in " ".join(chat.choices())


def test_representative_sees_the_debt(chat):
    start(chat, REPRESENTATIVE)
    answer = chat.press("بله")
    assert all(x in plain(answer) for x in FIGURES), answer


def test_worker_is_refused_without_figures(chat):
    answer = start(chat, WORKER)
    assert "کد کارگاه" in answer and not chat.choices(), answer  # no workshop of their own
    answer = chat.say("1012345678")
    assert "کارفرما یا نماینده مجاز" in answer, answer
    seen = plain("\n".join(text for _, text in chat.transcript))
    assert not any(x in seen for x in FIGURES) and "البرز" not in seen, seen


def test_bad_workshop_codes_then_right_one(chat):
    start(chat, WORKER)
    answer = chat.say("12345")
    assert "ده رقم" in answer and "کد کارگاه" in answer, answer
    answer = chat.say("1099999999")  # ten digits, no such workshop
    assert "پیدا نشد" in answer and "کد کارگاه" in answer, answer
    answer = chat.say("چه مدارکی لازم است؟")  # a digression at the workshop question
    assert "مدرکی لازم نیست" in answer and "کد کارگاه" in answer, answer
    answer = chat.say("1023456789")  # a real workshop that is not theirs
    assert "کارفرما یا نماینده مجاز" in answer and "پارس" not in answer, answer


def test_cancel_mid_flow(chat):
    start(chat, EMPLOYER)
    answer = chat.say("لغو")
    assert "لغو" in answer, answer
    answer = chat.say("بدهی کارگاه")  # identity is kept, the workshop is asked again
    assert "شرکت ساختمانی البرز" in answer and "کد ملی" not in answer, answer
