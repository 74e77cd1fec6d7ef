"""A web-chat person handed to a human: the agent's replies wait in ``app.state.pending_replies``, the store
the web chat's ``/api/chat/pending`` hands out (that route belongs to the web chat, bound to its session)."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.console.conftest import AGENT, SUPERVISOR, sign_in


def _pending(console, hid: int, prefix: str = "") -> list[dict]:
    """What the web chat would hand the person of handoff ``hid``: the console's reply store, taken once
    (keyed by the web channel's engine user, whatever the web chat derives it from)."""
    from bot.console import inbox

    async def take() -> list[dict]:
        h, _ = await inbox.get(console.app.state.db, hid)
        return await console.app.state.pending_replies.take(prefix + h.user)
    return console.run(take())


def _handoff_id(client: httpx.Client) -> int:
    ids = re.findall(r'href="/console/inbox/(\d+)"', client.get("/console/inbox").text)
    assert ids, "nothing in the inbox"
    return int(ids[-1])


def test_web_person_gets_the_agents_reply_by_polling(console):
    user = f"w-{uuid.uuid4().hex[:8]}"
    chat = httpx.Client(base_url=console.url, timeout=15)
    answer = chat.post("/api/chat", json={"user": user, "text": "می‌خواهم با کارشناس صحبت کنم"}).json()
    if not any("کارشناس" in m["text"] for m in answer["messages"]):
        chat.post("/api/chat", json={"user": user, "text": "اپراتور"})
    agent, csrf = sign_in(console.url, *AGENT[:2])
    hid = _handoff_id(agent)
    page = agent.get(f"/console/inbox/{hid}").text
    assert "برداشتن گفت‌وگو" in page and "اپراتور" not in page
    # a reason is required before the transcript is shown
    r = agent.post(f"/console/inbox/{hid}/take", data={"csrf": csrf, "reason": ""})
    assert r.headers["location"].endswith("error=reason")
    r = agent.post(f"/console/inbox/{hid}/take", data={"csrf": csrf, "reason": "other", "note": "پیگیری شکایت تلفنی"})
    assert r.status_code == 303
    page = agent.get(f"/console/inbox/{hid}").text
    assert 'id="turns"' in page
    # the person's next words go to the agent, not to the bot
    quiet = chat.post("/api/chat", json={"user": user, "text": "سلام، پرونده من کجاست؟"}).json()
    assert quiet["messages"] == []
    assert "پرونده من کجاست" in agent.get(f"/console/inbox/{hid}/transcript").text
    # the agent answers; the web page picks it up once
    reply = "سلام، لطفاً شماره پیگیری را بفرمایید <b>"
    assert agent.post(f"/console/inbox/{hid}/reply", data={"csrf": csrf, "text": reply}).status_code == 303
    texts = [m["text"] for m in _pending(console, hid)]
    assert any("بر عهده گرفت" in x for x in texts) and any(reply in x for x in texts)
    assert _pending(console, hid) == []
    assert _pending(console, hid, "web:") == []  # the engine's key form is accepted too
    # the agent's text is escaped in the console
    assert "&lt;b&gt;" in agent.get(f"/console/inbox/{hid}/transcript").text
    # another agent cannot reply to or take a conversation someone holds
    other, other_csrf = sign_in(console.url, *SUPERVISOR[:2])
    r = other.post(f"/console/inbox/{hid}/reply", data={"csrf": other_csrf, "text": "x"})
    assert r.headers["location"].endswith("error=taken")
    # closing gives the person back to the bot
    agent.post(f"/console/inbox/{hid}/release", data={"csrf": csrf, "close": "1"})
    assert any("بسته شد" in m["text"] for m in _pending(console, hid))
    back = chat.post("/api/chat", json={"user": user, "text": "منو"}).json()
    assert back["messages"], "the bot answers again"
    assert f"/console/inbox/{hid}\"" not in agent.get("/console/inbox").text


def test_person_leaving_for_the_menu_ends_the_hold(console):
    user = f"w-{uuid.uuid4().hex[:8]}"
    chat = httpx.Client(base_url=console.url, timeout=15)
    chat.post("/api/chat", json={"user": user, "text": "اپراتور"})
    agent, csrf = sign_in(console.url, *AGENT[:2])
    hid = _handoff_id(agent)
    agent.post(f"/console/inbox/{hid}/take", data={"csrf": csrf, "reason": "handoff"})
    assert chat.post("/api/chat", json={"user": user, "text": "سلام"}).json()["messages"] == []
    assert chat.post("/api/chat", json={"user": user, "text": "منو"}).json()["messages"]  # the bot is back
    page = agent.get(f"/console/inbox/{hid}").text
    assert "به درگاه خودکار برگردانده شده" in page
    assert f'href="/console/inbox/{hid}"' not in agent.get("/console/inbox").text
