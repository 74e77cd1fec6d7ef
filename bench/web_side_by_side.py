"""Several ``tamin-bot serve`` variants side by side on one machine, alternating rounds (issue 19).

Each ``--bot NAME PORT COMMAND`` starts one server (the command runs from the repository, in its own
process group); all are up before the first round and idle while another is measured. Each round drives
one of them with ``--users`` people holding the three-turn pension conversation (greet → «وضعیت مستمری» →
national code), every conversation a new person with their own session cookie, over the lean keep-alive
HTTP/1.1 client of ``bench/vs_rasa.py`` (every answer's first text checked against the first server's).
Per round: turns/s, p50/p99, the server's CPU per turn (its process tree, from /proc) and the load average.

    PYTHONPATH=$PWD .venv/bin/python bench/web_side_by_side.py --rounds 3 --seconds 10 \\
        --bot before 8423 "env PYTHONPATH=/work/wt-webspeed-base REDIS_URL=redis://127.0.0.1:6421/11 .venv/bin/tamin-bot serve --port 8423" \\
        --bot after 8424 "env REDIS_URL=redis://127.0.0.1:6421/12 .venv/bin/tamin-bot serve --port 8424"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_rasa import ROOT, Conn, bot_turn, cpu_seconds, drive, start, stop, wait_up  # noqa: E402


def answers(url: str) -> list[str]:
    """The first text of each of the conversation's three answers (what every person must get)."""
    from vs_rasa import NATIONAL_CODES, SCRIPT

    async def talk() -> list[str]:
        conn, cookie, out = Conn(url), "", []
        for text in [*SCRIPT, NATIONAL_CODES[0]]:
            _, headers, data = await conn.post(*bot_turn("expected", text), cookie)
            cookie = headers.get("set-cookie", cookie).split(";", 1)[0]
            out.append(json.loads(data)["messages"][0]["text"])
        conn.close()
        return out

    return asyncio.run(talk())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bot", nargs=3, action="append", metavar=("NAME", "PORT", "COMMAND"), required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--users", type=int, default=16)
    args = ap.parse_args()
    bots = [(name, f"http://127.0.0.1:{port}", cmd) for name, port, cmd in args.bot]
    procs = {name: start(cmd, ROOT, dict(os.environ)) for name, _, cmd in bots}
    rows: list[dict] = []
    try:
        for _name, url, _ in bots:
            wait_up("bot", url)
        expected = answers(bots[0][1])
        for _name, url, _ in bots:
            asyncio.run(drive("bot", url, args.users, args.warmup, "w", expected))
        for i in range(args.rounds):
            order = bots if i % 2 == 0 else list(reversed(bots))
            for name, url, _ in order:
                pid = procs[name].pid
                cpu0 = cpu_seconds(pid)
                tally, elapsed = asyncio.run(drive("bot", url, args.users, args.seconds, f"{i}{name}", expected))
                cpu = cpu_seconds(pid) - cpu0
                lat = sorted(tally.latencies)
                row = {"bot": name, "round": i + 1, "turns": len(lat), "errors": tally.errors,
                       "wrong_answers": tally.wrong, "turns_per_s": round(len(lat) / elapsed, 1),
                       "p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
                       "p99_ms": round(1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
                       "cpu_ms_per_turn": round(1000 * cpu / max(1, len(lat)), 3),
                       "load_average": round(os.getloadavg()[0], 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        for p in procs.values():
            stop(p)
    print("\n| bot | turns/s | p50 ms | p99 ms | CPU ms/turn | errors |\n|---|---|---|---|---|---|")
    for name, _, _ in bots:
        rs = [r for r in rows if r["bot"] == name]
        cell = {c: f"{min(r[c] for r in rs):g}–{max(r[c] for r in rs):g}"
                for c in ("turns_per_s", "p50_ms", "p99_ms", "cpu_ms_per_turn")}
        print(f"| {name} | {cell['turns_per_s']} | {cell['p50_ms']} | {cell['p99_ms']} | {cell['cpu_ms_per_turn']} | "
              f"{sum(r['errors'] + r['wrong_answers'] for r in rs)} |")
    if len(bots) == 2:
        a, b = ([r for r in rows if r["bot"] == n] for n in (bots[0][0], bots[1][0]))
        ratios = [y["turns_per_s"] / x["turns_per_s"] for x, y in zip(a, b, strict=True) if x["turns_per_s"]]
        print(f"\n{bots[1][0]} / {bots[0][0]} turns/s per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
