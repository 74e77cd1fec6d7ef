"""«چرا؟» and «ولی من …» after the refusals of every service: the rule with the person's own figures,
and the honest next step with the document to bring (the web chat over real HTTP)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured
SHORT = ("0089820673", "09120000106")  # worker-short-record: 500 days, no positive test, no fractional days
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: not insured since 1403-12-29
FIFTY_FIVE = ("0101661819", "09120000108")  # former-insured-55-short: 1440 days, needs 1825
NO_CARD = ("0124768644", "09120000110")  # young-no-service-card
SUSPENDED = ("0041021150", "09120000104")  # pensioner-suspended since 1405-06-01
CONTRACTOR = ("0183067045", "09120000116")  # contractor of 1404-3817 (38-1405-0042 refused)
ADULT_SON = "0200749226"


def _refused(chat, button: str, person: tuple[str, str], *typed: str) -> str:
    chat.say("منو")
    chat.press(button)
    answer = chat.verify(*person)
    for text in typed:
        answer = chat.say(text)
    return answer


def _no_fallback(answer: str) -> None:
    assert "منظورتان" not in answer and "متوجه نشدم" not in answer and "کدام خدمت" not in answer, answer


# (button, person, typed after the proof, a «why», what only its own explanation says,
#  an objection, the document or place its next step names)
CASES = {
    "voluntary-over-50": ("بیمه اختیاری", FIFTY_FIVE, (), "چرا؟", ("۳۶۵", "1825", "1440", "385"),
                          "ولی من بیشتر سابقه دارم", ("دفترچه بیمه", "شعبه", "۱۴۲۰")),
    "voluntary-no-card": ("بیمه اختیاری", NO_CARD, (), "یعنی چی؟", ("معافیت",),
                          "ولی من کارت پایان خدمت دارم", ("اصل آن", "کارت پایان خدمت", "شعبه")),
    "sick-pay-no-test": ("غرامت دستمزد", SHORT, (), "چرا نمیشه؟", ("گواهی پزشک لازم نیست",),
                         "ولی من تستم مثبت بود", ("برگه جواب آزمایش", "گواهی استراحت", "شعبه")),
    "sick-pay-not-insured": ("غرامت دستمزد", FORMER_40, (), "چرا؟", ("1403/12/29", "1000"),
                             "ولی من شاغلم", ("فهرست بیمه", "فیش حقوقی")),
    "military-not-insured": ("سربازی", FORMER_40, (), "چرا؟", ("1000",),
                             "ولی من الان کار میکنم", ("کارفرما", "فهرست بیمه", "۱۴۲۰")),
    "pension-suspended": ("مستمری", SUSPENDED, (), "چرا؟", ("1405/06/01", "علت ثبت‌شده"),
                          "ولی من دیگه کار نمیکنم", ("حکم مستمری", "شعبه پرداخت مستمری")),
    "fractional-nothing": ("ماه‌های کسری", SHORT, (), "چرا؟", ("کمتر از ۳۰ روز",),
                           "ولی من ماه پیش کم کار کردم", ("فیش حقوقی آن ماه",)),
    "debt-not-employer": ("بدهی", WORKER, ("1012345678",), "چرا؟", ("معرفی کرده",),
                          "ولی من نماینده کارفرما هستم", ("وکالت‌نامه", "شعبه")),
    "dependents-adult-son": ("تبعی", WORKER, ("بله", "فرزند", ADULT_SON, "بله"), "چرا؟",
                             ("ماده ۵۸", "23"), "ولی پسرم دانشجوئه", ("گواهی اشتغال به تحصیل",)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_why_and_objection_after_a_refusal(chat, simulator_url, case):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    button, person, typed, why, own, objection, step = CASES[case]
    _refused(chat, button, person, *typed)
    answer = chat.say(why)
    _no_fallback(answer)
    assert "دلیل، شرطی است که در پاسخ قبلی آمد" not in answer, answer  # its own rule, not the refusal again
    for part in own:
        assert part in plain(answer) or part in answer, (part, answer)
    answer = chat.say(objection)
    _no_fallback(answer)
    for part in step:
        assert part in answer, (part, answer)


def test_why_a_listed_article38_certificate_was_refused(chat):
    chat.say("منو")
    chat.press("ماده ۳۸")
    answer = chat.verify(*CONTRACTOR)
    if "1404-3817" not in plain(answer) or "صادر نشد" not in answer:
        answer = chat.say("1404-3817")
    assert "صادر نشد" in answer, answer
    answer = chat.say("چرا صادر نشد؟")
    _no_fallback(answer)
    assert "38-1405-0042" in plain(answer) and "حق بیمه کارکنان" in answer and "بدهی کارفرما" in answer, answer
    answer = chat.say("ولی ما پرداخت کردیم")
    assert "رسید پرداخت" in answer and "شعبه" in answer, answer


@pytest.mark.parametrize("first", ["چرا گواهی من رد شد؟", "گواهی من چرا رد شد"])
def test_why_a_certificate_was_refused_as_a_first_message(chat, first):
    answer = chat.say(first)
    # nothing was refused in this conversation: never «the reason is in that message»
    assert "دلیل هر پاسخ در همان پیام" not in answer and "پاسخ قبلی" not in answer, answer
    assert "گواهی" in answer and "دلیل" in answer, answer
    assert {"مفاصاحساب ماده ۳۸", "غرامت دستمزد ایام بیماری"} <= set(chat.choices()), chat.choices()
    chat.press("مفاصاحساب ماده ۳۸")
    answer = chat.verify(*CONTRACTOR)
    if "1404-3817" not in plain(answer) or "صادر نشد" not in answer:
        answer = chat.say("1404-3817")
    assert "صادر نشد" in answer, answer
    answer = chat.say("چرا؟")
    assert "38-1405-0042" in plain(answer) and "بدهی کارفرما" in answer, answer
