"""«وضعیت من» in the console (issue 20.4), in headless Chromium: an agent who verified a caller sees the
caller's overview, the view is in the audit log, and a button of it runs that service for the caller."""

from __future__ import annotations

import re

import httpx

from tests.console.conftest import AGENT
from tests.console.test_browser import _sign_in
from tests.support.browser import outbox_code

WORKER_NC, WORKER_MOBILE = "0053081617", "09120000105"  # persona worker-insured



def _audit_rows(console, action: str):
    async def rows():
        from sqlalchemy import select

        from bot.console.models import Audit

        async with console.app.state.db.session() as s:
            return list(await s.scalars(select(Audit).where(Audit.action == action)))
    return console.run(rows())


def test_agent_sees_the_callers_overview_and_starts_a_service_from_it(console, chromium, artifacts, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10).raise_for_status()
    ctx, page = _sign_in(chromium, console, AGENT)
    page.goto(f"{console.url}/console/calls?flow=insurance_record")
    assert page.is_checked("input[name=flow][value=insurance_record]")
    page.click("form[action='/console/calls'] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/calls/[0-9a-f]{16}"))
    assert page.locator("form.overview").count() == 0, "no overview before the caller is verified"
    for answer in (WORKER_NC, WORKER_MOBILE):
        page.fill("input[name=text]", answer)
        page.press("input[name=text]", "Enter")
        page.wait_for_load_state()
    page.fill("input[name=text]", outbox_code(console.url, WORKER_MOBILE))
    page.press("input[name=text]", "Enter")
    page.wait_for_load_state()
    assert "هویت تأیید شد" in page.inner_text("main")
    before = len(_audit_rows(console, "overview_view"))

    page.click("form.overview button")
    page.wait_for_load_state()
    turns = page.inner_text("#turns")
    assert "خلاصه پرونده شما" in turns and "رضا نوری" in turns, turns
    assert "هم‌اکنون بیمه‌شده" in turns and "شرکت ساختمانی البرز" in turns, turns  # the same overview
    assert "احتساب خدمت سربازی: شرایط را دارید" in turns and "بیمه اختیاری: لازم نیست" in turns, turns
    [row] = _audit_rows(console, "overview_view")[before:]
    assert row.record == f"nc:{WORKER_NC}" and row.username == AGENT[0], row
    buttons = page.locator("form.choices button")
    assert buttons.filter(has_text="احتساب سربازی").count() == 1, page.inner_text("form.choices")
    page.screenshot(path=str(artifacts / "20-overview.png"), full_page=True)

    views = len(_audit_rows(console, "call_view"))
    buttons.filter(has_text="احتساب سربازی").click()  # the overview's button runs the service for the caller
    page.wait_for_load_state()
    turns = page.inner_text("#turns")
    assert "شرایط احتساب خدمت سربازی را دارید" in turns, turns
    assert len(_audit_rows(console, "call_view")) > views, "the page showing the record again is audited"
    page.screenshot(path=str(artifacts / "21-overview-service.png"), full_page=True)
    ctx.close()
