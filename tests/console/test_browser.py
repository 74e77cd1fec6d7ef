"""The console in headless Chromium: sign in, search the guide, run the voluntary-insurance check for
a caller, take a Telegram conversation from the bot and answer it, and the supervisor's pages."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.console.conftest import AGENT, SUPERVISOR
from tests.support.browser import outbox_code
from tests.support.chat import Chat

CALLER_NC, CALLER_MOBILE = "0093337426", "09120000107"  # persona former-insured-40
TG_USER = 777001


def _sign_in(browser, console, who, artifacts=None, start="/console/guide"):
    ctx = browser.new_context(viewport={"width": 1440, "height": 960}, locale="fa-IR", device_scale_factor=1)
    page = ctx.new_page()
    page.goto(f"{console.url}{start}")
    assert "/console/login" in page.url
    if artifacts is not None:
        page.screenshot(path=str(artifacts / "01-login.png"), full_page=True)
    page.fill("input[name=username]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return ctx, page



def _traffic(console) -> None:
    """Some real conversations in the web chat, so the supervisor's charts have something to show."""
    done = Chat(console.url)
    done.say("وضعیت مستمری")
    done.verify("0016383230", "09120000101")
    done.press("خیر") if any("خیر" in c for c in done.choices()) else done.say("خیر")
    cancel = Chat(console.url)
    cancel.say("بیمه اختیاری")
    cancel.say("لغو")
    wrong = Chat(console.url)
    wrong.say("احتساب سربازی")
    for _ in range(4):
        wrong.say("۱۲۳")
    lost = Chat(console.url)
    lost.say("زرشک پلو با مرغ")
    lost.say("هوا امروز ابری است")
    for c in (done, cancel, wrong, lost):
        c.close()


def test_agent_day_in_the_browser(console, chromium, artifacts, simulator_url):
    # the caller must be eligible: start from the fixtures, whatever other test folders signed before
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()
    ctx, page = _sign_in(chromium, console, AGENT, artifacts)
    assert page.url.endswith("/console/guide")

    # 1. the guide, searched with Arabic letters and a typo as callers and agents type them
    page.fill("input[name=q]", "بيمه اختياري")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("article.service h2")
    assert "بیمه اختیاری" in page.inner_text("article.service h2")
    page.fill("input[name=q]", "مفاصا حساب پیمانکار")
    page.press("input[name=q]", "Enter")
    expect(page.locator("article.service h2").first).to_contain_text("مفاصاحساب")
    page.fill("input[name=q]", "بیمع اختیاری")
    page.press("input[name=q]", "Enter")
    expect(page.locator("article.service h2").first).to_contain_text("بیمه اختیاری")
    page.screenshot(path=str(artifacts / "02-guide.png"), full_page=True)

    # 2. run the voluntary-insurance eligibility check for a caller, straight from the guide
    flow = "voluntary_insurance" if "voluntary_insurance" in console.app.state.engine.flows else "pension_status"
    if flow == "voluntary_insurance":
        page.click("article.service >> text=انجام این خدمت برای تماس‌گیرنده")
    else:
        page.goto(f"{console.url}/console/calls?flow={flow}")
    page.wait_for_url(re.compile(r"/console/calls\?flow="))
    assert page.is_checked(f"input[name=flow][value={flow}]")
    page.screenshot(path=str(artifacts / "03-call-start.png"), full_page=True)
    page.click("form[action='/console/calls'] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/calls/[0-9a-f]{16}"))
    assert "کد ملی" in page.inner_text("#turns")
    assert "هویت هنوز تأیید نشده" in page.inner_text("main")
    for answer in (CALLER_NC, CALLER_MOBILE):
        page.fill("input[name=text]", answer)
        page.press("input[name=text]", "Enter")
        page.wait_for_load_state()
    assert "کد تأیید" in page.inner_text("#turns")
    page.fill("input[name=text]", outbox_code(console.url, CALLER_MOBILE))
    page.press("input[name=text]", "Enter")
    page.wait_for_load_state()
    turns = page.inner_text("#turns")
    if flow == "voluntary_insurance":
        assert "شرایط انعقاد قرارداد بیمه اختیاری را دارید" in turns, turns
    assert "هویت تأیید شد" in page.inner_text("main")
    assert CALLER_NC not in turns  # what the agent typed is kept masked
    page.screenshot(path=str(artifacts / "04-call-verified.png"), full_page=True)
    before = len(console.outbox(CALLER_MOBILE))
    page.click("form[action$='/sms'] button")
    page.wait_for_selector("p.notice")
    sent = console.outbox(CALLER_MOBILE)
    assert len(sent) == before + 1
    if flow == "voluntary_insurance":
        assert "شرایط انعقاد قرارداد بیمه اختیاری" in sent[-1] and "باید بین" not in sent[-1]

    # 3. a Telegram user asks for a person; the agent takes the conversation and answers
    console.telegram(TG_USER, "سلام")
    console.wait_for(lambda: console.sent_texts(TG_USER), what="the bot's greeting on Telegram")
    console.telegram(TG_USER, "اپراتور")
    console.wait_for(lambda: any("کارشناس" in x for x in console.sent_texts(TG_USER)), what="the handoff notice")
    page.goto(f"{console.url}/console/inbox")
    page.wait_for_selector("table.queue tr.waiting")
    assert "تلگرام" in page.inner_text("table.queue") and "درخواست کارشناس" in page.inner_text("table.queue")
    page.screenshot(path=str(artifacts / "05-inbox.png"), full_page=True)
    page.click("table.queue tr.waiting >> text=باز کردن")
    assert "اپراتور" not in page.inner_text("main")  # no transcript before a reason is given
    page.select_option("select[name=reason]", "handoff")
    page.click("form[action$='/take'] button[type=submit]")
    page.wait_for_selector("#turns")
    assert "اپراتور" in page.inner_text("#turns")
    console.wait_for(lambda: any("بر عهده گرفت" in x for x in console.sent_texts(TG_USER)), what="the taken notice")
    reply = "سلام، علی رضایی هستم از مرکز ۱۴۲۰. بفرمایید، در خدمتم."
    page.fill("textarea[name=text]", reply)
    page.click("form[action$='/reply'] button[type=submit]")
    page.wait_for_load_state()
    console.wait_for(lambda: any(reply in x for x in console.sent_texts(TG_USER)), what="the agent's reply on Telegram")
    # while the agent holds it, the person's words reach the agent and the bot keeps quiet
    sent_before = len(console.sent_texts(TG_USER))
    console.telegram(TG_USER, "کد رهگیری اعتراض کارگاهم را گم کرده‌ام")
    expect(page.locator("#turns")).to_contain_text("کد رهگیری اعتراض", timeout=10000)
    assert len(console.sent_texts(TG_USER)) == sent_before
    page.fill("textarea[name=text]", "شماره اعتراض در منوی کارفرمایان / مدیریت بدهی / اعتراض دیده می‌شود.")
    page.press("textarea[name=text]", "Enter")
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / "06-handoff.png"), full_page=True)
    page.click("button[name=close][value='0']")
    page.wait_for_url(re.compile(r"/console/inbox$"))
    console.wait_for(lambda: any("درگاه خودکار" in x for x in console.sent_texts(TG_USER)), what="the return notice")
    returned = len(console.sent_texts(TG_USER))
    console.telegram(TG_USER, "منو")
    console.wait_for(lambda: any("خدمات این درگاه" in x for x in console.sent_texts(TG_USER)[returned:]),
                     what="the bot answering again")

    # 4. an agent is refused the supervisor's pages
    page.goto(f"{console.url}/console/supervisor")
    assert "فقط برای سرپرستان" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "07-agent-refused.png"), full_page=True)
    ctx.close()


def test_supervisor_pages_in_the_browser(console, chromium, artifacts):
    _traffic(console)
    ctx, page = _sign_in(chromium, console, SUPERVISOR, start="/console/supervisor")
    assert page.url.endswith("/console/supervisor")
    page.wait_for_selector("figure.chart svg")
    main = page.inner_text("main")
    assert "مراجعه حضوری کاسته‌شده" in main and "فرض برآورد" in main
    assert page.locator("figure.chart svg rect").count() > 3
    # the live queue refreshes by itself
    expect(page.locator("#live .kpi").first).to_be_visible()
    page.screenshot(path=str(artifacts / "08-supervisor.png"), full_page=True)
    page.goto(f"{console.url}/console/audit")
    audit = page.inner_text("table.audit")
    assert f"nc:{CALLER_NC}" in audit and "درخواست تماس‌گیرنده" in audit
    assert "برداشتن گفت‌وگو" in audit
    page.screenshot(path=str(artifacts / "09-audit.png"), full_page=True)
    page.goto(f"{console.url}/console/staff")
    page.screenshot(path=str(artifacts / "10-staff.png"), full_page=True)
    ctx.close()


def test_cross_site_form_is_refused_in_the_browser(console, chromium, artifacts):
    """A page on another site that posts to the console: the Strict cookie is not sent, nothing happens."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from tests.support.servers import ServerThread

    evil_html = f"""<!doctype html><html><body>
      <form id="f" method="post" action="{console.url}/console/staff">
        <input name="username" value="intruder"><input name="role" value="supervisor">
        <input name="password" value="intruder-password-1"><input name="csrf" value="guess">
      </form><script>document.getElementById('f').submit()</script></body></html>"""

    async def evil(request):
        return HTMLResponse(evil_html)

    ctx, page = _sign_in(chromium, console, SUPERVISOR)
    with ServerThread(Starlette(routes=[Route("/", evil)])) as site:
        page.goto(site.url.replace("127.0.0.1", "localhost") + "/")
        page.wait_for_url(re.compile(r"/console/"))
        page.wait_for_load_state()
        assert "/console/login" in page.url or "درخواست پذیرفته نشد" in page.inner_text("body")
    page.goto(f"{console.url}/console/staff")
    assert "intruder" not in page.inner_text("main")
    ctx.close()
