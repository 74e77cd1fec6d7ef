"""What the pension-status conversation costs by SMS (UCS-2 parts), recorded in docs/BENCHMARKS.md."""

from __future__ import annotations

import re
from pathlib import Path

from bot.channels.render_sms import segments
from tests.channels.support import SmsUser, plain

BENCH = Path(__file__).resolve().parents[2] / "docs" / "BENCHMARKS.md"
OPTION = re.compile(r"^\s*([0-9۰-۹]+)\s*[-.)ـ:]?\s*(.+)$", re.M)


def _forget(mobile: str) -> None:
    """A new person: drop the session (and its verified identity) kept for ``mobile``."""
    import redis

    from tests.channels.conftest import REDIS_DB7

    db = redis.Redis.from_url(REDIS_DB7)
    for key in db.scan_iter(f"tamin:*{mobile}*"):
        db.delete(key)
    db.close()


def _converse(user: SmsUser, said: list[str]) -> list[tuple[str, list[str]]]:
    turns = []
    for text in said:
        turns.append((text, user.say(text)))
    return turns


def _option(reply: list[str], word: str) -> str:
    for n, title in OPTION.findall("\n".join(reply)):
        if word in title:
            return n
    raise AssertionError(f"no option «{word}» in {reply}")


def _figures(turns: list[tuple[str, list[str]]]) -> tuple[int, int, int]:
    texts = [t for _, reply in turns for t in reply]
    return len(turns), len(texts), sum(segments(t) for t in texts)


def test_sms_cost_of_pension_status(durable_bot, kavenegar):
    # by menu numbers: «منو», «۱», national code, then «۱» (yes) for the certificate
    _forget("09120000101")
    menu_user = SmsUser(durable_bot, kavenegar, "09120000101")
    turns = _converse(menu_user, ["منو"])
    turns += _converse(menu_user, [_option(turns[-1][1], "مستمری"), "0016383230"])
    assert "185432000" in plain("\n".join(turns[-1][1]))
    to_amount = _figures(turns)
    turns += _converse(menu_user, [_option(turns[-1][1], "بله")])
    assert "http" in turns[-1][1][-1]
    with_cert = _figures(turns)
    # as the acceptance driver talks: the service named in the first SMS
    _forget("09120000101")
    named = SmsUser(durable_bot, kavenegar, "09120000101")
    named_turns = _converse(named, ["مستمری", "0016383230"])
    assert "185432000" in plain("\n".join(named_turns[-1][1]))
    by_name = _figures(named_turns)
    for _, reply in turns + named_turns:
        assert all(len(t) <= 268 for t in reply)
        for t in reply:  # lines that start with a digit are menu options only
            assert all(re.match(r"^[۰-۹]{1,2} \S", line) for line in t.splitlines() if line[:1].isdigit())
    rows = [("menu numbers, to the monthly amount (منو، ۱، کد ملی)", to_amount),
            ("menu numbers, with the certificate (… ، ۱ = بله)", with_cert),
            ("service named first, to the monthly amount (مستمری، کد ملی)", by_name)]
    transcript = "\n".join(f"> {said}\n" + "\n".join(f"< [{segments(t)}] " + t.replace("\n", " ⏎ ") for t in reply)
                           for said, reply in turns)
    transcript = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", transcript)  # stable between runs
    transcript = re.sub(r"\bTA-[A-Z0-9]{4}-[A-Z0-9]{4}\b", "TA-XXXX-XXXX", transcript)
    _record(rows, transcript)
    assert with_cert[2] <= 16, with_cert  # the whole conversation stays cheap


def _record(rows: list[tuple[str, tuple[int, int, int]]], transcript: str) -> None:
    lines = ["## SMS cost", "",
             "The pension-status conversation (persona pensioner-retired) over the SMS door, measured by",
             "`tests/channels/test_sms_cost.py` against the fake Kavenegar: every reply is one turn's messages",
             "joined into one SMS (menus numbered «۱ مستمری»), UCS-2 parts counted as 70 characters alone and",
             "67 each when split, at most 268 characters per SMS. No one-time code is sent on SMS (the",
             "sender's number is the mobile).", "",
             "| conversation | turns | SMS sent | UCS-2 parts |", "|---|---|---|---|"]
    lines += [f"| {name} | {a} | {b} | {c} |" for name, (a, b, c) in rows]
    lines += ["", "Transcript (menu path; `[n]` = parts of that SMS):", "", "```", transcript, "```", ""]
    section = "\n".join(lines)
    text = BENCH.read_text(encoding="utf-8") if BENCH.exists() else "# Benchmarks\n"
    start = text.find("## SMS cost")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + 3)
        text = text[:start] + section + ("\n" + text[nxt + 1:] if nxt >= 0 else "")
    BENCH.write_text(text, encoding="utf-8")
