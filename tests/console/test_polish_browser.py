"""Console polish in headless Chromium: the caller form takes a national code read out in words, the
SMS button says what it will do, «ارسال نتیجه با پیامک» sends the SMS rendering and reports its real
parts, and the supervisor's drop-off chart names the question people left at, with no label clipped."""

from __future__ import annotations

import re
import time

import httpx

from tests.console.conftest import AGENT, SUPERVISOR
from tests.console.test_browser import _sign_in
from tests.support.chat import plain

CALLER_NC_WORDS = "صفر صفر نه سه سه سه هفت چهار دو شش"  # 0093337426, persona former-insured-40
CALLER_MOBILE, CALLER_MOBILE_WORDS = "09120000107", "صفر نهصد و دوازده صفر صفر صفر صفر صد و هفت"


def _answer(page, text: str) -> None:
    page.fill("input[name=text]", text)
    page.press("input[name=text]", "Enter")
    page.wait_for_load_state()


def _start_call(console, chromium):
    ctx, page = _sign_in(chromium, console, AGENT)
    flow = "voluntary_insurance" if "voluntary_insurance" in console.app.state.engine.flows else "pension_status"
    page.goto(f"{console.url}/console/calls?flow={flow}")
    page.click("form[action='/console/calls'] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/calls/[0-9a-f]{16}"))
    return ctx, page


def test_sms_button_before_verification_in_the_browser(console, chromium, artifacts):
    from bot.engine.catalog import has, t

    ctx, page = _start_call(console, chromium)
    # before the caller is verified the button says so, rather than «… پیامک به» and nothing
    button = page.locator("form[action$='/sms'] button")
    assert button.is_disabled()
    label = button.inner_text().strip()
    assert not label.endswith("به"), label
    assert has("console.call.sms_unverified") and label == t("console.call.sms_unverified")
    page.screenshot(path=str(artifacts / "11-call-unverified-button.png"), full_page=True)
    ctx.close()


def test_spoken_codes_and_the_result_sms_in_the_browser(console, chromium, artifacts, simulator_url):
    from bot.channels.render_sms import SMS_CAP, segments

    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()
    ctx, page = _start_call(console, chromium)
    # the caller reads the national code and the mobile out; the agent types the words as heard
    _answer(page, CALLER_NC_WORDS)
    turns = page.inner_text("#turns")
    assert "همراه" in turns.rsplit("کد ملی", 1)[-1], turns  # the code was taken: now the mobile is asked
    assert "صفر صفر نه" not in turns and "0093337426" not in plain(turns)  # kept masked, words included
    before = len(console.outbox(CALLER_MOBILE))
    _answer(page, CALLER_MOBILE_WORDS)
    codes = console.wait_for(lambda: console.outbox(CALLER_MOBILE)[before:], what="the one-time code")
    _answer(page, re.search(r"\d{6}", plain(codes[-1])).group(0))
    assert "هویت تأیید شد" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "12-call-spoken-verified.png"), full_page=True)

    # the result goes as the SMS door renders it: the preview is what is sent, and the parts are counted
    preview = [x.strip() for x in page.locator("pre.sms").all_inner_texts()]
    assert preview and all(len(x) <= SMS_CAP for x in preview)
    assert not any(re.search(r"^[^\n]*: https?://", x, flags=re.M) for x in preview)  # no «title: url» lines
    before = len(console.outbox(CALLER_MOBILE))
    page.click("form[action$='/sms'] button")
    page.wait_for_selector("p.notice")
    sent = console.wait_for(lambda: console.outbox(CALLER_MOBILE)[before:], what="the result SMS")
    time.sleep(0.3)
    sent = console.outbox(CALLER_MOBILE)[before:]
    assert [plain(x).strip() for x in sent] == [plain(x) for x in preview]
    parts = sum(segments(x) for x in sent)
    notice = page.inner_text("p.notice")
    assert plain(notice).count(str(parts)) == 1 and "بخش" in notice, notice
    assert str(parts) in plain(page.inner_text("#turns").rsplit("\n", 3)[-1] + page.inner_text("main"))
    page.screenshot(path=str(artifacts / "13-call-sms-parts.png"), full_page=True)
    ctx.close()


def _events(console, rows: list[tuple[str, str, str | None, str | None, int]]) -> None:
    """Measured moments as the recorder writes them: (kind, flow, outcome, step, how many)."""
    async def add():
        from bot.console.models import Event

        async with console.app.state.db.session() as s:
            for kind, flow, outcome, step, n in rows:
                for _ in range(n):
                    s.add(Event(at=time.time(), kind=kind, channel="web", flow=flow, outcome=outcome, step=step))
    console.run(add())


CLIPPED = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('figure.chart svg')) {
    const vb = svg.viewBox.baseVal;
    for (const el of svg.querySelectorAll('text')) {
      const b = el.getBBox();
      if (b.width > 0 && (b.x < -0.5 || b.x + b.width > vb.width + 0.5)) out.push(el.textContent + ' @' + b.x.toFixed(0));
    }
  }
  return out;
}"""


def test_drop_off_chart_names_the_question_in_the_browser(console, chromium, artifacts):
    _events(console, [("started", "sick_pay", None, None, 140), ("ended", "sick_pay", "done", None, 127),
                      ("started", "voluntary_insurance", None, None, 12),
                      ("ended", "sick_pay", "cancelled", "test_date", 9), ("ended", "sick_pay", "cancelled", "confirm", 4),
                      ("ended", "voluntary_insurance", "cancelled", "wage", 2),
                      ("ended", "pension_status", "gave_up", "national_code", 1)])
    ctx, page = _sign_in(chromium, console, SUPERVISOR, start="/console/supervisor?days=1")
    page.goto(f"{console.url}/console/supervisor?days=1")
    page.wait_for_selector("figure.chart svg")
    drops = page.locator("figure.chart").nth(1)
    shown = drops.locator("svg").text_content()
    for internal in ("test_date", "confirm", "wage", "national_code"):
        assert internal not in shown, internal
    assert "تاریخ انجام آزمایش کرونا را بفرستید" in shown
    assert "کد ملی ده‌رقمی خود را بفرستید" in shown
    assert page.evaluate(CLIPPED) == []
    page.screenshot(path=str(artifacts / "14-supervisor-drop-offs.png"), full_page=True)
    page.locator("div.two.even").screenshot(path=str(artifacts / "15-drop-off-chart.png"))
    page.locator("figure.chart").first.screenshot(path=str(artifacts / "16-service-chart.png"))
    ctx.close()
