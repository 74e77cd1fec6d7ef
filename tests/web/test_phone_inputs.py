"""The web chat on a phone (390×844, Debian's Chromium): the keyboard fits the question, ``?start=`` opens
a service, and a Sheba reads as printed on a card."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from bot.engine.catalog import t
from tests.support.browser import outbox_code

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
PHONE = {"width": 390, "height": 844}


def _phone(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    return context, context.new_page()


def _send(page, text: str) -> None:
    bots = page.locator(".msg.bot")
    before = bots.count()
    page.fill("#t", text)
    page.press("#t", "Enter")
    bots.nth(before).wait_for()
    page.locator("#t:not([disabled])").wait_for()


def _keyboard(page) -> tuple[str | None, str | None]:
    box = page.locator("#t")
    return box.get_attribute("inputmode"), box.get_attribute("autocomplete")


def test_start_link_opens_the_service_and_the_keyboard_fits_each_question(browser, bot_url):
    context, page = _phone(browser)
    page.goto(bot_url + "/?start=pension_status")
    page.locator(".msg.bot").first.wait_for()
    page.locator("#t:not([disabled])").wait_for()
    # the deep link opened the service itself: its question, no «/start» bubble, no menu first
    assert page.locator(".msg.me").count() == 0
    assert "کد ملی" in page.locator(".msg.bot").last.inner_text()
    assert "start=" not in page.url  # a reload keeps the conversation instead of starting it again
    assert _keyboard(page)[0] == "numeric"  # ten digits: the number pad
    page.screenshot(path=str(ARTIFACTS / "phone-start-link.png"))

    _send(page, "۰۰۱۶۳۸۳۲۳۰")
    assert "همراه" in page.locator(".msg.bot").last.inner_text()
    assert _keyboard(page)[0] == "numeric"
    _send(page, "۰۹۱۲۰۰۰۰۱۰۱")
    assert _keyboard(page) == ("numeric", "one-time-code")  # the phone may offer the code from the SMS
    sms = [m["text"] for m in httpx.get(bot_url + "/dev/outbox").json()["messages"] if m["to"] == "09120000101"][-1]
    assert re.search(r"(?<!\d)[0-9]{6}(?!\d)", sms), sms  # Latin digits, so the phone can read the code out
    page.screenshot(path=str(ARTIFACTS / "phone-code-keyboard.png"))

    shown = page.locator(".msg").count()
    page.reload()
    page.locator(".msg").nth(shown - 1).wait_for()
    assert page.locator(".msg").count() == shown  # not started again by the link
    assert _keyboard(page) == ("numeric", "one-time-code")  # still the code keyboard after a reload

    _send(page, outbox_code(bot_url, "09120000101"))
    assert "۱۸۵٬۴۳۲٬۰۰۰" in "\n".join(b.inner_text() for b in page.locator(".msg.bot").all()[-3:])
    assert _keyboard(page)[0] == "text"  # an answer in words again: the full keyboard
    context.close()


def test_an_unknown_start_link_shows_the_menu(browser, bot_url):
    context, page = _phone(browser)
    page.goto(bot_url + "/?start=no_such_service")
    page.locator(".choices button").first.wait_for()
    assert page.get_by_role("button", name="گواهی وضعیت مستمری").count() == 1
    context.close()


def test_a_sheba_reads_as_printed(browser, bot_url):
    help_text = t("sick_pay.help_sheba")  # the catalog's own example: IR06 0170 0000 0012 3456 7890 12
    reply = {"messages": [{"text": help_text, "choices": []}]}
    context, page = _phone(browser)
    page.route("**/api/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                          body=json.dumps(reply, ensure_ascii=False)))
    page.goto(bot_url + "/")
    _send(page, "IR490170000000001234567890")
    mine = page.locator(".msg.me").last
    # typed in one piece, shown back grouped as on a card, one left-to-right run that never wraps
    run = mine.locator("bdi")
    assert run.count() == 1 and run.inner_text() == "IR49 0170 0000 0000 1234 5678 90", mine.inner_html()
    assert run.get_attribute("dir") == "ltr" and run.bounding_box()["height"] < 40
    example = page.locator(".msg.bot bdi", has_text="IR06")
    assert example.count() == 1 and example.inner_text() == "IR06 0170 0000 0012 3456 7890 12"
    page.screenshot(path=str(ARTIFACTS / "phone-sheba.png"))
    context.close()
