"""خدمت ۲-۵ — استعلام ارتباط بیمه‌ای و گواهی آن.

Who: anyone with an insurance record. The bot checks who they are, tells whether they are
insured now (where, since when, which kind, how many days of record) or since when they are
not, and issues the certificate that any organization with an agreement can verify by its code.
"""

from __future__ import annotations

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Invalid, Say, Stop
from bot.engine.fmt import fa, jdate, number
from bot.engine.messages import Channel
from bot.engine.runner import looks_like_question
from bot.flows.common import person_name, say_certificate, yes_no, yes_no_buttons
from integrations.tamin.errors import NotFound


def answer_yes_no(ctx: Ctx, answer: Answer) -> bool:
    """«Yes» or «no»; a question typed instead («چرا باید …؟») is not taken for a «yes»."""
    if answer.choice not in ("yes", "no") and looks_like_question(answer.text):
        raise Invalid("common.answer_yes_no")
    return yes_no(ctx, answer)


def _lines(ctx: Ctx, parts: list[tuple[str, dict]]) -> str:
    sep = "، " if ctx.channel is Channel.SMS else "\n"
    return sep.join(ctx.text(key, **fields) for key, fields in parts)


async def load_relationship(ctx: Ctx) -> None:
    """Read the insurance relationship and tell it."""
    name = await person_name(ctx)
    try:
        rel = await ctx.api.insurance_relationship(ctx.national_code)
    except NotFound:
        raise Stop("insurance.none", name=name) from None
    parts: list[tuple[str, dict]] = []
    if rel.insured_now:
        if rel.workshop_name or rel.workshop_code:
            parts.append(("insurance.line.workshop", {"workshop": rel.workshop_name or "",
                                                      "code": fa(rel.workshop_code or "")}))
        if rel.insurance_kind:
            parts.append(("insurance.line.kind", {"kind": ctx.text(f"insurance.kind.{rel.insurance_kind}")}))
        if rel.insured_since:
            parts.append(("insurance.line.since", {"date": jdate(rel.insured_since)}))
    elif rel.last_insured_until:
        parts.append(("insurance.line.until", {"date": jdate(rel.last_insured_until)}))
    else:
        parts.append(("insurance.line.until_unknown", {}))
    parts.append(("insurance.line.days", {"days": number(rel.contribution_days)}))
    if rel.insurance_number and ctx.channel is not Channel.SMS:
        parts.append(("insurance.line.number", {"number": fa(rel.insurance_number)}))
    header = "insurance.header.insured" if rel.insured_now else "insurance.header.not_insured"
    ctx.say("insurance.status", header=ctx.text(header, name=name), lines=_lines(ctx, parts))


async def issue_certificate(ctx: Ctx) -> None:
    """Issue the certificate: a PDF on messengers and the web, its code and link by SMS."""
    cert = await ctx.api.insurance_certificate(ctx.national_code, idempotency_key=idempotency_key(ctx, "cert"))
    say_certificate(ctx, "insurance.certificate", cert, "insurance-certificate", date=jdate(cert.issued_on))

async def _fail_soft(ctx: Ctx) -> None:
    """Issue the certificate; a refusal of the back-end is explained rather than shown raw."""
    try:
        await issue_certificate(ctx)
    except NotFound as exc:
        raise Stop("insurance.none", name=ctx.slots.get("name", "")) from exc


FLOW = Flow(
    name="insurance_record",
    title="menu.insurance_record",
    faq={"faq_documents": "insurance.faq_documents", "faq_cost": "insurance.faq_cost", "faq_why": "insurance.faq_why"},
    steps=[
        Do("load", load_relationship),
        Ask("want_certificate", "insurance.offer_certificate", parse=answer_yes_no,
            choices=yes_no_buttons("insurance.yes_certificate", "insurance.no_certificate")),
        Do("certificate", _fail_soft, when=lambda c: bool(c.slots.get("want_certificate"))),
        Say("no_certificate", "insurance.certificate_later", when=lambda c: not c.slots.get("want_certificate")),
    ],
)
