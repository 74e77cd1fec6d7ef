"""خدمت ۷ — تکمیل سوابق پرداخت حق بیمه به صورت کسری از ماه.

Who: an insured worker with months of fewer than 30 days in the current half-year. After
proving who they are, the person sees the regulation in short (in full on its button), the
months and the days to complete with what it costs, agrees, checks their identity data and the
contract summary, and gets the contract with the date the half-yearly payment falls due.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Confirm, Do, Flow, Goto, Stop
from bot.engine.fmt import fa, jdate, mask_code, rial
from bot.engine.messages import Channel, Choice, Link
from bot.flows.common import person_name
from bot.flows.insurance import answer_yes_no
from integrations.tamin.errors import NotEligible

_REGULATION = re.compile(r"آ[یئ]ی?ن\s*[‌ ]?\s*نامه|مقررات|شرایط\s*قرارداد|متن\s*قرارداد")


def _month(ctx: Ctx, month: str) -> str:
    """«مهر ۱۴۰۵ (۱۴۰۵/۰۷)» for ``1405-07``."""
    year, _, mm = month.partition("-")
    if not mm.isdigit():
        return jdate(month)
    return ctx.text("fractional.month_label", name=ctx.text(f"fractional.month_name.m{int(mm)}"), year=fa(year),
                    numeric=jdate(month))


def _lines(ctx: Ctx, fm) -> str:
    sep = "، " if ctx.channel is Channel.SMS else "\n"
    return sep.join(ctx.text("fractional.month_line", month=_month(ctx, m.month), days=fa(m.days),
                             missing=fa(m.missing)) for m in fm.months)


async def load(ctx: Ctx) -> None:
    """The months of the current half-year with fewer than 30 days, or why there is nothing to do."""
    name = await person_name(ctx)
    fm = await ctx.api.fractional_months(ctx.national_code)
    due = jdate(fm.due_date)
    if not fm.eligible or not fm.months:
        key = "fractional.already" if fm.reason == "already_contracted" else "fractional.nothing"
        raise Stop(key, name=name, due=due, total=fa(fm.total_missing_days), amount=rial(fm.amount),
                   lines=_lines(ctx, fm))
    lines = _lines(ctx, fm)
    ctx.slots.update(total=fm.total_missing_days, amount=fm.amount, due=fm.due_date)
    if ctx.channel is not Channel.SMS:
        ctx.say("fractional.regulation")
    ctx.say("fractional.months", name=name, lines=lines, total=fa(fm.total_missing_days), amount=rial(fm.amount),
            daily=rial(fm.daily_wage), due=due)


def agree_choices(ctx: Ctx) -> list[Choice]:
    """Agree, not agree, or read the regulation first (poster 7: «مشاهده آئین نامه قرارداد / اعلام موافقت»)."""
    return [ctx.choice("yes", "fractional.yes_agree"), ctx.choice("no", "fractional.no_agree"),
            ctx.choice("regulation", "fractional.btn_regulation")]


def parse_agree(ctx: Ctx, answer: Answer) -> bool:
    """Yes or no; asking for the regulation shows it in full and asks again."""
    from bot.nlu.extract import yes_no

    text = answer.text or ""
    if answer.choice == "regulation" or (not answer.choice and _REGULATION.search(text) and yes_no(text) is None):
        raise Goto("agree", "fractional.regulation_full")
    return answer_yes_no(ctx, answer)


async def declined(ctx: Ctx) -> None:
    """The person does not agree: nothing is signed."""
    raise Stop("fractional.declined", due=jdate(ctx.slots.get("due")))


def _summary(ctx: Ctx) -> dict:
    return dict(name=ctx.slots.get("name", ""), nc=mask_code(ctx.national_code),
                insurance_line=ctx.text("fractional.insurance_line", number=fa(ctx.slots["insurance_number"])) + "\n"
                if ctx.slots.get("insurance_number") else "",
                total=fa(ctx.slots.get("total", "")), amount=rial(int(ctx.slots.get("amount") or 0)),
                due=jdate(ctx.slots.get("due")))


async def contract(ctx: Ctx) -> None:
    """Make the contract and say when the half-yearly payment falls due."""
    try:
        c = await ctx.api.fractional_contract(ctx.national_code, idempotency_key=idempotency_key(ctx, "contract"))
    except NotEligible as exc:
        key = "fractional.already" if exc.reason == "already_contracted" else "fractional.nothing"
        raise Stop(key, name=ctx.slots.get("name", ""), due=jdate(ctx.slots.get("due"))) from None
    ctx.say("fractional.contract", links=[Link(c.payment_url, ctx.text("common.payment_link"))],
            number=fa(c.contract_number), days=fa(c.missing_days), amount=rial(c.amount), due=jdate(c.due_date),
            url=c.payment_url)


FLOW = Flow(
    name="fractional_month",
    title="menu.fractional_month",
    faq={"faq_documents": "fractional.faq_documents", "faq_cost": "fractional.faq_cost",
         "faq_why": "fractional.faq_why"},
    steps=[
        Do("load", load),
        Ask("agree", "fractional.ask_agree", parse=parse_agree, choices=agree_choices,
            fields=lambda c: {"total": fa(c.slots.get("total", ""))}),
        Do("declined", declined, when=lambda c: not c.slots.get("agree")),
        Confirm("confirm", "fractional.summary", fields=_summary),
        Do("contract", contract, proof="code"),
    ],
)
