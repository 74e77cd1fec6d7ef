"""Proving who you are, the engine's job: national code, your own mobile, the registry's match, a code.

A flow declares ``identity="person"`` (the default) and the engine runs these steps before the
flow's own; until they succeed, ``ctx.national_code`` and ``ctx.mobile`` raise ``Unverified``. On SMS
the sender's number is the mobile and no code is needed; the national code is still checked
against it. Limits stop the attacker, never the owner (see ``check_owner`` and ``send_code``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time

from basics.masking import mask_value
from bot.engine import linked, otp
from bot.engine.catalog import has
from bot.engine.consent import read_code
from bot.engine.context import Ctx
from bot.engine.failures import ServiceFailure
from bot.engine.flow import Answer, Ask, Do, Goto, Invalid, Step, Stop, define_proof
from bot.engine.fmt import mask_code
from bot.engine.followup import code_wait
from bot.engine.messages import Channel
from bot.engine.session import Identity

log = logging.getLogger("tamin.identity")

_NC_REASONS = {"length": "identity.nc_length", "checksum": "identity.nc_checksum", "repeated": "identity.nc_checksum"}


def unverified(ctx: Ctx) -> bool:
    """Whether the person still has to prove who they are."""
    return ctx.session.verified() is None


def _needs_code(ctx: Ctx) -> bool:
    return unverified(ctx) and ctx.channel is not Channel.SMS


def parse_national_code(ctx: Ctx, answer: Answer) -> str:
    """A valid national code, or the reason it is not one."""
    from bot.nlu.extract import check_national_code, national_code

    code = national_code(answer.text)
    if code:
        return code
    digits = "".join(ch for ch in answer.text if ch in "0123456789")
    if not digits:
        raise Invalid("identity.nc_missing")
    reason = check_national_code(digits)
    raise Invalid(_NC_REASONS.get(reason, "identity.nc_length"))


def parse_mobile(ctx: Ctx, answer: Answer) -> str:
    """The person's own mobile: a shared contact of their own, or a typed number."""
    from bot.nlu.extract import mobile

    if answer.contact is not None:
        if answer.contact.user_id and str(answer.contact.user_id) != ctx.inbound.user:
            raise Invalid("identity.contact_not_yours")
        number = mobile(answer.contact.phone)
        if number:
            return number
    number = mobile(answer.text)
    if number:
        return number
    _correction(ctx, answer)
    raise Invalid("identity.mobile_invalid")


_CORRECTION = re.compile(r"اشتباه|غلط|عوض|تغییر|اصلاح")


def _correction(ctx: Ctx, answer: Answer) -> None:
    """«اشتباه شد», «کد ملی را عوض کنم» or a new national code where the mobile is asked: back to that slot.

    Going back is never a failed attempt: only a registry mismatch counts.
    """
    from bot.nlu.extract import national_code

    if answer.choice == "fix:national_code" or (_CORRECTION.search(answer.text or "") and
                                                not re.search(r"\d", answer.text or "")):
        raise Goto("national_code", forget=("national_code", "mobile", "_mismatch"))
    code = national_code(answer.text or "")
    if code:
        ctx.slots["national_code"] = code
        raise Goto("mobile", "identity.nc_changed", forget=("mobile", "_mismatch"), code=mask_code(code))


def _mobile_choices(ctx: Ctx) -> list:
    """After a mismatch, the national code may be the mistake: a button to change it too."""
    return [ctx.choice("fix:national_code", "identity.change_nc")] if ctx.slots.get("_mismatch") else []


# Limits stop the attacker, never the owner. Failures count per requester (refused past the limit)
# and per (national code, mobile) pair; a national code under attack only slows every check of it,
# the owner's included, and unused codes to one pair only space the next sends out.
ATTACK_SPACING = 2.0  # seconds between two checks of a national code under attack
PAIR_FREE_SENDS = 3  # unused codes to one pair before the next sends are spaced out
PAIR_SPACING = 4.0  # seconds between two codes to one pair past that
WAIT_CAP = 10.0  # longer than this and the attempt is refused for now (a flood of parallel tries)


def _h(*parts: str) -> str:
    """A counter name that does not keep a national code or a mobile in the clear."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


async def _pace(ctx: Ctx, key: str, spacing: float, refusal: str) -> None:
    """Wait for this attempt's turn on ``key`` (one per ``spacing`` seconds); refuse beyond ``WAIT_CAP``."""
    wait = await ctx.deps.store.reserve(key, spacing, 3600)
    if wait > WAIT_CAP:
        await ctx.deps.store.release(key, spacing)
        raise Stop(refusal)
    if wait > 0:
        await asyncio.sleep(wait)


async def check_owner(ctx: Ctx) -> None:
    """Ask the registry whether the mobile belongs to the national code."""
    s, store = ctx.deps.settings, ctx.deps.store
    nc = ctx.slots["national_code"]
    number = ctx.slots.get("mobile") or ctx.session.mobile or ctx.inbound.user
    ctx.slots["mobile"] = number
    me, pair, code_key = _h(ctx.inbound.key), _h(nc, number), _h(nc)
    if await store.count(f"mismatch:u:{me}") >= s.identity_max_mismatches or \
            await store.count(f"mismatch:p:{pair}") >= s.identity_max_mismatches:
        raise Stop("identity.too_many_mismatches")
    if await store.count(f"mismatch:nc:{code_key}") >= s.identity_max_mismatches_per_code:
        await _pace(ctx, f"pace:nc:{code_key}", ATTACK_SPACING, "identity.under_attack")
    if await ctx.api.identity_match(nc, number):
        return
    log.info("identity mismatch user=%s nc=%s", ctx.inbound.key, mask_value(nc))
    by_user = await store.hit(f"mismatch:u:{me}", 3600)
    await store.hit(f"mismatch:p:{pair}", 3600)
    await store.hit(f"mismatch:nc:{code_key}", 3600)  # only slows the national code down, never refuses it
    if by_user >= s.identity_max_mismatches:
        raise Stop("identity.too_many_mismatches")
    if ctx.channel is Channel.SMS:
        raise Goto("national_code", "identity.mismatch_sms", forget=("national_code", "mobile"))
    ctx.slots["_mismatch"] = 1
    raise Goto("mobile", "identity.mismatch", forget=("mobile",))


async def send_code(ctx: Ctx) -> None:
    """Send a one-time code by SMS to the mobile just matched."""
    s, store = ctx.deps.settings, ctx.deps.store
    number = ctx.slots["mobile"]
    me, pair = _h(ctx.inbound.key), _h(ctx.slots["national_code"], number)
    if await store.hit(f"otp-send:u:{me}", s.otp_window_seconds) > s.otp_max_sends:
        raise Stop("identity.too_many_codes")
    unused = await store.hit(f"otp-send:p:{pair}", s.otp_window_seconds)
    if unused > PAIR_FREE_SENDS:
        await _pace(ctx, f"pace:p:{pair}", PAIR_SPACING, "identity.under_attack")
    code = otp.new_code()
    ctx.session.otp = otp.issue(code, number, s.otp_ttl_seconds, s.otp_max_tries)
    try:
        await ctx.deps.sms.send_otp(number, code)
    except Exception as exc:  # the gateway refused or timed out: say so, keep everything, offer a retry
        log.warning("one-time code not sent to %s: %s", mask_value(number), type(exc).__name__)
        ctx.session.otp = None
        raise ServiceFailure("down", "sms_failed") from exc
    ctx.slots["code_sent"] = int(time.time())


def parse_code(ctx: Ctx, answer: Answer) -> bool:
    """Check the typed one-time code; a resend request goes back to sending."""
    _code_correction(ctx, answer)
    return read_code(ctx, answer, "send_code", "identity.code_locked", keep=True)  # refunded in remember()


_MOBILE_WORD = re.compile(r"شماره|موبایل|همراه|تلفن")
_NC_WORD = re.compile(r"کد\s*ملی|کدملی")


def _code_correction(ctx: Ctx, answer: Answer) -> None:
    """At the code question, «شماره را اشتباه زدم» or another mobile goes back to the mobile; «کد ملی
    اشتباه بود» to the national code. The code sent is dropped; going back is never a failed attempt."""
    from bot.nlu.extract import mobile

    text = answer.text or ""
    if answer.choice or ctx.channel is Channel.SMS:  # on SMS the phone itself is the mobile
        return
    number = mobile(text)
    if number and number != ctx.slots.get("mobile"):
        ctx.session.otp = None
        ctx.slots["mobile"] = number
        raise Goto("check_owner", forget=("otp", "_mismatch"))
    if not _CORRECTION.search(text) or re.search(r"\d", text):
        return
    if _NC_WORD.search(text):
        ctx.session.otp = None
        raise Goto("national_code", forget=("national_code", "mobile", "otp", "_mismatch"))
    if _MOBILE_WORD.search(text):
        ctx.session.otp = None
        raise Goto("mobile", forget=("mobile", "otp", "_mismatch"))


async def remember(ctx: Ctx) -> None:
    """Keep the proven identity for a while, and greet the person by name."""
    nc, number = ctx.slots["national_code"], ctx.slots["mobile"]
    if ctx.session.otp is not None or ctx.slots.get("otp"):
        # a code that was used to prove identity costs nothing: the owner is never slowed by their own success
        await ctx.deps.store.clear(f"otp-send:p:{_h(nc, number)}")
        await ctx.deps.store.unhit(f"otp-send:u:{_h(ctx.inbound.key)}")
    ctx.session.otp = None
    try:
        person = await ctx.api.person(nc)
    except Exception as exc:
        failure = ctx.deps.failures(exc)
        if failure is not None and failure.kind == "not_found":
            raise Stop("identity.no_record") from None
        raise
    ctx.slots["name"] = f"{person.first_name} {person.last_name}".strip()
    ctx.session.identity = Identity(nc, number, time.time() + ctx.deps.settings.verified_ttl_seconds,
                                    ctx.slots["name"])
    if ctx.deps.events is not None:
        await ctx.deps.events.identified(ctx.inbound, nc, number)
    log.info("verified user=%s nc=%s", ctx.inbound.key, mask_value(nc))
    await linked.proven(ctx)  # one identity across doors: link this door, take a request left open on another


def _service_title(ctx: Ctx) -> dict:
    """The service being asked for, so the person knows they were understood."""
    key = ctx.flow.title if ctx.flow is not None else f"menu.{ctx.state.name}"
    return {"title": ctx.text(key) if has(key) else ""}


def _code_fields(ctx: Ctx) -> dict:
    return {"mobile": mask_code(ctx.slots.get("mobile"))}


def _resend_choices(ctx: Ctx) -> list:
    return [ctx.choice("resend", "identity.resend")]


def _carry_identity(ctx: Ctx) -> bool:
    ident = ctx.session.verified()
    if ident:
        ctx.slots["national_code"], ctx.slots["mobile"] = ident.national_code, ident.mobile
        if ident.name:
            ctx.slots["name"] = ident.name
    return False


def person_proof() -> list[Step]:
    """The steps that come before any personal data of a person is shown."""
    return [
        Do("carry_identity", _noop, when=_carry_identity),
        Ask("national_code", "identity.ask_national_code", parse=parse_national_code, fields=_service_title,
            when=unverified, retries=4, help="identity.help_national_code", help_fields=_no_fields, input="digits"),
        Ask("mobile", "identity.ask_mobile", parse=parse_mobile, contact=True, retries=4, choices=_mobile_choices,
            when=lambda c: unverified(c) and c.channel is not Channel.SMS, help="identity.help_mobile", input="digits"),
        Do("check_owner", check_owner, when=unverified),
        Do("send_code", send_code, when=_needs_code),
        Ask("otp", "identity.ask_code", parse=parse_code, fields=_code_fields, choices=_resend_choices,
            when=_needs_code, keep=False, retries=10, help="identity.help_code", input="otp",
            answers={"code_when": code_wait("code_sent")}),
        Do("remember", remember, when=unverified),
    ]


def _no_fields(ctx: Ctx) -> dict:
    return {}


async def _noop(ctx: Ctx) -> None:
    return None


define_proof("person", person_proof)
