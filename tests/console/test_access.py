"""Who may see what, over real HTTP: one role dependency per router, the handoff rule, 404 for missing
ids (never 5xx), and an audit row for every view of a citizen's data, a supervisor's included."""

from __future__ import annotations

import random
import re
import uuid

import httpx
import pytest

from tests.console.conftest import AGENT, CSRF_FIELD, SUPERVISOR, sign_in
from tests.support.chat import plain

OTHER_AGENT = ("sara", "agent-pass-24200", "سارا کریمی")
FORM = {"reason": "supervision", "note": "کنترل کیفیت"}


@pytest.fixture(scope="module")
def other_agent(console):
    from bot.console.auth import create_staff

    try:
        console.run(create_staff(console.app.state.db, OTHER_AGENT[0], OTHER_AGENT[1], "agent", OTHER_AGENT[2]))
    except ValueError:
        pass  # made by an earlier module of this session
    return OTHER_AGENT


def _audit(console, username: str) -> list[tuple[str, str, str]]:
    async def rows():
        from sqlalchemy import select

        from bot.console.models import Audit

        async with console.app.state.db.session() as s:
            return [(a.action, a.record, a.reason) for a in
                    await s.scalars(select(Audit).where(Audit.username == username).order_by(Audit.id))]
    return console.run(rows())


def _handoff(console, words: str) -> int:
    """A web citizen says ``words`` and asks for a human; the new handoff's id."""
    chat = httpx.Client(base_url=console.url, timeout=15)
    user = f"w-{uuid.uuid4().hex[:8]}"
    chat.post("/api/chat", json={"user": user, "text": words})
    chat.post("/api/chat", json={"user": user, "choice": "cmd:operator"})
    from bot.channels.web import conversation_key

    user = conversation_key(chat.cookies.get("tamin_web", ""), user)  # the engine knows the person by session

    async def newest():
        from sqlalchemy import select

        from bot.console.models import Handoff

        async with console.app.state.db.session() as s:
            return await s.scalar(select(Handoff.id).where(Handoff.user == user).order_by(Handoff.id.desc()))
    return console.wait_for(lambda: console.run(newest()), what="the handoff")


def test_every_console_route_declares_its_role_on_its_router(console):
    from fastapi.routing import APIRoute

    from bot.console.routes.common import staff, supervisor

    public = {"/console/login"}
    for route in console.app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/console") or route.path in public:
            continue
        calls = {d.dependency for d in route.dependencies}
        assert calls & {staff, supervisor}, f"{route.path} checks no role on its router"
    paths = {r.path for r in console.app.routes if isinstance(r, APIRoute)}
    assert "/api/chat/pending" not in {p for p in paths if p.startswith("/console")}
    assert hasattr(console.app.state.pending_replies, "take")


def test_an_agent_sees_only_the_queue_and_their_own(console, other_agent):
    marker = "نشانه" + "".join(random.choice("ابپتثجچحخدذرزسش") for _ in range(8))  # letters only: digit runs are masked
    hid = _handoff(console, f"پرسش من درباره {marker} است")
    agent, csrf = sign_in(console.url, *AGENT[:2])
    other, other_csrf = sign_in(console.url, *other_agent[:2])
    # reading without taking is for supervisors: an agent's /open shows nothing and is refused
    r = agent.post(f"/console/inbox/{hid}/open", data={**FORM, "csrf": csrf})
    assert r.status_code == 403 and marker not in r.text
    # while it waits, both agents see it in the queue, neither its words
    for client in (agent, other):
        assert f'href="/console/inbox/{hid}"' in client.get("/console/inbox").text
        page = client.get(f"/console/inbox/{hid}")
        assert page.status_code == 200 and marker not in page.text
    assert agent.post(f"/console/inbox/{hid}/take", data={"csrf": csrf, "reason": "handoff"}).status_code == 303
    assert marker in agent.get(f"/console/inbox/{hid}").text
    # taken: the other agent no longer sees it at all
    assert f'href="/console/inbox/{hid}"' not in other.get("/console/inbox").text
    for method, path in (("GET", f"/console/inbox/{hid}"), ("GET", f"/console/inbox/{hid}/transcript"),
                         ("POST", f"/console/inbox/{hid}/take"), ("POST", f"/console/inbox/{hid}/reply"),
                         ("POST", f"/console/inbox/{hid}/release")):
        r = other.request(method, path, data={"csrf": other_csrf, "reason": "handoff", "text": "x"})
        assert r.status_code == 404 and marker not in r.text, (method, path, r.status_code)
    # the supervisor reads it with a reason, and that reading is audited
    sup, sup_csrf = sign_in(console.url, *SUPERVISOR[:2])
    r = sup.post(f"/console/inbox/{hid}/open", data={**FORM, "csrf": sup_csrf})
    assert r.status_code == 200 and marker in r.text
    assert any(a == "view_conversation" and "کنترل کیفیت" in why for a, _, why in _audit(console, SUPERVISOR[0]))
    agent.post(f"/console/inbox/{hid}/release", data={"csrf": csrf, "close": "1"})


def test_missing_and_malformed_ids_are_404_never_5xx(console):
    agent, csrf = sign_in(console.url, *AGENT[:2])
    sup, sup_csrf = sign_in(console.url, *SUPERVISOR[:2])
    assert sup.post("/console/inbox/987654321/open", data={**FORM, "csrf": sup_csrf}).status_code == 404
    assert agent.get("/console/inbox/987654321/transcript").status_code == 404
    assert agent.post("/console/inbox/987654321/open", data={**FORM, "csrf": csrf}).status_code == 403
    for path in ("/console/inbox/987654321", "/console/inbox/abc", "/console/inbox/99999999999999999999999",
                 "/console/inbox/-1", "/console/calls/nope", "/console/calls/" + "f" * 300):
        for client in (agent, sup):
            r = client.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert "پیدا نشد" in r.text
    for path in ("/console/inbox/99999999999999999999999/take", "/console/calls/nope/turn", "/console/calls/nope/sms"):
        assert agent.post(path, data={"csrf": csrf, "reason": "handoff", "text": "1"}).status_code == 404, path
    assert sup.post("/console/staff/99999999999999999999/unlock", data={"csrf": sup_csrf}).status_code == 404


def _verified_call(console, client: httpx.Client, csrf: str, nc: str, mobile: str) -> str:
    r = client.post("/console/calls", data={"csrf": csrf, "flow": "pension_status", "reason": "caller"})
    call_id = r.headers["location"].rsplit("/", 1)[-1]
    before = len(console.outbox(mobile))
    client.post(f"/console/calls/{call_id}/turn", data={"csrf": csrf, "text": nc})
    client.post(f"/console/calls/{call_id}/turn", data={"csrf": csrf, "text": mobile})
    texts = console.wait_for(lambda: console.outbox(mobile)[before:], what="the one-time code")
    code = re.search(r"\d{6}", plain(texts[-1])).group(0)
    client.post(f"/console/calls/{call_id}/turn", data={"csrf": csrf, "text": code})
    return call_id


def test_every_view_of_a_call_is_audited_a_supervisors_too(console, other_agent):
    nc, mobile = "0016383230", "09120000101"
    agent, csrf = sign_in(console.url, *AGENT[:2])
    call_id = _verified_call(console, agent, csrf, nc, mobile)
    views = lambda who: [r for r in _audit(console, who) if r[0] == "call_view" and call_id in r[2]]  # noqa: E731
    n_agent = len(views(AGENT[0]))
    page = agent.get(f"/console/calls/{call_id}").text
    assert "هویت تأیید شد" in page
    assert len(views(AGENT[0])) == n_agent + 1
    # the supervisor opens the agent's call: one more row, in the supervisor's name, saying it was supervision
    sup, _ = sign_in(console.url, *SUPERVISOR[:2])
    n_sup = len(views(SUPERVISOR[0]))
    r = sup.get(f"/console/calls/{call_id}")
    assert r.status_code == 200
    rows = views(SUPERVISOR[0])
    assert len(rows) == n_sup + 1 and rows[-1][1] == f"nc:{nc}" and "نظارت" in rows[-1][2]
    # another agent cannot open it at all, nor send its result anywhere
    other, other_csrf = sign_in(console.url, *other_agent[:2])
    assert other.get(f"/console/calls/{call_id}").status_code == 404
    assert other.post(f"/console/calls/{call_id}/sms", data={"csrf": other_csrf}).status_code == 404
    # the agent sends the result to the caller's verified mobile: audited too
    r = agent.post(f"/console/calls/{call_id}/sms", data={"csrf": csrf})
    assert "notice=smssent" in r.headers["location"]
    assert _audit(console, AGENT[0])[-1][:2] == ("call_sms", f"nc:{nc}")
    # reading the audit log is itself audited
    sup.get("/console/audit", params={"q": "nc:"})
    assert _audit(console, SUPERVISOR[0])[-1][:2] == ("view_audit", "q:nc:")


def _attempt(url: str, username: str, password: str, source: str) -> tuple[httpx.Response, httpx.Response]:
    client = httpx.Client(base_url=url, timeout=30, headers={"X-Forwarded-For": source})
    form = client.get("/console/login")
    token = CSRF_FIELD.search(form.text).group(1)
    return form, client.post("/console/login", data={"csrf": token, "username": username, "password": password})


def _shape(r: httpx.Response) -> tuple:
    body = re.sub(r'value="[^"]*"', 'value=""', r.text)
    return r.status_code, r.headers.get("location", ""), body


def test_login_gives_one_answer_for_every_failure(console):
    from bot.console.auth import create_staff

    console.run(create_staff(console.app.state.db, "oracle.agent", "oracle-pass-14200", "agent"))
    real, ghost = [], []
    for i in range(7):  # the real account locks after five: its answers still look like anyone's
        real.append(_shape(_attempt(console.url, "oracle.agent", f"wrong-{i}", "198.51.100.77")[1]))
        ghost.append(_shape(_attempt(console.url, f"ghost{i}", f"wrong-{i}", "198.51.100.78")[1]))
    assert real == ghost
    assert real[0][:2] == (303, "/console/login?error=wrong")
    # the right password of the locked account gets the same answer too, and nothing signs in
    _, r = _attempt(console.url, "oracle.agent", "oracle-pass-14200", "198.51.100.79")
    assert _shape(r) == real[0] and "tamin_console=" not in r.headers.get("set-cookie", "")
    page = httpx.get(console.url + r.headers["location"]).text
    assert "نام کاربری یا گذرواژه درست نیست، یا حساب" in page
    actions = [a for a, _, _ in _audit(console, "oracle.agent")]
    assert "account_locked" in actions and "login_locked" in actions  # the audit log still tells them apart


def test_login_is_throttled_per_source(console):
    cfg = console.app.state.console_config
    saved = cfg.source_max_delay_seconds
    cfg.source_max_delay_seconds = 0.05  # the slow-down's length is measured in bench, not here
    try:
        source = "203.0.113.31"
        answers = [_attempt(console.url, f"spray{i}", "Spring2026!!", source)[1] for i in range(cfg.source_refuse_after)]
        assert all(r.status_code == 303 for r in answers)
        form, refused = _attempt(console.url, "spray-next", "Spring2026!!", source)
        assert refused.status_code == 429 and "تلاش‌های ناموفق زیادی" in refused.text
        assert int(refused.headers["retry-after"]) > 0
        # refused even with a right password: the source learns nothing more
        _, r = _attempt(console.url, AGENT[0], AGENT[1], source)
        assert r.status_code == 429 and "tamin_console=" not in r.headers.get("set-cookie", "")
        # another source signs in as ever
        _, r = _attempt(console.url, AGENT[0], AGENT[1], "198.51.100.23")
        assert r.status_code == 303 and r.headers["location"] == "/console/guide"
        assert ("login_throttled", "", "") in _audit(console, "spray-next")
    finally:
        cfg.source_max_delay_seconds = saved


def test_slow_down_grows_before_the_refusal():
    from bot.console.auth import ConsoleConfig
    from bot.console.throttle import verdict

    cfg = ConsoleConfig()
    delays = [verdict(cfg, n).delay for n in range(cfg.source_refuse_after)]
    assert delays[: cfg.source_slow_after] == [0.0] * cfg.source_slow_after
    slowed = delays[cfg.source_slow_after:]
    assert slowed == sorted(slowed) and slowed[0] > 0 and max(slowed) == cfg.source_max_delay_seconds
    assert verdict(cfg, cfg.source_refuse_after).refuse


def test_spoken_numbers():
    from bot.console.spoken import digits_read_out

    assert digits_read_out("صفر صفر یک شش سه هشت سه دو سه صفر") == "0016383230"
    assert digits_read_out("صفر صفر شانزده، سیصد و هشتاد و سه، دویست و سی") == "0016383230"
    assert digits_read_out("صفر نهصد و دوازده صفر صفر صفر صفر صد و یک") == "09120000101"
    assert digits_read_out("۰۰۱۶ سه هشت سه دو سه صفر") == "0016383230"
    for text in ("نه", "نه ممنون", "دو میلیون و پانصد هزار", "بیست و پنجم آبان", "بله", "هزار و چهارصد و چهار"):
        assert digits_read_out(text) is None, text



def test_the_audit_page_shows_actions_it_has_no_label_for(console):
    from bot.console.models import Audit

    async def add():
        async with console.app.state.db.session() as s:
            s.add(Audit(at=1.0, staff_id=None, username="elsewhere", action="future_action", record="", reason="", ip=""))
    console.run(add())
    sup, _ = sign_in(console.url, *SUPERVISOR[:2])
    r = sup.get("/console/audit", params={"q": "future_action"})
    assert r.status_code == 200 and "future_action" in r.text
