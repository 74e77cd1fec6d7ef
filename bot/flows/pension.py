"""خدمت ۱-۵ — استعلام وضعیت دریافت مستمری و گواهی آن.

Who: a pensioner (retirement, survivor, disability). The bot checks who they are, shows the
pension's status, the monthly amount and the last payments, and issues the certificate
that any organization with an agreement can verify by its code.
"""

from __future__ import annotations

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Ask, Do, Flow, Stop
from bot.engine.fmt import fa, jdate, rial
from bot.flows.common import say_certificate, yes_no, yes_no_buttons
from integrations.tamin.errors import NotFound


async def load_pension(ctx: Ctx) -> None:
    """Read the pension and tell its state."""
    try:
        p = await ctx.api.pension(ctx.national_code)
    except NotFound:
        raise Stop("pension.none") from None
    payments = "\n".join(
        ctx.text("pension.payment_line", date=jdate(x.date), amount=rial(x.amount)) for x in p.last_payments[:3]
    )
    fields = dict(
        name=ctx.slots.get("name", ""), kind=ctx.text(f"pension.kind.{p.kind}"), number=fa(p.pension_number),
        amount=rial(p.monthly_amount), payments=payments,
        last_date=jdate(p.last_payments[0].date) if p.last_payments else "",
        since=jdate(p.suspended_since), reason=p.suspension_reason or "",
    )
    if p.status != "active":
        raise Stop("pension.suspended", **fields)
    ctx.say("pension.active", **fields)
    ctx.slots["active"] = True


async def issue_certificate(ctx: Ctx) -> None:
    """Issue the certificate: a PDF on messengers and the web, its code and link by SMS."""
    cert = await ctx.api.pension_certificate(ctx.national_code, idempotency_key=idempotency_key(ctx, "cert"))
    say_certificate(ctx, "pension.certificate", cert, "pension-certificate")

FLOW = Flow(
    name="pension_status",
    title="menu.pension_status",
    closing="pension.closing",
    faq={"faq_documents": "pension.faq_documents", "faq_cost": "pension.faq_cost", "faq_why": "pension.faq_why"},
    steps=[
        Do("load", load_pension),
        Ask("want_certificate", "pension.offer_certificate", parse=yes_no,
            choices=yes_no_buttons("pension.yes_certificate", "pension.no_certificate"),
            when=lambda c: bool(c.slots.get("active"))),
        Do("certificate", issue_certificate, when=lambda c: bool(c.slots.get("want_certificate"))),
    ],
)
