"""The web chat in a real browser (Debian's Chromium): a newcomer talks to the bot at once."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import outbox_code

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"


_code = outbox_code


def test_pension_status_in_the_browser(browser, bot_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(bot_url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"

    def send(text: str) -> None:
        before = page.locator(".msg.bot").count()
        page.fill("#t", text)
        page.press("#t", "Enter")
        page.locator(".msg.bot").nth(before).wait_for()  # no eval: the page's CSP forbids it

    send("سلام")
    assert "خوش آمدید" in page.locator(".msg.bot").last.inner_text()
    before = page.locator(".msg.bot").count()
    page.get_by_role("button", name="گواهی وضعیت مستمری").click()
    page.locator(".msg.bot").nth(before).wait_for()
    assert "کد ملی" in page.locator(".msg.bot").last.inner_text()
    send("۰۰۱۶۳۸۳۲۳۰")
    send("۰۹۱۲۰۰۰۰۱۰۱")
    send(_code(bot_url, "09120000101"))
    answer = page.locator(".msg.bot").nth(-2).inner_text() + page.locator(".msg.bot").last.inner_text()
    assert "۱۸۵٬۴۳۲٬۰۰۰ ریال" in answer
    page.screenshot(path=str(ARTIFACTS / "chat-pension.png"), full_page=True)
    # what a person typed is shown as text, never as markup
    send("<b>سلام</b>")
    assert page.locator(".msg.me b").count() == 0
    page.close()


def test_outbox_page_shows_the_codes_for_a_newcomer(browser, bot_url):
    page = browser.new_page()
    page.goto(bot_url + "/dev/outbox")
    assert "صندوق پیامک" in page.content()
    page.close()
