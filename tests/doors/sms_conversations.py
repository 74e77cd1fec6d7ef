"""Every poster service's whole conversation over the SMS door, and what it costs in UCS-2 parts.

Shared by ``tests/channels/test_sms_parts.py`` (which asserts each service's budget) and
``bench/sms_parts.py`` (which prints the table kept in docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

from bot.channels.render_sms import segments
from tests.channels.support import SmsUser
from tests.fakes.kavenegar import FakeKavenegar

OPTION = re.compile(r"^\s*([0-9۰-۹]+)\s+(.+)$", re.M)
_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


@dataclass(frozen=True)
class Talk:
    """One service's conversation: who texts, and what they send («pick:word» = the option with word)."""

    service: str
    mobile: str
    said: tuple[str, ...]
    budget: int  # UCS-2 parts of every SMS the bot sends in it, at most (its figure today: meet it, then lower it)
    until: str = ""  # a word the last reply must hold: the service reached its result
    reset: bool = False  # the simulator forgets earlier writes first (a second claim would be refused)


# the bot's own texts; a one-time code goes by the operator's template (one more part, not counted)
TALKS = (
    Talk("menu («سلام»)", "09120000105", ("سلام",), 2, "مستمری"),
    Talk("pension status + certificate", "09120000101", ("مستمری", "0016383230", "pick:بله"), 4, "verify"),
    Talk("insurance record + certificate", "09120000105", ("ارتباط بیمه‌ای", "0053081617", "pick:بله"), 4, "verify"),
    Talk("military service", "09120000107", ("سربازی", "0093337426"), 2, "سربازی"),
    Talk("voluntary insurance", "09120000107", ("بیمه اختیاری", "0093337426", "pick:حداقل", "pick:بله", "code"),
         8, "VC-"),
    Talk("sick pay", "09120000105", ("غرامت بیماری", "0053081617", "pick:تأیید", "98765432",
                                     "IR490170000000001234567890", "pick:بله", "code"), 12, "SP-", reset=True),
    Talk("dependents (list)", "09120000105", ("افراد تبعی", "0053081617", "pick:خیر"), 4, "افراد تبعی"),
    Talk("fractional months", "09120000112", ("ماه‌های کسری", "0148889336", "pick:بله", "pick:بله", "code"),
         8, "FC-"),
    Talk("workshop debt + ledger", "09120000113",
         ("بدهی کارگاه", "0158165667", "pick:بله", "pick:گردش", "pick:قبلی", "pick:پایان"), 10, "بدهی کارگاه"),
    Talk("debt objection", "09120000113",
         ("اعتراض", "0158165667", "pick:بله", "pick:D2", "pick:پرداخت شده", "pick:ندارم", "pick:بله", "code"),
         9, "OBJ-"),
    Talk("e-notice", "09120000113", ("ابلاغ الکترونیک", "0158165667", "pick:بله", "pick:موافقم", "code"), 6, "پذیرفته شد"),
    Talk("article 38", "09120000116", ("مفاصاحساب", "0183067045", "pick:بله"), 6, "۳۸-۱۴۰۴-۰۰۹۱"),
)


# the same conversations on main at e134806 (before issue 17.10's budgets), for the table in docs/BENCHMARKS.md
BEFORE = {"menu («سلام»)": 3, "pension status + certificate": 5, "insurance record + certificate": 6,
          "military service": 3, "voluntary insurance": 8, "sick pay": 13, "dependents (list)": 4,
          "fractional months": 8, "workshop debt + ledger": 11, "debt objection": 11, "e-notice": 7, "article 38": 6}
# and the budgets asserted before (each service's figure then); the new budgets above are below or equal
OLD_BUDGET = {"menu («سلام»)": 3, "pension status + certificate": 5, "insurance record + certificate": 6,
              "military service": 3, "voluntary insurance": 9, "dependents (list)": 5, "fractional months": 8,
              "workshop debt + ledger": 11, "debt objection": 12, "e-notice": 8, "article 38": 6}


@dataclass
class Cost:
    """What one conversation cost."""

    talk: Talk
    turns: int = 0
    sms: int = 0
    parts: int = 0
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    def last(self) -> str:
        """The bot's last reply, as one text."""
        return "\n".join(self.transcript[-1][1]) if self.transcript else ""


def option(reply: list[str], word: str) -> str:
    """The number of the option whose title holds ``word`` (ASCII digits, as an old phone types them)."""
    for n, title in OPTION.findall("\n".join(reply)):
        if word in title:
            return n.translate(_ASCII)
    raise AssertionError(f"no option «{word}» in {reply}")


def last_code(sms: FakeKavenegar, mobile: str) -> str:
    """The one-time code last sent to ``mobile`` by the operator's template."""
    calls = [c for c in sms.sent_to(mobile) if "lookup" in c["method"]]
    assert calls, f"no one-time code sent to {mobile}"
    return str(calls[-1]["params"].get("token", "")).translate(_ASCII)


def forget(redis_url: str, mobile: str) -> None:
    """A new person on ``mobile``: drop the sessions (and verified identity) kept for it."""
    import redis

    from bot.engine.linked import link_key

    db = redis.Redis.from_url(redis_url)
    for pattern in (f"tamin:*{mobile}*", f"*{link_key(mobile)}*"):  # its session, and its proof from other doors
        for key in db.scan_iter(pattern):
            db.delete(key)
    db.close()


def converse(base: str, sms: FakeKavenegar, redis_url: str, talk: Talk) -> Cost:
    """Run ``talk`` from a fresh session and count what the bot sent."""
    forget(redis_url, talk.mobile)
    if talk.reset:
        httpx.post(f"{base}/sim/_sim/reset", timeout=10).raise_for_status()
    user = SmsUser(base, sms, talk.mobile)
    cost = Cost(talk)
    reply: list[str] = []
    for said in talk.said:
        if said.startswith("pick:"):
            said = option(reply, said[5:])
        elif said == "code":
            said = last_code(sms, talk.mobile)
        reply = user.say(said)
        cost.transcript.append((said, reply))
        cost.turns += 1
        cost.sms += len(reply)
        cost.parts += sum(segments(t) for t in reply)
    user.http.close()
    return cost
