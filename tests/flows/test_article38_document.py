"""Article 38 (4): an issued settlement certificate is handed over (PDF, code, check page), not only its state."""

from __future__ import annotations

import re

import httpx

from tests.support.chat import Chat, plain

CONTRACTOR = ("0183067045", "09120000116")  # contractor of 1404-3817: 38-1404-0091 issued 1405-07-02
HIRING = ("0169896676", "09120000114")  # the hiring employer sees the same document


def _certificates(chat: Chat, person: tuple[str, str]) -> str:
    chat.say("مفاصاحساب ماده ۳۸")
    chat.verify(*person)
    return chat.press("بله") if chat.choices() else chat.say("1404-3817")


def test_the_issued_certificate_comes_with_its_pdf_and_verification(chat, bot_url):
    answer = _certificates(chat, CONTRACTOR)
    doc = next(m for m in chat.last if m.get("document"))
    assert "۳۸-۱۴۰۴-۰۰۹۱" in doc["text"] and "کد صحت‌سنجی" in doc["text"], doc
    code = re.search(r"TA-[A-Z0-9]{4}-[A-Z0-9]{4}", plain(doc["text"])).group(0)
    assert doc["document"]["filename"].endswith(".pdf") and code in doc["document"]["filename"], doc
    assert {link["title"] for link in doc["links"]} >= {"دریافت فایل گواهی (PDF)", "صفحه استعلام اصالت گواهی"}, doc
    pdf = httpx.get(doc["document"]["url"], timeout=20)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    page = httpx.get(f"{bot_url}/verify/{code}", timeout=20)
    assert page.status_code == 200 and "مفاصاحساب ماده ۳۸" in page.text and "1404-3817" in plain(page.text), \
        page.text[:2000]
    check = httpx.get(f"{bot_url}/verify/{code}?format=json", timeout=20).json()
    assert check["valid"] is True and check["kind"] == "article38" and "38-1404-0091" in check["summary"], check
    assert "۳۸-۱۴۰۵-۰۰۱۷" in answer and "۳۸-۱۴۰۵-۰۰۴۲" not in doc["text"], answer  # only the issued one has a file


def test_the_hiring_employer_gets_the_same_document(chat):
    _certificates(chat, HIRING)
    docs = [m for m in chat.last if m.get("document")]
    assert len(docs) == 1 and "۳۸-۱۴۰۴-۰۰۹۱" in docs[0]["text"], chat.last
