"""Voluntary insurance (85): the contract's terms before signing, a choice of start month, and its document."""

from __future__ import annotations

import httpx

from tests.support.chat import plain

FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: eligible


def _months(simulator_url: str) -> list[str]:
    e = httpx.get(f"{simulator_url}/v1/persons/{FORMER_40[0]}/voluntary", timeout=10).json()
    return e["start_months"]


def test_terms_start_month_and_the_signed_document(chat, simulator_url, bot_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    months = _months(simulator_url)
    assert len(months) == 3, months
    chat.say("بیمه اختیاری")
    chat.verify(*FORMER_40)
    summary = chat.press("حداقل مبنا")
    assert "شرایط قرارداد" in summary and "شش ماه پیاپی" in summary and "آیا" in summary, summary
    assert "آغاز قرارداد: اول " in summary, summary
    starts = [t for t in chat.choices() if t.startswith("آغاز از")]
    assert len(starts) == 2, chat.choices()  # the other two months offered

    moved = chat.press(starts[-1])
    assert "تغییر کرد" in moved and "آیا" in moved and starts[-1].removeprefix("آغاز از ") in moved, moved
    done = chat.press("بله")
    assert "منعقد شد" in done and months[-1].replace("-", "/") in plain(done), done
    doc = next(m for m in chat.last if m.get("document"))
    assert doc["document"]["filename"].endswith(".pdf"), doc
    assert "دریافت فایل قرارداد (PDF)" in {link["title"] for link in doc["links"]}, doc
    pdf = httpx.get(doc["document"]["url"], timeout=20)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-", pdf.status_code
    code = doc["document"]["url"].rsplit("/", 1)[-1].removesuffix(".pdf")
    check = httpx.get(f"{bot_url}/verify/{code}?format=json", timeout=20).json()
    assert check["valid"] is True and check["kind"] == "voluntary", check


def test_a_month_not_offered_is_refused_by_the_back_end(simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    r = httpx.post(f"{simulator_url}/v1/persons/{FORMER_40[0]}/voluntary/contracts",
                   json={"monthly_wage": 140280000, "starts_on": "1399-01-01"},
                   headers={"Idempotency-Key": "test-start-month-1"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "bad_start_month", r.text
