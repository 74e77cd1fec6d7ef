"""خدمت ۱۳ — احتساب سوابق دوران خدمت سربازی.

Who: a person who served, has at least two years of contributions and is insured now. The bot
shows the state of a request already made; otherwise it checks eligibility (explaining what
is missing), asks how many months to credit (offering the months on record), shows what it
costs, registers the request after a confirmation and hands over the payment link.
"""

from __future__ import annotations

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Confirm, Do, Flow, Goto, Invalid, Stop
from bot.engine.fmt import fa, jdate, number, rial
from bot.engine.messages import Channel, Choice, Link
from bot.flows.common import person_name
from integrations.tamin.errors import InvalidInput, NotEligible, NotFound
from integrations.tamin.models import MilitaryRequest

# poster 13: «حداقل دارای ۲ سال سابقه پرداخت حق بیمه»
MIN_DAYS = 720
REFUSALS = {"not_insured", "under_two_years", "no_service_card", "already_credited"}


def _request_fields(req: MilitaryRequest) -> dict:
    return dict(id=fa(req.request_id), months=fa(req.months), amount=rial(req.amount), url=req.payment_url,
                date=jdate(req.requested_on))


def _say_request(ctx: Ctx, key: str, req: MilitaryRequest) -> None:
    state = "paid" if req.state == "paid" else "pending_payment"
    pending = state != "paid"
    links = [Link(req.payment_url, ctx.text("common.payment_link"))] if pending else []
    pay = ctx.text("military.pay", url=req.payment_url) if pending else ""
    if pay and ctx.channel is not Channel.SMS:
        pay += "\n"
    ctx.say(key, links=links, state=ctx.text(f"military.state.{state}"), pay=pay,
            after=ctx.text(f"military.after.{state}"), **_request_fields(req))


def _refuse(ctx: Ctx, reason: str | None, days: int, name: str) -> Stop:
    key = f"military.refused.{reason}" if reason in REFUSALS else "military.refused.other"
    missing = max(0, MIN_DAYS - days)
    extra = ctx.text("military.also_short", missing=number(missing)) if reason == "not_insured" and missing else ""
    return Stop(key, name=name, days=number(days), required=number(MIN_DAYS), missing=number(missing),
                missing_months=fa(-(-missing // 30)), extra=extra)


async def check(ctx: Ctx) -> None:
    """A request already made is shown with its state; otherwise eligibility decides."""
    name = await person_name(ctx)
    existing = await ctx.api.military_request_status(ctx.national_code)
    if existing is not None:
        _say_request(ctx, "military.existing", existing)
        raise Stop()
    elig = await ctx.api.military_eligibility(ctx.national_code)
    if not elig.eligible:
        raise _refuse(ctx, elig.reason, elig.contribution_days, name)
    ctx.slots.update(record_months=elig.months, record_amount=elig.amount, daily_wage=elig.daily_wage)
    ctx.say("military.eligible", name=name, days=number(elig.contribution_days), months=fa(elig.months),
            amount=rial(elig.amount))


def _months_choices(ctx: Ctx) -> list[Choice]:
    top = int(ctx.slots.get("record_months") or 0)
    return [ctx.choice(f"months:{top}", "military.all_months", months=fa(top))] if top else []


def _months_fields(ctx: Ctx) -> dict:
    return {"max": fa(ctx.slots.get("record_months", ""))}


def parse_months(ctx: Ctx, answer: Answer) -> int:
    """Months of service to credit: the offered button or a typed duration within the record."""
    from bot.nlu.extract import months

    top = int(ctx.slots.get("record_months") or 0)
    if answer.choice and answer.choice.startswith("months:"):
        value: int | None = int(answer.choice[7:])
    else:
        value = months(answer.text)
    if value is None:
        raise Invalid("military.months_missing")
    if value < 1:
        raise Invalid("military.months_zero")
    if value > top:
        raise Invalid("military.months_too_many", given=fa(value), max=fa(top))
    return value


def _cost(ctx: Ctx) -> int:
    top = int(ctx.slots.get("record_months") or 0)
    months = int(ctx.slots.get("months") or 0)
    return round(int(ctx.slots.get("record_amount") or 0) * months / top) if top else 0


def _summary(ctx: Ctx) -> dict:
    return dict(name=ctx.slots.get("name", ""), months=fa(ctx.slots.get("months", "")), amount=rial(_cost(ctx)),
                daily=rial(int(ctx.slots.get("daily_wage") or 0)))


async def register(ctx: Ctx) -> None:
    """Register the request and hand over the payment link."""
    try:
        req = await ctx.api.military_request(ctx.national_code, int(ctx.slots["months"]),
                                             idempotency_key=idempotency_key(ctx, "request"))
    except InvalidInput as exc:
        if exc.reason == "bad_months":
            top = int(exc.details.get("max") or ctx.slots.get("record_months") or 0)
            ctx.slots["record_months"] = top
            raise Goto("months", "military.months_too_many", forget=("months",),
                       given=fa(ctx.slots.get("months", "")), max=fa(top)) from None
        raise
    except NotEligible as exc:
        if exc.reason == "already_requested":
            existing = await ctx.api.military_request_status(ctx.national_code)
            if existing is not None:
                _say_request(ctx, "military.existing", existing)
                raise Stop() from None
        elig = await ctx.api.military_eligibility(ctx.national_code)
        raise _refuse(ctx, exc.reason, elig.contribution_days, ctx.slots.get("name", "")) from None
    except NotFound:
        raise Stop("identity.no_record") from None
    _say_request(ctx, "military.registered", req)


FLOW = Flow(
    name="military_service",
    title="menu.military_service",
    faq={"faq_documents": "military.faq_documents", "faq_cost": "military.faq_cost", "faq_why": "military.faq_why"},
    steps=[
        Do("check", check),
        Ask("months", "military.ask_months", parse=parse_months, choices=_months_choices, fields=_months_fields,
            retries=5),
        Confirm("confirm", "military.summary", fields=_summary, redo="months", forget=("months",)),
        Do("register", register),
    ],
)
