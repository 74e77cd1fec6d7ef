"""This bot against a Rasa 3.6 yardstick, same machine, same Redis, alternating rounds (issue 19.3).

Both hold the three-turn pension conversation (greet → «وضعیت مستمری» → national code) over their HTTP
chat endpoints (the bot's ``POST /api/chat``, Rasa's REST channel ``POST /webhooks/rest/webhook``), U
concurrent people, each conversation a new person (a new web session cookie; a new Rasa sender). The
driver is a bare asyncio HTTP/1.1 client with one keep-alive connection per person, so it costs little
CPU next to either server. A round is S seconds of one system while the other idles; rounds alternate.
After each round: turns/s, p50/p99 turn latency, the server's CPU per turn and resident memory (its
process tree), and Redis bytes per conversation (``MEMORY USAGE`` of every key in that system's db(s),
flushed before its round, divided by the conversations begun).

    # once: write the yardstick's domain (the bot's own three answers) and NLU subset, then train it
    PYTHONPATH=$PWD .venv/bin/python bench/vs_rasa.py prepare --bot-cmd "..." --bot-url http://127.0.0.1:8420
    (cd bench/rasa_yardstick && /work/rasa-venv/bin/rasa train --fixed-model-name yardstick)
    # the comparison
    PYTHONPATH=$PWD .venv/bin/python bench/vs_rasa.py run --rounds 3 --seconds 15 --users 16 \\
        --bot-cmd "env REDIS_URL=redis://127.0.0.1:6413/1 .venv/bin/tamin-bot serve --port 8420" \\
        --bot-url http://127.0.0.1:8420 --bot-redis redis://127.0.0.1:6413/1 \\
        --rasa-cmd "/work/rasa-venv/bin/rasa run -m models --endpoints endpoints.yml --credentials credentials.yml -p 8421" \\
        --rasa-url http://127.0.0.1:8421 --rasa-redis redis://127.0.0.1:6413/2,redis://127.0.0.1:6413/3

The Rasa command runs in ``bench/rasa_yardstick`` with ``RASA_REDIS_HOST/PORT``, ``RASA_TRACKER_DB`` and
``RASA_LOCK_DB`` set from ``--rasa-redis`` (its ``endpoints.yml`` reads them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
YARD = ROOT / "bench" / "rasa_yardstick"
EXPECTED = YARD / "models" / "expected.json"
NATIONAL_CODES = ["0016383230", "0023564806", "0036064548", "0041021150"]
SCRIPT = ["سلام", "وضعیت مستمری"]  # then a national code
NLU_INTENTS = ("greet", "pension_status", "goodbye", "thanks", "cancel")


# ---------------------------------------------------------------- a bare HTTP/1.1 keep-alive client

class Conn:
    """One keep-alive HTTP/1.1 connection (one person's); reopens when the server closes it."""

    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def post(self, path: str, body: bytes, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
        """POST ``body`` as JSON; the status, lower-cased headers (``set-cookie`` kept whole) and body."""
        if self.writer is None:
            await self._open()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
        self.writer.write(head.encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                data += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
            data = data[:-2]
        else:
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, data

    def close(self) -> None:
        """Drop the connection (the next post opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# ---------------------------------------------------------------- the two doors

def bot_turn(user: str, text: str) -> tuple[str, bytes]:
    """The bot's web chat request for one turn."""
    return "/api/chat", json.dumps({"user": user, "text": text}, ensure_ascii=False).encode()


def rasa_turn(user: str, text: str) -> tuple[str, bytes]:
    """Rasa's REST channel request for one turn."""
    return "/webhooks/rest/webhook", json.dumps({"sender": user, "message": text}, ensure_ascii=False).encode()


def first_text(kind: str, data: bytes) -> str:
    """The first message's text of an answer, in either system's shape."""
    doc = json.loads(data)
    if kind == "bot":
        return doc["messages"][0]["text"] if doc.get("messages") else ""
    return doc[0].get("text", "") if doc else ""


@dataclass
class Tally:
    """What one round measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wrong: int = 0
    conversations: int = 0


async def person(kind: str, url: str, n: int, tag: str, stop: float, tally: Tally, expected: list[str]) -> None:
    """One person after another on one connection: the three-turn conversation, each time someone new."""
    conn, make = Conn(url), (bot_turn if kind == "bot" else rasa_turn)
    talk = 0
    try:
        while time.perf_counter() < stop:
            talk += 1
            tally.conversations += 1
            user, cookie = f"p{tag}-{n}-{talk}", ""
            for i, text in enumerate([*SCRIPT, NATIONAL_CODES[(n + talk) % len(NATIONAL_CODES)]]):
                path, body = make(user, text)
                t0 = time.perf_counter()
                try:
                    status, headers, data = await conn.post(path, body, cookie)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    conn.close()
                    tally.errors += 1
                    break
                tally.latencies.append(time.perf_counter() - t0)
                if status != 200:
                    tally.errors += 1
                    break
                if "set-cookie" in headers:
                    cookie = headers["set-cookie"].split(";", 1)[0]
                if expected and first_text(kind, data) != expected[i]:
                    tally.wrong += 1
    finally:
        conn.close()


# ---------------------------------------------------------------- processes, CPU, memory, Redis

def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process tree."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for p in tree(pid):
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total


def rss_bytes(pid: int) -> int:
    """Resident memory of a process tree (sum of VmRSS)."""
    total = 0
    for p in tree(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def redis_bytes(urls: list[str]) -> dict[str, int]:
    """``MEMORY USAGE`` of every key in these dbs, summed by key family (the key up to its second colon)."""
    out: dict[str, int] = {}
    for url in urls:
        r = redis.Redis.from_url(url)
        keys = list(r.scan_iter(count=2000))
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            pipe = r.pipeline(transaction=False)
            for k in chunk:
                pipe.memory_usage(k, samples=0)
            for k, size in zip(chunk, pipe.execute(), strict=True):
                family = ":".join(k.decode(errors="replace").split(":")[:2])
                out[family] = out.get(family, 0) + (size or 0)
    return out


def flush(urls: list[str]) -> None:
    """Empty these dbs before a round."""
    for url in urls:
        redis.Redis.from_url(url).flushdb()


def wait_up(kind: str, url: str, seconds: float = 900) -> None:
    """Until the chat endpoint answers a turn."""
    deadline = time.time() + seconds

    async def probe() -> int:
        conn = Conn(url)
        try:
            path, body = (bot_turn if kind == "bot" else rasa_turn)("probe", "سلام")
            return (await conn.post(path, body))[0]
        finally:
            conn.close()

    while time.time() < deadline:
        try:
            if asyncio.run(probe()) == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{kind} at {url} did not answer a turn in {seconds:.0f} s")


def start(cmd: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start a server in its own process group, its output in a log file under /tmp."""
    log = open(f"/tmp/vs_rasa-{abs(hash(cmd)) % 10**6}.log", "wb")
    return subprocess.Popen(shlex.split(cmd), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a server's process group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def rasa_env(urls: list[str]) -> dict[str, str]:
    """The environment Rasa's endpoints.yml reads: Redis host, port, tracker db and lock db."""
    tracker, lock = urlsplit(urls[0]), urlsplit(urls[-1])
    return {"RASA_REDIS_HOST": tracker.hostname or "127.0.0.1", "RASA_REDIS_PORT": str(tracker.port or 6379),
            "RASA_TRACKER_DB": tracker.path.strip("/") or "0", "RASA_LOCK_DB": lock.path.strip("/") or "0",
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


# ---------------------------------------------------------------- rounds

async def drive(kind: str, url: str, users: int, seconds: float, tag: str, expected: list[str]) -> tuple[Tally, float]:
    """``users`` people for ``seconds``; the tally and the elapsed time."""
    tally = Tally()
    t0 = time.perf_counter()
    await asyncio.gather(*(person(kind, url, n, tag, t0 + seconds, tally, expected) for n in range(users)))
    return tally, time.perf_counter() - t0


def one_round(kind: str, url: str, pid: int, dbs: list[str], args: argparse.Namespace, tag: str,
              expected: list[str]) -> dict:
    """One measured round of one system."""
    flush(dbs)
    cpu0 = cpu_seconds(pid)
    tally, elapsed = asyncio.run(drive(kind, url, args.users, args.seconds, tag, expected))
    cpu = cpu_seconds(pid) - cpu0
    lat = sorted(tally.latencies)
    by_family = redis_bytes(dbs)
    convs = max(1, tally.conversations)
    return {
        "system": kind, "turns": len(lat), "errors": tally.errors, "wrong_answers": tally.wrong,
        "turns_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "p99_ms": round(1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
        "cpu_ms_per_turn": round(1000 * cpu / max(1, len(lat)), 2),
        "rss_mb": round(rss_bytes(pid) / 2**20),
        "redis_bytes_per_conversation": round(sum(by_family.values()) / convs),
        "redis_by_family": {k: round(v / convs) for k, v in sorted(by_family.items())},
        "conversations": tally.conversations,
    }


def run(args: argparse.Namespace) -> None:
    """Start both servers, warm them up, alternate measured rounds and print rows and the ratio."""
    bot_dbs, rasa_dbs = args.bot_redis.split(","), args.rasa_redis.split(",")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() and not args.no_check else []
    procs = {"bot": start(args.bot_cmd, ROOT, dict(os.environ)),
             "rasa": start(args.rasa_cmd, YARD, dict(os.environ, **rasa_env(rasa_dbs)))}
    urls, dbs = {"bot": args.bot_url, "rasa": args.rasa_url}, {"bot": bot_dbs, "rasa": rasa_dbs}
    rows: list[dict] = []
    try:
        for kind in ("bot", "rasa"):
            wait_up(kind, urls[kind])
            asyncio.run(drive(kind, urls[kind], args.users, args.warmup, "w", []))  # warm-up, not counted
        for i in range(args.rounds):
            for kind in (("bot", "rasa") if i % 2 == 0 else ("rasa", "bot")):
                row = one_round(kind, urls[kind], procs[kind].pid, dbs[kind], args, f"{i}{kind[0]}", expected)
                row["round"] = i + 1
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        for p in procs.values():
            stop(p)
    summary(rows)


def span(values: list[float]) -> str:
    """A range as «low–high»."""
    return f"{min(values):g}–{max(values):g}"


def summary(rows: list[dict]) -> None:
    """Both systems' ranges side by side and the throughput ratio, per round pair and of the medians."""
    by = {k: [r for r in rows if r["system"] == k] for k in ("bot", "rasa")}
    print()
    print("| system | turns/s | p50 ms | p99 ms | CPU ms/turn | Redis B/conversation | RSS MB | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for k, rs in by.items():
        print(f"| {k} | " + " | ".join(span([r[c] for r in rs]) for c in
              ("turns_per_s", "p50_ms", "p99_ms", "cpu_ms_per_turn", "redis_bytes_per_conversation", "rss_mb"))
              + f" | {sum(r['errors'] + r['wrong_answers'] for r in rs)} |")
    pairs = [b["turns_per_s"] / r["turns_per_s"] for b, r in zip(by["bot"], by["rasa"], strict=False) if r["turns_per_s"]]
    med = statistics.median(r["turns_per_s"] for r in by["bot"]) / max(
        0.1, statistics.median(r["turns_per_s"] for r in by["rasa"]))
    print(f"\nturns/s ratio bot/rasa: per round {', '.join(f'{p:.1f}×' for p in pairs)}; of the medians {med:.1f}×")


# ---------------------------------------------------------------- prepare: the yardstick's data

def nlu_subset() -> dict:
    """The yardstick's NLU: a few intents of data/nlu.yml as they are, plus national codes said alone."""
    doc = yaml.safe_load((ROOT / "data" / "nlu.yml").read_text(encoding="utf-8"))
    blocks: dict[str, list[str]] = {}
    for item in doc["nlu"]:
        if item.get("intent") in NLU_INTENTS:
            blocks.setdefault(item["intent"], []).extend(
                line[2:] for line in item["examples"].splitlines() if line.startswith("- "))
    rng = random.Random(19)
    codes = NATIONAL_CODES + ["".join(rng.choice("0123456789") for _ in range(10)) for _ in range(26)]
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    blocks["inform"] = [f"[{c}](national_code)" for c in codes[:20]] + [
        f"[{c.translate(persian)}](national_code)" for c in codes[20:]]
    return {"version": "3.1",
            "nlu": [{"intent": k, "examples": "".join(f"- {x}\n" for x in v)} for k, v in blocks.items()]
            + [{"regex": "national_code", "examples": "- [0-9۰-۹]{10}\n"}]}


def response(message: dict) -> dict:
    """A Rasa response from one of the bot's messages (its text and buttons)."""
    out: dict = {"text": message["text"]}
    if message.get("choices"):
        out["buttons"] = [{"title": c["title"], "payload": "/" + c["id"].replace(":", "_")} for c in message["choices"]]
    return out


def prepare(args: argparse.Namespace) -> None:
    """Hold the conversation once with the bot and write the yardstick's domain (its answers) and NLU."""
    proc = start(args.bot_cmd, ROOT, dict(os.environ))
    try:
        wait_up("bot", args.bot_url)

        async def talk() -> list[dict]:
            conn, cookie, answers = Conn(args.bot_url), "", []
            for text in [*SCRIPT, NATIONAL_CODES[0]]:
                _, headers, data = await conn.post(*bot_turn("prepare", text), cookie)
                cookie = headers.get("set-cookie", cookie).split(";", 1)[0]
                answers.append(json.loads(data)["messages"][0])
            conn.close()
            return answers

        answers = asyncio.run(talk())
    finally:
        stop(proc)
    names = ["utter_greet", "utter_ask_national_code", "utter_ask_mobile"]
    domain = {
        "version": "3.1",
        "intents": [*NLU_INTENTS, "inform"],
        "entities": ["national_code"],
        "slots": {"national_code": {"type": "text", "influence_conversation": False,
                                    "mappings": [{"type": "from_entity", "entity": "national_code"}]}},
        "responses": {n: [response(m)] for n, m in zip(names, answers, strict=True)},
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    }
    (YARD / "data").mkdir(exist_ok=True)
    (YARD / "models").mkdir(exist_ok=True)
    dump = {"allow_unicode": True, "sort_keys": False, "width": 10_000}
    (YARD / "domain.yml").write_text(yaml.safe_dump(domain, **dump), encoding="utf-8")
    (YARD / "data" / "nlu.yml").write_text(yaml.safe_dump(nlu_subset(), **dump), encoding="utf-8")
    EXPECTED.write_text(json.dumps([m["text"] for m in answers], ensure_ascii=False), encoding="utf-8")
    print(f"wrote {YARD / 'domain.yml'}, {YARD / 'data' / 'nlu.yml'}, {EXPECTED}")


def main() -> None:
    """``prepare`` or ``run``."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("prepare", "run"):
        p = sub.add_parser(name)
        p.add_argument("--bot-cmd", required=True, help="command that starts the bot (run from the repository)")
        p.add_argument("--bot-url", default="http://127.0.0.1:8420")
        if name == "run":
            p.add_argument("--rasa-cmd", required=True, help="command that starts Rasa (run in bench/rasa_yardstick)")
            p.add_argument("--rasa-url", default="http://127.0.0.1:8421")
            p.add_argument("--bot-redis", required=True, help="the bot's Redis db URL(s), comma-separated")
            p.add_argument("--rasa-redis", required=True, help="Rasa's tracker db URL, then its lock db URL")
            p.add_argument("--rounds", type=int, default=3, help="measured rounds of each system")
            p.add_argument("--seconds", type=float, default=15)
            p.add_argument("--warmup", type=float, default=5)
            p.add_argument("--users", type=int, default=16)
            p.add_argument("--no-check", action="store_true", help="do not compare answers with the bot's")
    args = ap.parse_args()
    (prepare if args.cmd == "prepare" else run)(args)


if __name__ == "__main__":
    sys.exit(main())
