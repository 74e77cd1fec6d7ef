"""17.9: a certificate's verification link opens a readable Persian page on the bot's own address; JSON on request."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.chat import Chat
from tests.support.servers import ServerThread, free_port

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "verify"
RETIRED = ("0016383230", "09120000101")  # pensioner-retired: محمود کرمانی


@pytest.fixture(scope="module")
def embedded_bot():
    """The bot in its embedded default (simulator in-process), with the verification page wired in."""
    from bot.app import create_app
    from bot.channels import verify_page
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=None, public_base_url=f"http://127.0.0.1:{port}", kavenegar_api_key=None,
                        telegram_bot_token=None, bale_bot_token=None, redis_url=None, modules="", otp_max_sends=100)
    app = create_app(settings)
    verify_page.install(app)  # what bot/app.py does once the coordinator wires the router
    with ServerThread(app, port) as server:
        yield server.url


@pytest.fixture(scope="module")
def certificate(embedded_bot: str) -> dict:
    """A pension certificate issued through the web chat, as its holder gets it."""
    chat = Chat(embedded_bot)
    try:
        chat.say("وضعیت مستمری")
        chat.verify(*RETIRED)
        chat.press("بله")
        message = next(m for m in chat.last if m.get("document"))
        return {"code": message["document"]["url"].rsplit("/", 1)[-1].removesuffix(".pdf"),
                "verify": next(link["url"] for link in message["links"] if "/verify/" in link["url"])}
    finally:
        chat.close()


def test_the_link_is_on_the_bots_own_address(embedded_bot: str, certificate: dict) -> None:
    assert certificate["verify"] == f"{embedded_bot}/verify/{certificate['code']}"
    assert "/sim/" not in certificate["verify"]


def test_json_only_when_asked(certificate: dict) -> None:
    for kw in ({"headers": {"Accept": "application/json"}}, {"params": {"format": "json"}}):
        body = httpx.get(certificate["verify"], timeout=20, **kw).json()
        assert body["valid"] is True and body["verification_code"] == certificate["code"]
        assert body["kind"] == "pension" and body["holder"] == "م. کرمانی" and body["issued_on"]
    page = httpx.get(certificate["verify"], timeout=20)  # a plain client, as a person's link opens it
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_unknown_codes_keep_the_json_contract(embedded_bot: str) -> None:
    asked = httpx.get(f"{embedded_bot}/verify/TA-NONE-NONE", params={"format": "json"}, timeout=20)
    assert asked.status_code == 200 and asked.json()["valid"] is False  # as before: the back-end's answer
    assert asked.json()["verification_code"] == "TA-NONE-NONE"
    odd = httpx.get(f"{embedded_bot}/verify/TA-NONE-NONE.pdf", params={"format": "json"}, timeout=20)
    assert odd.status_code == 404 and odd.json()["valid"] is False  # never handed to the back-end as a path


def test_a_partner_reads_the_page_in_a_browser(browser, certificate: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fa-IR")
    try:
        response = page.goto(certificate["verify"])
        assert response is not None and response.status == 200
        text = page.inner_text("body")
        assert "استعلام اصالت گواهی" in text and "اصیل است" in text and "معتبر" in text
        assert "گواهی وضعیت دریافت مستمری" in text  # what the certificate is
        assert "م. کرمانی" in text and "محمود" not in text and "0016383230" not in text  # the holder, masked
        assert "بازنشستگی" in text and "برقرار" in text  # what it says
        assert "تاریخ صدور" in text and "۱۴۰" in text  # issued when, in Persian digits
        assert certificate["code"] in page.inner_text("bdi.code")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone
        page.screenshot(path=str(ARTIFACTS / "verify-valid.png"), full_page=True)

        base = certificate["verify"].rsplit("/", 1)[0]
        response = page.goto(f"{base}/TA-ZZZZ-ZZZZ")
        assert response is not None and response.status == 404
        text = page.inner_text("body")
        assert "صادر نشده" in text and "۱۴۲۰" in text and "اصیل است" not in text
        page.screenshot(path=str(ARTIFACTS / "verify-unknown.png"), full_page=True)
    finally:
        page.close()

