"""Fuzzing the doors: hypothesis-made Telegram/Bale updates and Kavenegar posts against a running bot.

Whatever arrives with the right secret, the server never answers 5xx and never echoes the body; a
malformed update is refused (400) or dropped, the ingress workers survive it (no task ends, nothing is
parked as dead), every message the bot sends is plain text within the Bot API's limits, and real people
are still answered afterwards. ``bench/fuzz_long.py`` runs the same properties with many more examples.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.channels.support import BALE_TOKEN, SECRET, TG_TOKEN, MessengerUser, SmsUser, bot_env, bot_server
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.kavenegar import FakeKavenegar
from tests.support.services import redis_db

REDIS_DB13 = redis_db(13)
QUEUE = "tamin:ing:{q}"
FAST = {"RATE_GLOBAL_PER_SECOND": "100000", "RATE_CHAT_PER_SECOND": "1000", "RATE_CHAT_BURST": "1000"}

# --- strategies ------------------------------------------------------------------------------------

NASTY_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF, exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "\x00", "\u200c\u200c", "\u202e\u202d", "٠١٢٣٤٥٦٧٨٩", "۰۰۱۶۳۸۳۲۳۰", "0016383230",
                     "/start", "/start " + "x" * 300, "وضعیت مستمری", "<b>bold</b>", "<script>alert(1)</script>",
                     "{{7*7}}", "{text}", "%s%n", "'; DROP TABLE users; --", "🙂" * 2000, "a" * 70_000,
                     "ي ك ة", "\r\n" * 100, "سلام hello 123 ١٢٣ ۱۲۳", "\ufeff\u0000\u0007"]),
)
ID = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(), st.sampled_from([0, -1, 1, 10**30]))
WRONG = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=20),
                  st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
MISSING = object()


def field(right: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly the right type; sometimes a wrong type or absent."""
    return st.one_of(right, right, right, WRONG, st.just(MISSING))


def _obj(**fields: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not MISSING})


USER = _obj(id=field(ID), is_bot=field(st.booleans()), first_name=field(NASTY_TEXT),
            username=st.one_of(st.just(MISSING), st.text(max_size=40)))
CHAT = _obj(id=field(ID), type=field(st.sampled_from(["private", "group", "supergroup", "channel", "", "PRIVATE"])),
            first_name=st.one_of(st.just(MISSING), NASTY_TEXT))
CONTACT_PHONE = st.one_of(st.text(max_size=30), st.sampled_from(
    ["+989120000101", "989120000102", "09120000103", "۰۹۱۲۰۰۰۰۱۰۱", "+1 555 0100", ""]))
CONTACT = _obj(phone_number=field(CONTACT_PHONE),
               first_name=field(st.text(max_size=30)), user_id=st.one_of(st.just(MISSING), ID, WRONG))
MESSAGE = _obj(message_id=field(ID), date=field(st.integers(-(2**40), 2**40)), chat=field(CHAT),
               **{"from": st.one_of(st.just(MISSING), USER)},
               text=st.one_of(st.just(MISSING), NASTY_TEXT, WRONG),
               contact=st.one_of(st.just(MISSING), st.just(MISSING), CONTACT, WRONG),
               entities=st.one_of(st.just(MISSING), st.lists(_obj(type=st.text(max_size=10), offset=ID, length=ID),
                                                              max_size=3)))
CALLBACK = _obj(id=field(st.text(max_size=64)), data=st.one_of(st.just(MISSING), st.text(max_size=5000),
                                                               st.sampled_from(["svc:pension_status", "yes", "no",
                                                                                "svc:" + "x" * 300, ""]), WRONG),
                chat_instance=st.one_of(st.just(MISSING), st.text(max_size=20)),  # Bale sends none
                message=st.one_of(st.just(MISSING), MESSAGE, WRONG), **{"from": field(USER)})
UPDATE = _obj(update_id=field(ID), message=st.one_of(st.just(MISSING), MESSAGE),
              callback_query=st.one_of(st.just(MISSING), st.just(MISSING), CALLBACK),
              edited_message=st.one_of(st.just(MISSING), st.just(MISSING), MESSAGE))
# well-formed updates whose content is hostile: these reach the engine and the Bot API
UPDATE_IDS = itertools.count(int(time.time() * 1000))
PRIVATE_ID = st.one_of(st.integers(1, 2**52), st.sampled_from([1, 777, 10**12]))


@st.composite
def valid_update(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed private-chat update (text, button press or contact) with fuzzed content."""
    uid = draw(PRIVATE_ID)
    user = {"id": uid, "is_bot": False, "first_name": draw(st.text(max_size=20))}
    msg = {"message_id": draw(st.integers(1, 2**31)), "date": 1700000000, "from": user,
           "chat": {"id": uid, "type": "private"}}
    kind = draw(st.sampled_from(["text", "text", "text", "callback", "callback", "contact"]))
    if kind == "text":
        update = {"message": {**msg, "text": draw(NASTY_TEXT.filter(bool))}}
    elif kind == "contact":
        other = draw(st.one_of(st.none(), st.just(uid), ID))  # someone else's contact, or no user_id
        contact = {"phone_number": draw(CONTACT_PHONE), "first_name": draw(st.text(max_size=20))}
        if other is not None:
            contact["user_id"] = other
        update = {"message": {**msg, "contact": contact}}
    else:
        cq = {"id": draw(st.text(min_size=1, max_size=64)), "from": user,
              "data": draw(st.one_of(st.text(max_size=5000), st.sampled_from(
                  ["svc:pension_status", "yes", "no", "lang:fa", "svc:" + "x" * 300, "\x00"])))}
        if draw(st.booleans()):
            cq["message"] = {**msg, "text": "…"}
        if draw(st.booleans()):  # Bale sends no chat_instance
            cq["chat_instance"] = draw(st.text(max_size=20))
        update = {"callback_query": cq}
    return {"update_id": next(UPDATE_IDS), **update}  # unique, so no update is dropped as a duplicate


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)),
                    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=10), kids,
                                                                                          max_size=4)), max_leaves=20)


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


WELL_FORMED = valid_update().map(_encode)
MALFORMED = st.one_of(
    UPDATE.map(_encode), UPDATE.map(_encode),
    JSON.map(_encode),
    st.binary(max_size=300),
    st.sampled_from([b"", b"{", b"null", b"[]", b'"x"', b"{}", b'{"update_id": 1}', b"\xff\xfe{}",
                     b'{"update_id": 1, "message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                     b"[" * 100_000 + b"]" * 100_000, b'{"update_id": 1e999}',
                     b'{"update_id": ' + b"9" * 5000 + b"}",
                     b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"},'
                     b' "text": "\\ud800\\udfff\\ud800"}}']),
    UPDATE.map(lambda u: _encode(u)[: max(1, len(_encode(u)) // 2)]),  # cut in the middle
)
MOBILE = st.one_of(
    st.sampled_from(["+989120000101", "989120000101", "00989120000101", "09120000101", "9120000101",
                     "۰۹۱۲۰۰۰۰۱۰۱", "٠٩١٢٠٠٠٠١٠١", "+98 912 000 0101", "(0912) 000-0101", "+15550100", "10001420",
                     "", " ", "abc", "0912" + "0" * 500, "+98912000010\x00", "+۹۸۹۱۲۰۰۰۰۱۰۱"]),
    st.from_regex(r"\A\+?(98|0098|0)?9[0-9]{9}\Z"),
    st.text(max_size=40),
)
SMS_FORM = _obj(**{"from": field(MOBILE)}, to=field(st.text(max_size=30)), message=field(NASTY_TEXT),
                messageid=field(st.one_of(st.text(max_size=80), ID.map(str))),
                extra=st.one_of(st.just(MISSING), st.text(max_size=50)))
SMS_POST = st.tuples(st.sampled_from(["form", "form", "multipart", "query", "raw"]), SMS_FORM, st.binary(max_size=200))
SMS_FROM_A_MOBILE = st.tuples(st.sampled_from(["form", "multipart", "query"]), st.builds(
    lambda mobile, rest: {**rest, "from": mobile}, st.from_regex(r"\A(\+98|0098|0)?9[0-9]{9}\Z"), SMS_FORM),
    st.just(b""))

ALLOWED_MESSENGER = {(200, '{"ok":true}'), (400, '{"ok":false}')}
ALLOWED_SMS = {(200, "ok"), (200, "ignored")}


# --- properties --------------------------------------------------------------------------------------

def post_update(http: httpx.Client, base: str, kind: str, body: bytes) -> httpx.Response:
    """One raw body to a messenger webhook with the right secrets; asserts the answer is 200/400, unechoed."""
    headers = {"Content-Type": "application/json"}
    if kind == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = SECRET
    r = http.post(f"{base}/webhooks/{kind}/{SECRET}", content=body, headers=headers)
    assert r.status_code < 500, (kind, body[:300], r.status_code, r.text[:300])
    assert (r.status_code, r.text) in ALLOWED_MESSENGER, (kind, body[:300], r.status_code, r.text[:300])
    return r


def post_sms(http: httpx.Client, base: str, how: str, form: dict[str, Any], raw: bytes) -> httpx.Response:
    """One Kavenegar post (form, multipart, query string or a raw body); asserts 200 "ok"/"ignored"."""
    url = f"{base}/webhooks/kavenegar/{SECRET}"
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    fields = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in fields.items()}
    if how == "form":
        r = http.post(url, data=fields)
    elif how == "multipart":
        r = http.post(url, files={k: (None, v.encode()) for k, v in fields.items()})
    elif how == "query":
        r = http.post(url, params={k: v[:1500] for k, v in fields.items()})
    else:
        r = http.post(url, content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code < 500, (how, form, r.status_code, r.text[:300])
    assert (r.status_code, r.text) in ALLOWED_SMS, (how, form, r.status_code, r.text[:300])
    return r


def run_property(strategy: st.SearchStrategy, check: Callable[[Any], None], examples: int) -> None:
    """Run ``check`` on ``examples`` hypothesis examples of ``strategy`` (shrinking a failure)."""

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(strategy)
    def prop(value: Any) -> None:
        check(value)

    prop()


def fuzz_messenger(base: str, kind: str, examples: int) -> None:
    """``examples`` well-formed updates with hostile content, then as many malformed bodies, to
    ``/webhooks/<kind>/<secret>``."""
    with httpx.Client(timeout=30) as http:
        run_property(WELL_FORMED, lambda body: post_update(http, base, kind, body), examples)
        run_property(MALFORMED, lambda body: post_update(http, base, kind, body), examples)


def fuzz_sms(base: str, examples: int) -> None:
    """``examples`` posts from real-looking mobiles, then as many of any shape, to ``/webhooks/kavenegar/<secret>``."""
    with httpx.Client(timeout=30) as http:
        run_property(SMS_FROM_A_MOBILE, lambda x: post_sms(http, base, *x), examples)
        run_property(SMS_POST, lambda x: post_sms(http, base, *x), examples)


def drained(url: str, limit: float) -> bool:
    """True once no user has queued work (within ``limit`` seconds)."""
    db = redis.Redis.from_url(url)
    try:
        t0 = time.time()
        while time.time() - t0 < limit:
            if db.scard(f"{QUEUE}:sched") == 0 and db.llen(f"{QUEUE}:ready") == 0:
                return True
            time.sleep(0.1)
        return False
    finally:
        db.close()


def dead_letters(url: str) -> list[dict[str, Any]]:
    """Updates the workers parked after failing every attempt."""
    db = redis.Redis.from_url(url)
    try:
        return [json.loads(x) for x in db.lrange(f"{QUEUE}:dead", 0, -1)]
    finally:
        db.close()


def check_sends(api: FakeBotAPI, kav: FakeKavenegar) -> int:
    """Every message the bot sent is plain text (no parse_mode/entities) within the Bot API's limits."""
    sends = [c for c in api.calls if c["method"].lower() in ("sendmessage", "senddocument")]
    for c in sends:
        p = c["params"]
        assert "parse_mode" not in p and "entities" not in p and "caption_entities" not in p, p
        if c["method"].lower() == "sendmessage":
            assert 0 < len(p.get("text", "")) <= 4096, len(p.get("text", ""))
        markup = p.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) and markup else (markup or {})
        for row in markup.get("inline_keyboard", []):
            for b in row:
                assert "callback_data" not in b or 0 < len(b["callback_data"].encode()) <= 64, b
    for c in kav.calls_of("sms/send"):
        assert 0 < len(c["params"].get("message", "")) <= 1000, c["params"]
    return len(sends)


def real_people_answered(base: str, api: FakeBotAPI, kav: FakeKavenegar) -> None:
    """A Telegram, a Bale and an SMS user each get their answer after the fuzz."""
    for kind in ("telegram", "bale"):
        user = MessengerUser(base, api, kind, f"after-fuzz-{kind}")
        greeting = user.say("/start")
        assert greeting and greeting[0]["choices"], (kind, greeting)
        data = next(d for m in greeting for d, _ in m["choices"] if d.startswith("svc:pension_status"))
        asked = user.press(data)
        assert asked and "کد ملی" in asked[-1]["text"], (kind, asked)
        assert user.say("0016383230"), kind
    menu = SmsUser(base, kav, "09120000104").say("منو")
    assert menu and menu[0], menu


# --- the tests ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fakes():
    api, kav = FakeBotAPI(), FakeKavenegar()
    yield api, kav
    api.release()
    api.stop()
    kav.stop()


@pytest.fixture(scope="module")
def fuzz_bot(fakes, redis_available):
    """The bot with every door on, its queue in Redis db 13 (emptied before and after), limits lifted."""
    api, kav = fakes
    db = redis.Redis.from_url(REDIS_DB13)
    db.flushdb()
    with bot_server(bot_env(api, kav, REDIS_DB13, **FAST), with_app=True) as (url, app):
        yield url, app
    db.flushdb()
    db.close()


def _workers_alive(app: Any) -> None:
    tasks = app.state.channels._tasks
    assert tasks and not any(t.done() for t in tasks), [t for t in tasks if t.done()]


@pytest.mark.parametrize("kind", ["telegram", "bale"])
def test_fuzzed_messenger_updates_never_5xx(fuzz_bot, kind):
    url, app = fuzz_bot
    fuzz_messenger(url, kind, 150)
    _workers_alive(app)


def test_fuzzed_kavenegar_posts_never_5xx(fuzz_bot):
    url, app = fuzz_bot
    fuzz_sms(url, 120)
    _workers_alive(app)


def test_after_the_fuzz_workers_survive_and_answer_real_people(fuzz_bot, fakes):
    url, app = fuzz_bot
    api, kav = fakes
    assert drained(REDIS_DB13, 20), "the fuzzed updates were not all handled"
    assert dead_letters(REDIS_DB13) == []
    _workers_alive(app)
    check_sends(api, kav)
    real_people_answered(url, api, kav)
    assert TG_TOKEN in {c["token"] for c in api.calls} and BALE_TOKEN in {c["token"] for c in api.calls}


def test_the_web_page_renders_messages_as_text(fuzz_bot):
    url, _ = fuzz_bot
    page = httpx.get(f"{url}/").text
    assert "textContent" in page and "innerHTML" not in page and "insertAdjacentHTML" not in page
    r = httpx.post(f"{url}/api/chat", json={"user": "fuzz-web", "text": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
