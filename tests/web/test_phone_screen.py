"""The web chat on a phone-sized screen (390×844) in Debian's Chromium: nothing hidden, nothing garbled."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.browser import outbox_code

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
PHONE = {"width": 390, "height": 844}


_code = outbox_code


def _bottom_clear(page, locator) -> None:
    """``locator`` is drawn inside the viewport and above the fixed input bar."""
    box = locator.bounding_box()
    bar = page.locator("#f").bounding_box()
    assert box is not None and bar is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"] + 0.5, (box, bar)


def _wait_reply(page, before: int) -> None:
    page.locator(".msg.bot").nth(before).wait_for()
    page.locator("#t:not([disabled])").wait_for()


def test_a_whole_conversation_on_a_phone(browser, bot_url):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(bot_url + "/")
    log = page.locator("#log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    bots = page.locator(".msg.bot")

    def send(text: str) -> None:
        before = bots.count()
        page.fill("#t", text)
        page.press("#t", "Enter")
        _wait_reply(page, before)

    send("سلام")
    # the newest buttons are drawn above the input bar, not under it
    _bottom_clear(page, page.locator(".choices button").last)
    page.screenshot(path=str(ARTIFACTS / "phone-menu.png"))

    before = bots.count()
    page.get_by_role("button", name="گواهی وضعیت مستمری").click()
    _wait_reply(page, before)
    assert "کد ملی" in bots.last.inner_text()
    expect(page.locator("#t")).to_be_focused()  # focus is back on the input after a button

    # while a reply is pending: a typing indicator, the input closed, a repeated Enter not taken
    held = []
    page.route("**/api/chat", lambda route: held.append(route))
    page.fill("#t", "۰۰۱۶۳۸۳۲۳۰")
    page.press("#t", "Enter")
    page.locator("#typing").wait_for()
    assert page.locator("#t").is_disabled() and page.locator("#f button").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "phone-pending.png"))
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert len(held) == 1
    before = bots.count()
    held[0].continue_()
    page.unroute("**/api/chat")
    _wait_reply(page, before)
    assert page.locator("#typing").count() == 0
    assert page.locator(".msg.me").count() == 3  # «سلام», the button, and the national code once

    send("۰۹۱۲۰۰۰۰۱۰۱")
    asked = bots.last.inner_text()
    # a reload while the bot waits for the code keeps the visible chat
    shown = [m.inner_text() for m in page.locator(".msg").all()]
    page.reload()
    page.locator(".msg").nth(len(shown) - 1).wait_for()
    assert [m.inner_text() for m in page.locator(".msg").all()] == shown
    assert bots.last.inner_text() == asked
    send(_code(bot_url, "09120000101"))
    answer = "\n".join(b.inner_text() for b in bots.all()[-3:])
    assert "۱۸۵٬۴۳۲٬۰۰۰ ریال" in answer
    amounts = page.locator("bdi", has_text="۱۸۵٬۴۳۲٬۰۰۰")
    assert amounts.count() >= 1
    _bottom_clear(page, page.locator(".msg.bot, .choices").last)
    page.screenshot(path=str(ARTIFACTS / "phone-pension.png"), full_page=True)
    context.close()


MIXED = {"messages": [{"text": "بدهی D2: ۱۱۸٬۵۰۰٬۰۰۰ ریال\nقرارداد ۱۴۰۴-۳۸۱۷ ثبت شد.\nکد رهگیری TA-7K2Q-9XPM است.",
                       "choices": [{"id": "pay", "title": "پرداخت بدهی D2"}]}]}


def test_mixed_direction_text_keeps_its_order(browser, bot_url):
    context = browser.new_context(viewport={"width": 300, "height": 700})
    page = context.new_page()
    page.route("**/api/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                          body=json.dumps(MIXED, ensure_ascii=False)))
    page.goto(bot_url + "/")
    page.fill("#t", "بدهی")
    page.press("#t", "Enter")
    page.locator(".msg.bot").first.wait_for()
    bubble = page.locator(".msg.bot").first
    d2 = bubble.locator("bdi", has_text="D2").bounding_box()
    amount = bubble.locator("bdi", has_text="۱۱۸٬۵۰۰٬۰۰۰").bounding_box()
    # right to left: «بدهی», then «D2», then the amount; never «بدهی ۱۱۸٬۵۰۰٬۰۰۰ :D2»
    assert d2["x"] > amount["x"] + amount["width"] - 1
    # the contract number and the tracking code read left to right, one run each, never wrapped at a hyphen
    contract = bubble.locator("bdi", has_text="۱۴۰۴-۳۸۱۷")
    assert contract.count() == 1 and contract.get_attribute("dir") == "ltr"
    tracking = bubble.locator("bdi", has_text="TA-7K2Q-9XPM")
    assert tracking.count() == 1 and tracking.bounding_box()["height"] < 40
    assert page.locator(".choices bdi", has_text="D2").count() == 1
    page.screenshot(path=str(ARTIFACTS / "phone-mixed.png"))
    context.close()
