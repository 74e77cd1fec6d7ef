"""Redis commands of one web-chat conversation (issue 19.4): ``MONITOR`` while one person holds the three-turn
pension conversation against a running bot, counting the commands that name its conversation key (the key is
derived from the session cookie and the ``user`` field, as the server derives it).

    .venv/bin/python bench/growth_monitor.py http://127.0.0.1:8450 6425
"""

from __future__ import annotations

import collections
import hashlib
import json
import subprocess
import sys
import time

import httpx


def main(base: str, port: str) -> None:
    """One conversation under ``MONITOR``; the commands by kind, top-level and inside scripts."""
    out = "/tmp/growth-monitor.txt"
    with open(out, "w") as fh:
        mon = subprocess.Popen(["redis-cli", "-p", port, "monitor"], stdout=fh)
        time.sleep(1)
        with httpx.Client(base_url=base, timeout=60) as c:
            for text in ["سلام", "وضعیت مستمری", "0016383230"]:
                c.post("/api/chat", json={"user": "monitor", "text": text}).raise_for_status()
            sid = c.cookies.get("tamin_web")
        time.sleep(1)
        mon.terminate()
        mon.wait(5)
    key = "w" + hashlib.sha256(f"{sid}\x00monitor".encode()).hexdigest()[:32]
    lines = open(out).read().splitlines()
    mine = [line for line in lines if key in line]
    top = [line for line in mine if " lua]" not in line]
    print(json.dumps({"top_level_commands": len(top), "per_turn": round(len(top) / 3, 1),
                      "top_level": collections.Counter(line.split('"')[1].upper() for line in top),
                      "inside_scripts": len(mine) - len(top), "all_commands_in_the_window": len(lines)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "6379")
