"""خدمت ۸۵ — انعقاد قرارداد بیمه اختیاری.

Who: a person not insured now with at least 30 days of record (men with the military service
card; over 50, a record as long as the years over 50). The bot checks eligibility with the
person's own age and record and explains any refusal with what would make them eligible, asks
the monthly wage base within the allowed range, shows the monthly premium, and after a
confirmation makes the contract and hands over the first payment link.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Goto, Invalid, Stop
from bot.engine.fmt import code, fa, jdate, number, rial
from bot.engine.messages import Channel, Choice, Document, Link
from bot.flows.common import person_name
from integrations.tamin.errors import InvalidInput, NotEligible, TaminError
from integrations.tamin.models import VoluntaryEligibility

OVER_AGE = 50  # poster 85: «سن ۵۰ سال تمام و یا کمتر»
MIN_DAYS = 30  # poster 85: «حداقل ۳۰ روز سابقه پرداخت حق بیمه»
REFUSALS = {"already_insured", "already_contracted", "under_30_days", "no_service_card", "over_age_short_record"}
_DOTTED = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{3}){2,}(?![\d.])")
SMALL = 1_000_000  # a typed amount below this was most likely meant in millions


async def _refusal(ctx: Ctx, reason: str | None, fields: dict) -> Stop:
    """The refusal, with what would make the person eligible."""
    key = f"voluntary.refused.{reason}" if reason in REFUSALS else "voluntary.refused.other"
    if reason == "already_insured":
        fields["kind"], fields["where"] = "", ""
        try:
            rel = await ctx.api.insurance_relationship(ctx.national_code)
        except TaminError:
            rel = None
        if rel is not None and rel.insured_now:
            if rel.insurance_kind:
                fields["kind"] = ctx.text("voluntary.kind_of", kind=ctx.text(f"insurance.kind.{rel.insurance_kind}"))
            if rel.workshop_name:
                fields["where"] = ctx.text("voluntary.where", workshop=rel.workshop_name)
    return Stop(key, **fields)


def _fields(name: str, e: VoluntaryEligibility) -> dict:
    return dict(name=name, age=fa(e.age), days=number(e.contribution_days), required=number(e.required_days),
                missing=number(e.missing_days or max(0, e.required_days - e.contribution_days)),
                years=fa(max(0, e.age - OVER_AGE)), min_days=fa(MIN_DAYS))


async def _refused_later(ctx: Ctx, reason: str) -> Stop:
    """A refusal the back-end gave at the quote or the contract, explained with fresh figures."""
    e = await ctx.api.voluntary_eligibility(ctx.national_code)
    return await _refusal(ctx, reason, _fields(ctx.slots.get("name", ""), e))


async def check(ctx: Ctx) -> None:
    """Eligibility with the person's age and record; the allowed wage range when eligible."""
    name = await person_name(ctx)
    e = await ctx.api.voluntary_eligibility(ctx.national_code)
    fields = _fields(name, e)
    if e.reason == "already_contracted" and e.contract is not None:
        c = e.contract
        ctx.say("voluntary.existing_contract", links=[Link(c.payment_url, ctx.text("common.payment_link"))],
                name=name, number=code(c.contract_number), wage=rial(c.monthly_wage),
                premium=rial(c.monthly_premium), start=jdate(c.starts_on), url=c.payment_url)
        raise Stop()
    if not e.eligible:
        raise await _refusal(ctx, e.reason, fields)
    ctx.slots.update(wage_min=e.wage_min, wage_max=e.wage_max, rate=e.premium_rate, months=e.start_months,
                     terms=e.terms)
    if e.start_months:
        ctx.slots.setdefault("start", e.start_months[0])
    ctx.say("voluntary.eligible", rate=fa(_percent(e.premium_rate)), **fields)


def _percent(rate: float) -> str:
    value = round(rate * 100, 2)
    return str(int(value)) if value == int(value) else str(value).replace(".", "/")


def _range(ctx: Ctx) -> dict:
    return {"min": rial(int(ctx.slots.get("wage_min") or 0)), "max": rial(int(ctx.slots.get("wage_max") or 0))}


def _wage_choices(ctx: Ctx) -> list[Choice]:
    return [ctx.choice("wage:min", "voluntary.min_button", **_range(ctx))]


def parse_wage(ctx: Ctx, answer: Answer) -> int:
    """A monthly wage base in ریال within the allowed range (typed in ریال, تومان or «میلیون»)."""
    from bot.nlu.extract import amount_rial

    low, high = int(ctx.slots["wage_min"]), int(ctx.slots["wage_max"])
    if answer.choice == "wage:min":
        return low
    # «500.000.000»: dots as thousands separators (two groups or more) are not a decimal point
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), answer.text)
    value = amount_rial(text)
    if value is None:
        raise Invalid("voluntary.wage_missing")
    if value < low:
        raise Invalid("voluntary.wage_small" if value < SMALL else "voluntary.wage_low")
    if value > high:
        raise Invalid("voluntary.wage_high")
    return value


async def quote(ctx: Ctx) -> None:
    """The monthly premium for the chosen wage base, from the back-end."""
    try:
        q = await ctx.api.voluntary_quote(ctx.national_code, int(ctx.slots["wage"]))
    except InvalidInput as exc:
        if exc.reason == "wage_out_of_range":
            if exc.details.get("min") and exc.details.get("max"):
                ctx.slots.update(wage_min=int(exc.details["min"]), wage_max=int(exc.details["max"]))
            raise Goto("wage", "voluntary.wage_out_of_range", forget=("wage",)) from None
        raise
    except NotEligible as exc:
        raise await _refused_later(ctx, exc.reason) from None
    ctx.slots["premium"] = q.monthly_premium


def _month(ctx: Ctx, day: str | None) -> str:
    """«دی ۱۴۰۵» for ``1405-10-01``."""
    year, _, rest = (day or "").partition("-")
    if not rest[:2].isdigit():
        return jdate(day)
    return ctx.text("voluntary.month", name=ctx.text(f"fractional.month_name.m{int(rest[:2])}"), year=fa(year))


def _terms(ctx: Ctx) -> str:
    terms = ctx.slots.get("terms") or []
    if not terms or ctx.channel is Channel.SMS:
        return ""
    return ctx.text("voluntary.terms", lines="\n".join(ctx.text("voluntary.term_line", text=fa(t)) for t in terms))


def _summary(ctx: Ctx) -> dict:
    return dict(name=ctx.slots.get("name", ""), wage=rial(int(ctx.slots.get("wage") or 0)),
                premium=rial(int(ctx.slots.get("premium") or 0)), start=_month(ctx, ctx.slots.get("start")),
                terms=_terms(ctx))


def confirm_choices(ctx: Ctx) -> list[Choice]:
    """Make it, change the amount, or start in another of the offered months."""
    others = [m for m in ctx.slots.get("months") or [] if m != ctx.slots.get("start")]
    return [ctx.choice("yes", "voluntary.btn_make"), ctx.choice("no", "voluntary.btn_change")] + \
        [ctx.choice(f"start:{m}", "voluntary.btn_start", month=_month(ctx, m)) for m in others]


def parse_confirm(ctx: Ctx, answer: Answer) -> bool:
    """Yes makes the contract; no goes back to the amount; a month (button or its name) moves the start."""
    from bot.flows.common import yes_no

    months = ctx.slots.get("months") or []
    chosen = answer.choice[6:] if answer.choice and answer.choice.startswith("start:") else None
    if chosen is None and not answer.choice:
        chosen = next((m for m in months if m != ctx.slots.get("start")
                       and ctx.text(f"fractional.month_name.m{int(m[5:7])}") in (answer.text or "")), None)
    if chosen in months:
        ctx.slots["start"] = chosen
        raise Goto("confirm", "voluntary.start_moved", month=_month(ctx, chosen))
    if not yes_no(ctx, answer):
        raise Goto("wage", forget=("wage", "premium"))
    return True


async def contract(ctx: Ctx) -> None:
    """Make the contract and hand over the first payment link."""
    try:
        c = await ctx.api.voluntary_contract(ctx.national_code, int(ctx.slots["wage"]),
                                             idempotency_key=idempotency_key(ctx, "contract"),
                                             starts_on=ctx.slots.get("start"))
    except InvalidInput as exc:
        if exc.reason == "wage_out_of_range":
            raise Goto("wage", "voluntary.wage_out_of_range", forget=("wage", "premium")) from None
        raise
    except NotEligible as exc:
        raise await _refused_later(ctx, exc.reason) from None
    links = [Link(c.payment_url, ctx.text("common.payment_link"))]
    document = None
    if c.document_url and ctx.channel is not Channel.SMS:  # the signed contract, its terms in it
        document = Document(c.document_url, f"voluntary-{c.contract_number}.pdf")
        links.append(Link(c.document_url, ctx.text("voluntary.download_contract")))
    ctx.say("voluntary.contract", links=links, document=document,
            number=fa(c.contract_number), wage=rial(c.monthly_wage), premium=rial(c.monthly_premium),
            starts=jdate(c.starts_on), url=c.payment_url)


FLOW = Flow(
    name="voluntary_insurance",
    title="menu.voluntary_insurance",
    faq={"faq_documents": "voluntary.faq_documents", "faq_cost": "voluntary.faq_cost", "faq_why": "voluntary.faq_why"},
    steps=[
        Do("check", check),
        Ask("wage", "voluntary.ask_wage", parse=parse_wage, choices=_wage_choices, fields=_range, retries=5,
            help="voluntary.help_wage"),
        Do("quote", quote),
        Ask("confirm", "voluntary.summary", parse=parse_confirm, choices=confirm_choices, fields=_summary,
            keep=False),
        Do("contract", contract, proof="code"),
    ],
)
