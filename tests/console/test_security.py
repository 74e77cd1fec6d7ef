"""Refusals over real HTTP: wrong passwords and lock-out, expired sessions, roles, forged requests."""

from __future__ import annotations

import re

import httpx

from tests.console.conftest import AGENT, CSRF_FIELD, SUPERVISOR, sign_in


def _login_form(client: httpx.Client) -> str:
    return CSRF_FIELD.search(client.get("/console/login").text).group(1)


def test_wrong_password_is_refused_and_cookie_is_strict(console):
    client = httpx.Client(base_url=console.url, timeout=10)
    token = _login_form(client)
    r = client.post("/console/login", data={"csrf": token, "username": AGENT[0], "password": "not-the-password"})
    assert r.status_code == 303 and r.headers["location"] == "/console/login?error=wrong"
    assert "tamin_console=" not in r.headers.get("set-cookie", "")
    assert "نام کاربری یا گذرواژه درست نیست" in httpx.get(console.url + r.headers["location"]).text
    # unknown users get the same answer
    r = client.post("/console/login", data={"csrf": token, "username": "nobody", "password": "whatever-1234"})
    assert r.headers["location"] == "/console/login?error=wrong"
    # the right password: an HttpOnly, SameSite=Strict session cookie scoped to the console
    r = client.post("/console/login", data={"csrf": token, "username": AGENT[0], "password": AGENT[1]})
    cookie = r.headers["set-cookie"]
    assert r.status_code == 303 and "tamin_console=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/console" in cookie


def test_lock_out_after_repeated_failures(console):
    from bot.console.auth import create_staff

    console.run(create_staff(console.app.state.db, "locked.agent", "correct-horse-1420", "agent"))
    client = httpx.Client(base_url=console.url, timeout=10, headers={"X-Forwarded-For": "198.51.100.41"})
    token = _login_form(client)
    for _ in range(4):
        r = client.post("/console/login", data={"csrf": token, "username": "locked.agent", "password": "guess-guess"})
        assert r.headers["location"].endswith("error=wrong")
    r = client.post("/console/login", data={"csrf": token, "username": "locked.agent", "password": "guess-guess"})
    assert r.headers["location"].endswith("error=wrong")  # locked now, but the answer tells nobody
    # now even the right password waits for the lock to lift
    r = client.post("/console/login", data={"csrf": token, "username": "locked.agent", "password": "correct-horse-1420"})
    assert r.headers["location"].endswith("error=wrong")
    assert "موقتاً قفل" in httpx.get(f"{console.url}/console/login?error=wrong").text
    # a supervisor sees it in the audit log and can lift it
    sup, csrf = sign_in(console.url, *SUPERVISOR[:2])
    audit = sup.get("/console/audit?q=locked.agent").text
    assert "قفل شدن حساب" in audit
    staff = sup.get("/console/staff").text
    staff_id = re.search(r'/console/staff/(\d+)/unlock', staff).group(1)
    assert sup.post(f"/console/staff/{staff_id}/unlock", data={"csrf": csrf}).status_code == 303
    r = client.post("/console/login", data={"csrf": token, "username": "locked.agent", "password": "correct-horse-1420"})
    assert not r.headers["location"].startswith("/console/login")


def test_login_form_needs_its_own_token(console):
    # a cross-site sign-in (login CSRF) has no pre-login cookie and token
    r = httpx.post(f"{console.url}/console/login", data={"username": AGENT[0], "password": AGENT[1]})
    assert r.status_code == 303 and r.headers["location"] == "/console/login?error=csrf"


def test_expired_and_idle_sessions_are_refused(console):
    client, _ = sign_in(console.url, *AGENT[:2])
    assert client.get("/console/guide").status_code == 200
    console.expire_sessions(AGENT[0])
    r = client.get("/console/guide")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    # htmx polling gets a 401 that sends the page to sign in
    r = client.get("/console/inbox/badge", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"].startswith("/console/login")

    client, _ = sign_in(console.url, *AGENT[:2])
    console.expire_sessions(AGENT[0], idle=True)
    r = client.get("/console/inbox")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    # expired sessions are deleted, not just ignored
    assert all(s.expires_at > s.last_seen for s in console.session_rows(AGENT[0]))


def test_agent_cannot_open_supervisor_pages(console):
    client, csrf = sign_in(console.url, *AGENT[:2])
    for path in ("/console/supervisor", "/console/supervisor/live", "/console/audit", "/console/staff"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "فقط برای سرپرستان" in r.text
    r = client.post("/console/staff", data={"csrf": csrf, "username": "sneaky", "role": "supervisor",
                                            "password": "sneaky-password-1"})
    assert r.status_code == 403
    sup, _ = sign_in(console.url, *SUPERVISOR[:2])
    assert "sneaky" not in sup.get("/console/staff").text
    assert "تلاش برای بخش سرپرست" in sup.get(f"/console/audit?q={AGENT[0]}").text


def test_forged_posts_are_refused(console):
    client, csrf = sign_in(console.url, *AGENT[:2])
    calls_before = client.get("/console/calls").text.count('href="/console/calls/')
    form = {"flow": "pension_status", "reason": "caller"}
    # no token, a wrong token, the right token from another site: all refused, nothing started
    for data, headers in ((form, {}), ({**form, "csrf": "forged"}, {}),
                          ({**form, "csrf": csrf}, {"Origin": "http://evil.example"})):
        r = client.post("/console/calls", data=data, headers=headers)
        assert r.status_code == 403, (data, headers)
        assert "درخواست پذیرفته نشد" in r.text
    assert client.get("/console/calls").text.count('href="/console/calls/') == calls_before
    # the header form of the token (htmx) is accepted
    r = client.post("/console/calls", data=form, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/calls/")
    # without a session a POST goes to sign in
    r = httpx.post(f"{console.url}/console/calls", data={**form, "csrf": csrf})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_pages_escape_user_text(console):
    client, _ = sign_in(console.url, *AGENT[:2])
    r = client.get("/console/guide", params={"q": '<script>alert(1)</script>"><img src=x>'})
    assert "<script>alert(1)</script>" not in r.text and "<img src=x>" not in r.text
    assert "&lt;script&gt;" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_an_unknown_user_costs_a_verify_with_the_hashers_own_parameters():
    import pytest
    from argon2.exceptions import VerificationError

    from bot.console import auth

    assert not auth._hasher.check_needs_rehash(auth._DUMMY_HASH)  # same cost as a real account's hash
    with pytest.raises(VerificationError):
        auth._hasher.verify(auth._DUMMY_HASH, "whatever-1234")
