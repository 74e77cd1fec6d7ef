"""A one-time code before a write that moves money or signs an agreement (``Do(..., proof=...)``).

``proof="code"``: a code to the verified mobile unless the person proved who they are with a code
already (on SMS the sender's number is their only proof, so SMS always gets one).
``proof="signature"``: a code on every door, every time.
The question and refusals are ``<proof_texts>.ask_code``, ``.code_locked`` and ``.too_many_codes``
(``engine.proof`` unless the step names its own, e.g. ``e_notice``).
"""

from __future__ import annotations

import hashlib
import logging
import time

from basics.masking import mask_value
from bot.engine import otp
from bot.engine.context import Ctx
from bot.engine.failures import ServiceFailure
from bot.engine.flow import Answer, Ask, Do, Goto, Invalid, Step, Stop
from bot.engine.fmt import fa, mask_code
from bot.engine.followup import code_wait
from bot.engine.messages import Channel, Choice

log = logging.getLogger("tamin.consent")

PROOFS = ("code", "signature")
RESEND = ("ارسال مجدد", "ارسال دوباره", "resend")


def code_steps(write: Do) -> list[Step]:
    """The steps the engine puts before ``write``: send a code, then take it."""
    send_name, code_name = f"{write.name}:send_code", f"{write.name}:code"

    def needed(ctx: Ctx) -> bool:
        if write.when is not None and not write.when(ctx):
            return False
        return write.proof == "signature" or ctx.channel is Channel.SMS

    async def send(ctx: Ctx) -> None:
        await _send(ctx, write.name, write.proof_texts)

    def parse(ctx: Ctx, answer: Answer) -> bool:
        return _check(ctx, answer, send_name, write.proof_texts)

    return [
        Do(send_name, send, when=needed),
        Ask(code_name, f"{write.proof_texts}.ask_code", parse=parse, fields=_fields, choices=_choices, when=needed, keep=False,
            retries=10, help="identity.help_code", answers={"code_when": code_wait("_proof_sent")}),  # wrong codes are limited by the code itself (voided after its tries)
    ]


async def _send(ctx: Ctx, action: str, texts: str) -> None:
    s, store = ctx.deps.settings, ctx.deps.store
    me = hashlib.sha256(ctx.inbound.key.encode()).hexdigest()[:20]
    if await store.hit(f"otp-send:u:{me}", s.otp_window_seconds) > s.otp_max_sends:
        raise Stop(f"{texts}.too_many_codes")
    number = ctx.mobile
    code = otp.new_code()
    ctx.session.otp = otp.issue(code, number, s.otp_ttl_seconds, s.otp_max_tries)
    ctx.session.otp["for"] = f"{ctx.state.name}:{action}"
    try:
        await ctx.deps.sms.send_otp(number, code)
    except Exception as exc:
        log.warning("write code not sent to %s: %s", mask_value(number), type(exc).__name__)
        ctx.session.otp = None
        raise ServiceFailure("down", "sms_failed") from exc
    ctx.slots["_proof_sent"] = int(time.time())


def _check(ctx: Ctx, answer: Answer, send_name: str, texts: str) -> bool:
    return read_code(ctx, answer, send_name, f"{texts}.code_locked")


def read_code(ctx: Ctx, answer: Answer, send_step: str, locked_key: str, *, keep: bool = False) -> bool:
    """The typed one-time code checked against the session's; «send again» goes back to ``send_step``.

    The one parser of codes (identity and writes): a wrong code says the tries left, an expired one
    offers a new one, a voided one ends the flow with ``locked_key``; ``keep`` leaves a right code's
    record in the session (identity refunds its send afterwards).
    """
    if answer.choice == "resend" or answer.text in RESEND:
        raise Goto(send_step, forget=("otp",))
    typed = "".join(ch for ch in answer.text if ch in "0123456789")
    if not typed:
        raise Invalid("identity.code_missing")
    result = otp.check(ctx.session.otp, typed)
    if result is otp.Check.OK:
        if not keep:
            ctx.session.otp = None
        return True
    if result is otp.Check.EXPIRED:
        raise Invalid("identity.code_expired")
    if result is otp.Check.WRONG:
        raise Invalid("identity.code_wrong", left=fa(ctx.session.otp["left"]))
    ctx.session.otp = None
    log.info("one-time code voided for %s in %s", ctx.inbound.channel.value, ctx.state.name)
    raise Stop(locked_key)


def _fields(ctx: Ctx) -> dict:
    return {"mobile": mask_code(ctx.mobile)}


def _choices(ctx: Ctx) -> list[Choice]:
    return [ctx.choice("resend", "identity.resend")]
