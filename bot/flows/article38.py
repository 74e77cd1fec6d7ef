"""خدمت ۴ — ابلاغ مفاصاحساب ماده ۳۸ قانون تأمین اجتماعی به واگذارندگان و مقاطعه‌کاران.

Who: the contractor (مقاطعه‌کار) of a contract, or the employer who hired them (واگذارنده).
The bot offers the person's contracts as buttons (a typed contract number works too), then
shows each settlement certificate of the contract with its state; an issued one with its PDF
and verification link; for one pending or refused, why, and what would let it be issued. A
notice of a new certificate opens this flow with ``contract`` already filled, straight onto
the certificates.
"""

from __future__ import annotations

import re

from bot.engine.catalog import has
from bot.engine.context import Ctx
from bot.engine.flow import Do, Flow, Goto, Invalid, Pick, Stop
from bot.engine.fmt import fa, jdate
from bot.flows.common import say_certificate
from integrations.tamin.errors import Forbidden, InvalidInput, NotFound

MAX_BUTTONS = 6
MAX_UNKNOWN = 3
_PERSIAN = re.compile(r"[\u0600-\u06FF]")


def _own(ctx: Ctx) -> list[dict]:
    return ctx.slots.get("_contracts") or []


async def load_contracts(ctx: Ctx) -> None:
    """The Article 38 contracts the verified person is party to."""
    try:
        found = await ctx.api.person_contracts(ctx.national_code)
    except NotFound:
        found = []
    ctx.slots["_contracts"] = [{"no": c.contract_no, "subject": c.subject, "role": c.role} for c in found]


def _label(c: dict) -> dict:
    return {"no": fa(c["no"]), "subject": c["subject"]}


def typed_contract(ctx: Ctx, text: str, own: list[dict]) -> str:
    """A typed contract number like 1404-3817 (or without its dash, when it is one of the person's own)."""
    from bot.nlu.extract import contract_number

    number = contract_number(text)
    if number:
        return number
    digits = re.sub(r"\D", "", text)
    if len(digits) > 4:
        same = [c["no"] for c in own if c["no"].replace("-", "") == digits]
        if same:
            return same[0]
        raise Invalid("article38.contract_format")
    raise Invalid("article38.contract_missing")


def _reason(ctx: Ctx, cert) -> dict:
    """Why a certificate is pending or refused, as a Persian sentence, and what would settle it."""
    said = (cert.reason or "").strip()
    if not _PERSIAN.search(said):
        said = ctx.text(f"article38.reason.{cert.reason_code}") if has(f"article38.reason.{cert.reason_code}") \
            else ctx.text(f"article38.reason_unknown.{cert.state}")
    said = said.rstrip(".。") + "."
    advice_key = f"article38.advice.{cert.reason_code}"
    advice = ctx.text(advice_key) if has(advice_key) else ctx.text(f"article38.advice_default.{cert.state}")
    return {"reason": said, "advice": advice}


async def show(ctx: Ctx) -> None:
    """The contract's certificates, each with its state and, when not issued, why."""
    number = ctx.slots["contract"]
    try:
        c = await ctx.api.contract_certificates(number, ctx.national_code)
    except (NotFound, InvalidInput):
        tries = ctx.slots.get("_unknown", 0) + 1
        ctx.slots["_unknown"] = tries
        if tries >= MAX_UNKNOWN or not _asked(ctx):
            raise Stop("article38.unknown_final", no=fa(number)) from None
        raise Goto("contract", "article38.unknown", forget=("contract",), no=fa(number)) from None
    except Forbidden:
        raise Stop("article38.not_party", no=fa(number)) from None
    lines, refused, issued = [], None, []
    for cert in c.certificates:
        fields = dict(number=fa(cert.number), date=jdate(cert.issued_on))
        if cert.state == "issued":
            lines.append(ctx.text("article38.line_issued", **fields))
            if cert.verification_code and cert.verify_url:
                issued.append((cert, fields))
        else:
            lines.append(ctx.text(f"article38.line_{cert.state}", **_reason(ctx, cert), **fields))
            if cert.state == "refused" and refused is None:
                refused = dict(fields, **_reason(ctx, cert), no=fa(c.contract_no), code=cert.reason_code or "")
    if not lines:
        raise Stop("article38.none_yet", no=fa(c.contract_no), subject=c.subject)
    ctx.say("article38.certificates", no=fa(c.contract_no), subject=c.subject, contractor=c.contractor_name,
            employer=c.employer_name, count=fa(len(lines)), lines="\n".join(lines))
    for cert, fields in issued:  # poster 4: «امکان مشاهده مفاصاحساب صادره»: the document itself, not only its state
        say_certificate(ctx, "article38.document", cert, cert.number, no=fa(c.contract_no), **fields)
    if refused is not None:  # «چرا صادر نشد؟» afterwards is about this one
        ctx.note_refusal("article38.cert_refused", **refused)


def _asked(ctx: Ctx) -> bool:
    """Whether the contract number came from the person in this flow (not from a notice)."""
    return bool(ctx.slots.get("_contracts_loaded"))


async def _mark_loaded(ctx: Ctx) -> None:
    await load_contracts(ctx)
    ctx.slots["_contracts_loaded"] = True


FLOW = Flow(
    name="article38",
    title="menu.article38",
    prefill=("contract",),
    entities={"contract_number": "contract"},
    faq={"faq_documents": "article38.faq_documents", "faq_cost": "article38.faq_cost",
         "faq_why": "article38.faq_why"},
    steps=[
        Do("contracts", _mark_loaded, when=lambda c: "contract" not in c.slots),
        Pick("contract", "article38.ask", records=_own, id_key="no", label=_label, typed=typed_contract,
             one="article38.ask_one", many="article38.ask_many", none="article38.ask_contract",
             button_one="article38.this_one", button="article38.button", max_buttons=MAX_BUTTONS),
        Do("show", show),
    ],
)
