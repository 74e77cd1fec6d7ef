"""«نه، … بود» corrects an earlier answer of the flow and comes back, without a failed attempt (web chat)."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: positive test 1405-08-10, leave 08-10..08-20


def test_a_no_correction_goes_back_to_the_date_it_names(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    chat.say("منو")
    chat.press("غرامت دستمزد")
    chat.verify(*WORKER)
    answer = chat.press("تغییر تاریخ‌ها")  # not the dates on record: one by one
    assert "تاریخ شروع" in answer, answer
    chat.say("1405/08/11")  # the start mistyped
    asked = chat.say("1405/08/20")
    assert "آزمایش" in asked, asked
    answer = chat.say("نه، تاریخ شروع 1405/08/10 بود")
    assert "اصلاح" in answer and "نامعتبر" not in answer, chat.transcript[-3:]
    assert answer.rstrip().endswith(asked.rstrip().splitlines()[-1]), answer  # the open question again
    for typed in ("1405/08/10", "98765432"):
        if "شبا" not in answer:
            answer = chat.say(typed if "تاریخ" in answer else "98765432")
    assert "شبا" in answer, answer
    answer = chat.say("IR820540102680020817909002")
    assert "1405/08/10" in plain(answer) and "1405/08/11" not in plain(answer), answer
