"""Follow-up questions: about the step a person is on, and «چرا؟» / «ولی من …» after a refusal.

A refusal (``Stop`` whose key has ``.refused.`` in it, or a ``<key>_why`` text) leaves its key and
fields in the session for ``REFUSAL_TTL`` seconds. A «why» then gets ``<key>_why`` with the person's
own figures (or the flow's ``<flow>.refused_why``, or the engine's honest generic one) and an
objection to the facts gets ``<key>_objection`` / ``<flow>.refusal_objection`` /
``engine.refusal_objection``: the next step (the branch, the document to bring, 1420).
"""

from __future__ import annotations

import re
import time
from typing import Any

from bot.engine.catalog import has
from bot.engine.context import Ctx
from bot.engine.flow import Ask

REFUSAL_TTL = 1800  # seconds a refusal stays the thing «چرا؟» asks about
CODE_RESEND_AFTER = 60  # seconds after which a code that did not come may be sent again

_WHY = re.compile(r"^(?:آخه\s+)?(?:چرا|یعنی\s+چ|یعنی\s+چه|یعنی\s+چی|دلیل|دلیلش|علت|علتش|به\s+چه\s+دلیل)")
_MEANING = re.compile(r"یعنی\s*(?:چه|چی|چ)\b|\bچیه\b|\bچیست\b|معنی|معنا|منظور|\byani\s*(?:chi|che)\b|\bchie\b", re.I)
_WHAT_IS = re.compile(r"یعنی\s*(?:چه|چی)\b|\bچیه\b|\bچیست\b|\byani\s*(?:chi|che)\b|\bchie\b", re.I)
_OBJECT = re.compile(r"^(?:ولی|اما|آخه\s+من|من\s+که|این\s+درست\s+نیست|اشتباهه|اشتباه\s+است)")
_OWN_FACT = re.compile(r"^(?:ولی|اما|آخه)\s+(?:من|ما|پسرم|دخترم|همسرم|مادرم|پدرم)\s")
_REFUSED = re.compile(r"(?:رد\s*شد|رد\s*کرد|رد\s*شده|صادر\s*نشد|صادر\s*نکرد|قبول\s*نشد|تایید\s*نشد|تأیید\s*نشد|نپذیرفت)")
_CERTIFICATE = re.compile(r"گواهی|مفاصا")
CERTIFICATE_SERVICES = ("article38", "sick_pay", "pension_status", "insurance_record")  # those whose paper may be refused
_WISH = re.compile(r"(?:می\s*خوا|میخوا|می‌خوا|درخواست\s+(?:دارم|می|کنم)|لطفا|لطفاً)")


def is_refusal(key: str | None) -> bool:
    """Whether ``key`` refuses a service (so «چرا؟» may ask about it)."""
    if not key or key.endswith(("_why", "_objection")):  # the explanation itself is not a new refusal
        return False
    return ".refused." in key or has(f"{key}_why")


def remember_refusal(ctx: Ctx, flow: str, key: str, fields: dict[str, Any]) -> None:
    """Keep the refusal and its figures, so «چرا؟» can explain it."""
    kept = {k: v for k, v in fields.items() if isinstance(v, (str, int, float))}
    ctx.session.extra["refusal"] = {"f": flow, "k": key, "x": kept, "t": int(time.time())}


def forget_refusal(ctx: Ctx) -> None:
    """A new service started: the refusal is no longer what «چرا؟» asks about."""
    ctx.session.extra.pop("refusal", None)


def recent_refusal(ctx: Ctx, now: float | None = None) -> dict[str, Any] | None:
    """The refusal «چرا؟» would be about, while it is recent."""
    found = ctx.session.extra.get("refusal")
    if not isinstance(found, dict) or (now or time.time()) - found.get("t", 0) > REFUSAL_TTL:
        return None
    return found


def follow_up_kind(text: str, intent: str | None) -> str | None:
    """«why» for «چرا؟»/«یعنی چی؟», «object» for «ولی من …», else None."""
    words = (text or "").strip(" .!؟?")
    if _OBJECT.match(words) or intent == "object_facts":
        return "object"
    if (_WHY.match(words) and len(words.split()) <= 6) or intent == "ask_why":
        return "why"
    return None


def asks_why_refused(text: str) -> bool:
    """«گواهی من چرا رد شد؟»: a question about a refusal, wherever its «چرا» stands."""
    return bool(_REFUSED.search(text or ""))


def names_certificate(text: str) -> bool:
    """Whether the question is about a certificate («گواهی», «مفاصاحساب»)."""
    return bool(_CERTIFICATE.search(text or ""))


def objects_to_refusal(text: str) -> bool:
    """«ولی من کارت پایان خدمت دارم»: a fact set against the refusal just said, not a new request."""
    words = (text or "").strip(" .!؟?")
    return bool(_OWN_FACT.match(words)) and not _WISH.search(words)


def names_other_service(text: str, kind: str, intent: str | None, refused_flow: str, flows: object) -> bool:
    """Whether a follow-up really asks for another service («چرا گواهی ماده ۳۸ رد شد؟»), not about the refusal."""
    if intent not in flows or intent == refused_flow or len((text or "").split()) <= 3:  # type: ignore[operator]
        return False
    return not (kind == "object" and objects_to_refusal(text))


def explain_refusal(ctx: Ctx, refusal: dict[str, Any], kind: str) -> str:
    """Say why the refusal holds (``why``) or what to do if the record is wrong (``object``)."""
    key, flow, fields = refusal["k"], refusal["f"], dict(refusal.get("x") or {})
    suffix, general, last = ("_why", f"{flow}.refused_why", "engine.refusal_why") if kind == "why" else \
        ("_objection", f"{flow}.refusal_objection", "engine.refusal_objection")
    chosen = next(k for k in (f"{key}{suffix}", general, last) if k == last or has(k))
    if chosen == last:
        fields["refusal"] = ctx.text(key, **fields)
    ctx.say(chosen, choices=[ctx.choice("cmd:operator", "common.operator"), ctx.choice("cmd:menu", "common.menu")],
            **fields)
    return chosen


def asks_what_is(text: str | None) -> bool:
    """«افراد تبعی یعنی چی؟», «ابلاغ الکترونیک چیست؟»: a first message asking what a service is."""
    return bool(_WHAT_IS.search(text or ""))


def asks_meaning(text: str | None) -> bool:
    """«مبنا یعنی چی؟», «mabna yani chi», «این چیه؟»: what a word of the question means, not why."""
    return bool(_MEANING.search(text or ""))


def answer_about_step(ctx: Ctx, step: object, intent: str, text: str | None = None) -> bool:
    """Answer a question about the open step (its help, or one of its declared answers)."""
    if not isinstance(step, Ask):
        return False
    if intent == "ask_why" and asks_meaning(text):  # «X یعنی چی؟» at a question asks what X is
        intent = "step_what"
    found = step.answer_to(ctx, intent)
    if found is None:
        return False
    key, fields = found
    ctx.say(key, **fields)
    return True


def code_wait(sent_slot: str):
    """A step answer for «کد کی میاد؟»: wait, and when «ارسال دوباره» makes sense."""

    def answer(ctx: Ctx) -> tuple[str, dict[str, Any]]:
        from bot.engine.fmt import fa

        sent = ctx.slots.get(sent_slot) or 0
        wait = max(0, CODE_RESEND_AFTER - int(time.time() - sent)) if sent else 0
        if wait:
            return "engine.code_when", {"wait": fa(wait)}
        return "engine.code_when_now", {}

    return answer
