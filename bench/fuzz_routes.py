"""Fuzz every public route of a real ``tamin-bot serve`` and scan its log for unmasked personal data.

    .venv/bin/python bench/fuzz_routes.py --requests 10000

Starts (loopback, free ports) a back-end simulator, a fake Bot API and a fake Kavenegar, and two servers
of this checkout: **full** (Telegram, Bale, Kavenegar, signed events, the console, ``TAMIN_BACKEND_URL``)
and **embedded** (nothing configured: dev outbox and ``/sim``). Then it sends ``--requests`` generated
requests over every public route: lone surrogates and control characters (in JSON escapes, query strings,
form fields), huge bodies (over each route's limit, with Content-Length and chunked), deeply nested JSON,
wrong content types and invalid UTF-8, the webhooks with the right secret, a wrong one and none, signed and
unsigned events; the personas' national codes and mobiles and valid IBANs are woven into the text, in ASCII,
Persian and Arabic-Indic digits. It prints one JSON summary: requests per route, 5xx count (with samples),
transport errors, and how many of the personal values sent appear unmasked in the servers' output. Exit
status 1 when either count is not 0 or a server died.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

from tests.fakes.botapi import FakeBotAPI  # noqa: E402
from tests.fakes.kavenegar import FakeKavenegar  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

SECRET = "fuzzhooksecret4242"
EVENTS_SECRET = "fuzzeventsecret4242"
TG_TOKEN, BALE_TOKEN = "4242:fuzz-telegram-token-AAAA", "4343:fuzz-bale-token-BBBB"
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
AR = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NASTY = ["\ud800", "\udfff", "\x00", "\x07", "\x1b[2J", "\x7f", "\u202e", "\ufeff", "\u200c", "\r\n", "\t",
         "<script>alert(1)</script>", "{{7*7}}", "%s%n", "'; DROP TABLE x; --", "🙂", "ي ك", "/start", "منو", "مستمری",
         "بله", "لغو", "اپراتور", "\\u0000", "${jndi:ldap://x}", "../../etc/passwd", "a" * 300]


def iban(rng: random.Random) -> str:
    """A valid Iranian IBAN (mod-97 check digits right)."""
    bban = "0" + rng.choice(["17", "12", "55", "62"]) + "0" * 1 + "".join(rng.choice("0123456789") for _ in range(18))
    check = 98 - int(bban + "182700") % 97  # I=18 R=27
    return f"IR{check:02d}{bban}"


def q(value: str) -> str:
    """Percent-encoded, lone surrogates included (as the bytes a careless client would send)."""
    return urllib.parse.quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")


def form(fields: dict[str, str]) -> bytes:
    return "&".join(f"{k}={q(v)}" for k, v in fields.items()).encode()


def people() -> list[tuple[str, str]]:
    """(national code, mobile) of every persona."""
    data = yaml.safe_load((ROOT / "data" / "personas.yml").read_text(encoding="utf-8"))
    return [(p["national_code"], p["mobile"]) for p in data["people"].values() if p.get("mobile")]


class Gen:
    """Generated hostile requests; remembers every personal value it sent."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = people()
        self.sent: set[str] = set()
        self.uid = 0

    def personal(self) -> str:
        r = self.rng
        nc, mob = r.choice(self.people)
        kind = r.randrange(3)
        value = nc if kind == 0 else mob if kind == 1 else iban(r)
        self.sent.add(value)
        form = r.randrange(4)
        if form == 1:
            return value.translate(FA)
        if form == 2:
            return value.translate(AR)
        if form == 3 and kind == 1:
            return "+98" + value[1:]
        return value

    def text(self) -> str:
        r = self.rng
        parts = [r.choice(NASTY) if r.random() < 0.6 else "".join(chr(r.randrange(0, 0x3000)) for _ in range(r.randrange(1, 20)))
                 for _ in range(r.randrange(0, 4))]
        if r.random() < 0.6:
            parts.insert(r.randrange(len(parts) + 1), self.personal())
        return " ".join(parts)

    def nested(self, depth: int) -> str:
        kind = self.rng.choice(["[", '{"a":'])
        close = "]" if kind == "[" else "}"
        return kind * depth + "1" + close * depth

    def user(self) -> Any:
        r = self.rng
        self.uid += 1
        return r.choice([f"fz-{self.uid}", f"web-{r.getrandbits(40)}", "", "a b", "\ud800", 5, None, ["x"], "x" * 300,
                         f"fz-{self.uid}"])

    # ---- one request --------------------------------------------------------------------------

    def request(self, full: str, embedded: str) -> tuple[str, str, str, dict]:
        """(route label, method, url, httpx keyword arguments)."""
        r = self.rng
        pick = r.random()
        if pick < 0.34:
            return self.chat(full if r.random() < 0.8 else embedded)
        if pick < 0.40:
            return self.pending(full)
        if pick < 0.58:
            return self.messenger(full)
        if pick < 0.70:
            return self.kavenegar(full)
        if pick < 0.78:
            return self.events(full)
        if pick < 0.84:
            return self.console(full)
        if pick < 0.88:
            return self.verify(full)
        if pick < 0.94:
            return self.embedded(embedded)
        return self.misc(full)

    def _json(self, obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=self.rng.random() < 0.8).encode("utf-8", "surrogatepass")

    def chat(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        kind = r.randrange(10)
        headers = {"content-type": "application/json"}
        if kind <= 4:
            body: dict = {"user": self.user() if r.random() < 0.2 else f"fz-{r.randrange(200)}"}
            if r.random() < 0.85:
                body["text"] = self.text()
            if r.random() < 0.2:
                body["choice"] = r.choice(["svc:pension_status", "cmd:menu", "cmd:operator", "resend", self.text()[:64]])
            content = self._json(body)
        elif kind == 5:
            content = ('{"user":"fz","text":' + self.nested(r.choice([50, 900, 5000]))[:15000] + "}").encode()
        elif kind == 6:
            content = self._json({"user": "fz", "text": "x" * r.choice([5000, 17000, 200_000])})
        elif kind == 7:
            content = r.choice([b"\xff\xfe\xfd", b"{", b"[]", b"null", b'{"user":"fz","text":"\xed\xa0\x80"}', b""])
        elif kind == 8:
            headers = {"content-type": r.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                                 "application/xml"])}
            content = f"user=fz&text={self.text()}".encode("utf-8", "surrogatepass")
        else:
            return "chat-chunked", "POST", base + "/api/chat", {"content": self._chunks(r.choice([2000, 40_000])),
                                                                 "headers": headers}
        return "chat", "POST", base + "/api/chat", {"content": content, "headers": headers}

    def _chunks(self, size: int):
        async def gen():
            yield b'{"user":"fz","text":"'
            left = size
            while left > 0:
                n = min(left, 8192)
                yield b"y" * n
                left -= n
            yield b'"}'
        return gen()

    def pending(self, base: str) -> tuple[str, str, str, dict]:
        user = self.rng.choice(["fz-1", "page", "\ud800", "x" * 500, self.personal(), "%00"])
        return "pending", "GET", f"{base}/api/chat/pending?user={q(user)}", {}

    def update(self) -> dict:
        r = self.rng
        uid = r.choice([r.randrange(1, 10**9), -5, 0, 10**20, "x"])
        msg: dict = {"message_id": r.randrange(10**6), "date": int(time.time()),
                     "chat": {"id": uid, "type": r.choice(["private", "group", ""])},
                     "from": {"id": uid, "is_bot": False, "first_name": self.text()[:30]}}
        if r.random() < 0.8:
            msg["text"] = self.text()
        else:
            msg["contact"] = {"phone_number": self.personal(), "user_id": uid, "first_name": "x"}
        upd: dict = {"update_id": r.randrange(10**9), "message": msg}
        if r.random() < 0.2:
            upd = {"update_id": r.randrange(10**9), "callback_query": {"id": "1", "from": msg["from"], "data": self.text()[:64],
                                                                      "message": msg}}
        if r.random() < 0.1:
            upd.pop(r.choice(list(upd)))
        return upd

    def messenger(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        kind = r.choice(["telegram", "bale"])
        secret = r.choice([SECRET, SECRET, SECRET, "wrong", ""])
        headers = {"content-type": "application/json"}
        if kind == "telegram" and r.random() < 0.85:
            headers["X-Telegram-Bot-Api-Secret-Token"] = r.choice([SECRET, SECRET, "nope"])
        roll = r.random()
        if roll < 0.75:
            content = self._json(self.update())
        elif roll < 0.85:
            content = self.nested(r.choice([100, 3000])).encode()
        elif roll < 0.92:
            content = b"x" * r.choice([10, 1_100_000])
        else:
            content = r.choice([b"\xff", b"{", b"[1,2]", b"null"])
        return f"webhook-{kind}", "POST", f"{base}/webhooks/{kind}/{secret}", {"content": content, "headers": headers}

    def kavenegar(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        secret = r.choice([SECRET, SECRET, SECRET, "wrong"])
        _, mob = r.choice(self.people)
        fields = {"from": r.choice(["0098" + mob[1:], mob, self.personal(), "\ud800", "x" * 100]), "to": "10001420",
                  "message": self.text(), "messageid": str(r.randrange(10**12))}
        if r.random() < 0.15:
            fields.pop(r.choice(list(fields)))
        if r.random() < 0.1:
            return "webhook-kavenegar", "GET", f"{base}/webhooks/kavenegar/{secret}?{form(fields).decode()}", {}
        ctype = r.choice(["application/x-www-form-urlencoded"] * 4 + ["application/json", "text/plain"])
        return "webhook-kavenegar", "POST", f"{base}/webhooks/kavenegar/{secret}", {
            "content": form(fields), "headers": {"content-type": ctype}}

    def events(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        nc, mob = r.choice(self.people)
        self.sent.update((nc, mob))
        body = {"id": f"fz-ev-{r.getrandbits(48)}", "type": r.choice(["debt_raised", "certificate_issued", "x", ""]),
                "payload": {"national_code": nc, "mobile": mob, "workshop": "1012345678", "amount": r.randrange(10**9),
                            "period": "1405-08-01", "note": self.text()}}
        raw = self._json(body) if r.random() < 0.85 else (self.nested(500).encode() if r.random() < 0.5 else b"\xff{")
        if r.random() < 0.05:
            raw = b"x" * 1_200_000
        ts = str(int(time.time()) - r.choice([0, 0, 0, 10**5]))
        sig = hmac.new(EVENTS_SECRET.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        headers = {"content-type": "application/json", "X-Tamin-Timestamp": ts,
                   "X-Tamin-Signature": sig if r.random() < 0.7 else "0" * 64}
        return "events", "POST", base + "/events", {"content": raw, "headers": headers}

    def console(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        if r.random() < 0.4:
            return "console", "GET", base + r.choice(["/console/login", "/console/inbox", "/console/inbox/1",
                                                      "/console/supervisor", "/console/calls/x"]), {}
        fields = {"username": self.text()[:80], "password": self.text()[:80], "csrf": "x"}
        return "console", "POST", base + "/console/login", {
            "content": form(fields), "headers": {"content-type": "application/x-www-form-urlencoded"}}

    def verify(self, base: str) -> tuple[str, str, str, dict]:
        code = self.rng.choice(["TMN-1", "x" * 200, "%ED%A0%80", "%00", "..%2F..", self.personal(), "۱۲۳"])
        return "verify", "GET", f"{base}/verify/{q(code) if '%' not in code else code}", {"headers": {"X-Forwarded-For": f"198.51.100.{self.rng.randrange(1, 250)}"}}

    def embedded(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        path = r.choice(["/dev/outbox", "/dev/outbox", "/sim/healthz", "/sim/_sim/faults", "/sim/v1/identity/match",
                         "/sim/v1/certificates/NOPE.pdf", "/sim/pay/nope", "/"])
        headers = {"accept": r.choice(["application/json", "text/html", "*/*"])}
        if r.random() < 0.5:
            headers["X-Forwarded-For"] = "203.0.113.9"
        method = "POST" if path in ("/sim/_sim/faults", "/sim/v1/identity/match") else "GET"
        kw: dict = {"headers": headers}
        if method == "POST":
            kw["content"] = self._json({"mode": "ok", "national_code": self.personal(), "mobile": self.personal()})
        return "embedded", method, base + path, kw

    def misc(self, base: str) -> tuple[str, str, str, dict]:
        r = self.rng
        path = r.choice(["/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/static/fonts/nope.ttf", "/nope",
                         "/api/chat", "/api/chat/%ED%A0%80", "/webhooks/telegram", "/?q=%ED%A0%80"])
        method = r.choice(["GET", "GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
        headers = {"cookie": r.choice(["tamin_web=web-" + "A" * 43, "tamin_web=\x7f", "tamin_web=" + "x" * 5000, ""])}
        return "misc", method, base + path, {"headers": headers}


# ---- running ------------------------------------------------------------------------------------

def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


def leaks(text: str, values: set[str]) -> list[str]:
    """The personal values (any digit script, +98 forms) that appear in ``text``."""
    found = []
    for v in values:
        forms = {v, v.translate(FA), v.translate(AR)}
        if v.startswith("09"):
            forms |= {"+98" + v[1:], "98" + v[1:]}
        if any(f in text for f in forms):
            found.append(v[:2] + "…" + v[-2:])
    return found


async def fire(gen: Gen, n: int, full: str, embedded: str, concurrency: int) -> dict:
    statuses: Counter = Counter()
    per_route: Counter = Counter()
    fives: list[str] = []
    errors: Counter = Counter()
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        async def one() -> None:
            route, method, url, kw = gen.request(full, embedded)
            async with sem:
                try:
                    r = await http.request(method, url, **kw)
                except httpx.HTTPError as exc:
                    errors[f"{route}: {type(exc).__name__}"] += 1
                    return
            per_route[route] += 1
            statuses[r.status_code // 100 * 100] += 1
            if r.status_code >= 500 and len(fives) < 20:
                fives.append(f"{route} {method} {url[:80]} -> {r.status_code}")
            if r.status_code >= 500:
                statuses["5xx"] += 1

        batch = 200
        for start_at in range(0, n, batch):
            await asyncio.gather(*(one() for _ in range(min(batch, n - start_at))))
    return {"per_route": dict(per_route), "status_classes": {str(k): v for k, v in statuses.items() if k != "5xx"},
            "five_xx": statuses["5xx"], "five_xx_samples": fives, "transport_errors": dict(errors)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1405)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--redis", default=os.environ.get("TAMIN_TEST_REDIS", "redis://127.0.0.1:6379") + "/11",
                    help="the full server's Redis database (flushed before and after)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="fuzz-routes-"))
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    exe = [sys.executable, "-m", "bot.cli"]
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    api, kav = FakeBotAPI(), FakeKavenegar()
    sim_port, full_port, emb_port = free_port(), free_port(), free_port()
    procs: list[subprocess.Popen] = []
    logs = {name: tmp / f"{name}.log" for name in ("simulator", "full", "embedded")}
    t0 = time.time()
    try:
        sim = start([*exe, "simulator", "--host", "127.0.0.1", "--port", str(sim_port)], base_env, logs["simulator"])
        procs.append(sim)
        wait_up(f"http://127.0.0.1:{sim_port}", sim)
        full_env = {**base_env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/full.db",
                    "TAMIN_BACKEND_URL": f"http://127.0.0.1:{sim_port}",
                    "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE": api.url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "BALE_BOT_TOKEN": BALE_TOKEN, "BALE_API_BASE": api.url, "BALE_WEBHOOK_SECRET": SECRET,
                    "KAVENEGAR_API_BASE": kav.url, "KAVENEGAR_API_KEY": "fuzz-key-0123456789abcdef0123",
                    "KAVENEGAR_SENDER": "10001420", "KAVENEGAR_OTP_TEMPLATE": "tamin-otp",
                    "KAVENEGAR_WEBHOOK_SECRET": SECRET, "EVENTS_HMAC_SECRET": EVENTS_SECRET,
                    "NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00", "VERIFY_PER_MINUTE": "100000",
                    "REDIS_URL": args.redis}
        full = start([*exe, "serve", "--host", "127.0.0.1", "--port", str(full_port)], full_env, logs["full"])
        emb = start([*exe, "serve", "--host", "127.0.0.1", "--port", str(emb_port)],
                    {**base_env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/emb.db"}, logs["embedded"])
        procs += [full, emb]
        full_url, emb_url = f"http://127.0.0.1:{full_port}", f"http://127.0.0.1:{emb_port}"
        wait_up(full_url, full)
        wait_up(emb_url, emb)
        gen = Gen(args.seed)
        started = time.time()
        result = asyncio.run(fire(gen, args.requests, full_url, emb_url, args.concurrency))
        result["fire_seconds"] = round(time.time() - started, 1)
        time.sleep(2.0)  # let the ingress and notify workers finish what they took
        alive = {"full": full.poll() is None, "embedded": emb.poll() is None}
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        api.stop()
        kav.stop()
        redis.Redis.from_url(args.redis).flushdb()
    text = "".join(logs[n].read_text(encoding="utf-8", errors="replace") for n in ("full", "embedded"))
    unmasked = leaks(text, gen.sent)
    summary = {"requests": args.requests, "seconds": round(time.time() - t0, 1), "seed": args.seed,
               **result, "personal_values_sent": len(gen.sent), "unmasked_in_logs": len(unmasked),
               "unmasked_samples": unmasked[:10], "log_lines": text.count("\n"), "servers_alive": alive,
               "logs": str(tmp)}
    print(json.dumps(summary, ensure_ascii=False))
    bad = result["five_xx"] or unmasked or not all(alive.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
