"""Military service credit (13) and remote COVID sick pay (12)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from integrations.tamin.models import MilitaryEligibility, MilitaryRequest, SickPayClaim, SickPayEligibility
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator import rules
from integrations.tamin.simulator.errors import invalid, not_eligible, not_found
from integrations.tamin.simulator.routes import banking
from integrations.tamin.simulator.routes.deps import IdemKey, NationalCode, idempotent, jalali, world_of
from integrations.tamin.simulator.world import Facts, World

router = APIRouter()
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class MilitaryBody(BaseModel):
    """How many months of service to credit."""

    months: int = Field(ge=1, le=60)


class SickPayBody(BaseModel):
    """A sick-pay claim."""

    leave_from: str = Field(pattern=DATE)
    leave_to: str = Field(pattern=DATE)
    test_date: str = Field(pattern=DATE)
    test_ref: str = Field(min_length=1, max_length=40)
    sheba: str | None = Field(default=None, min_length=1, max_length=40)
    account_id: str | None = Field(default=None, pattern=r"^ACC-[A-Z0-9]{4,32}$")


def military_decision(world: World, facts: Facts) -> rules.Decision:
    """Poster 13's rule applied to a person."""
    service = facts.get("military_service") or {}
    return rules.military_decision(
        insured_now=bool(facts.get("insured_now")), contribution_days=int(facts.get("contribution_days") or 0),
        card=bool(service.get("card")), months=int(service.get("months") or 0),
        credited=bool(service.get("credited")), requested=facts["national_code"] in world.state.military)


@router.get("/v1/persons/{national_code}/military")
async def military_eligibility(national_code: NationalCode, request: Request) -> MilitaryEligibility:
    """Whether military service may be credited and what it costs."""
    world = world_of(request)
    facts = world.record(national_code)
    decision = military_decision(world, facts)
    months = int((facts.get("military_service") or {}).get("months") or 0)
    daily = world.daily_wage(facts)
    return MilitaryEligibility(national_code=national_code, eligible=decision.ok, reason=decision.reason,
                               months=months, amount=rules.military_amount(months, daily), daily_wage=daily,
                               contribution_days=int(facts.get("contribution_days") or 0))


def military_view(world: World, stored: Facts) -> MilitaryRequest:
    """A stored request with its payment's current state."""
    payment = world.state.payments[stored["payment_id"]]
    return MilitaryRequest(**stored, payment_url=payment.payment_url,
                           state="paid" if payment.state == "paid" else "pending_payment")


@router.post("/v1/persons/{national_code}/military/requests")
async def military_request(national_code: NationalCode, body: MilitaryBody, idempotency_key: IdemKey,
                           request: Request) -> MilitaryRequest:
    """Register a request to credit military service."""
    world = world_of(request)

    def make() -> MilitaryRequest:
        facts = world.record(national_code)
        decision = military_decision(world, facts)
        if not decision.ok:
            raise not_eligible(decision.reason or "not_eligible", **decision.details)
        allowed = int(facts["military_service"]["months"])
        if body.months > allowed:
            raise invalid("bad_months", "more months than the service card shows", max=allowed)
        amount = rules.military_amount(body.months, world.daily_wage(facts))
        payment = world.new_payment("military", amount, {"military": national_code})
        stored = {"request_id": world.number("MS"), "national_code": national_code, "months": body.months,
                  "amount": amount, "payment_id": payment.payment_id, "requested_on": cal.fmt(world.today())}
        world.state.military[national_code] = stored
        return military_view(world, stored)

    return idempotent(request, idempotency_key, body, make)


@router.get("/v1/persons/{national_code}/military/requests/latest")
async def military_request_status(national_code: NationalCode, request: Request) -> MilitaryRequest:
    """The latest military-service request."""
    world = world_of(request)
    world.record(national_code)
    stored = world.state.military.get(national_code)
    if stored is None:
        raise not_found("no_request", "no military service request")
    return military_view(world, stored)


def sick_decision(world: World, facts: Facts) -> rules.Decision:
    """Poster 12's rule applied to a person."""
    return rules.sick_pay_decision(
        insured_now=bool(facts.get("insured_now")), insurance_kind=facts.get("insurance_kind"),
        has_positive_test=bool((facts.get("covid_sick_leave") or {}).get("test_positive_on")),
        already_claimed=bool(world.state.sick_claims.get(facts["national_code"])))


@router.get("/v1/persons/{national_code}/sick-pay")
async def sick_pay_eligibility(national_code: NationalCode, request: Request) -> SickPayEligibility:
    """Whether a remote sick-pay claim is possible."""
    world = world_of(request)
    facts = world.record(national_code)
    decision = sick_decision(world, facts)
    leave = facts.get("covid_sick_leave") or {}
    claims = world.state.sick_claims.get(national_code) or []
    return SickPayEligibility(national_code=national_code, eligible=decision.ok, reason=decision.reason,
                              test_positive_on=leave.get("test_positive_on"), leave_from=leave.get("leave_from"),
                              leave_to=leave.get("leave_to"), claim=SickPayClaim(**claims[-1]) if claims else None)


@router.post("/v1/persons/{national_code}/sick-pay/claims")
async def sick_pay_claim(national_code: NationalCode, body: SickPayBody, idempotency_key: IdemKey,
                         request: Request) -> SickPayClaim:
    """Register a sick-pay claim."""
    world = world_of(request)

    def make() -> SickPayClaim:
        facts = world.record(national_code)
        decision = sick_decision(world, facts)
        if not decision.ok:
            raise not_eligible(decision.reason or "not_eligible", **decision.details)
        leave = facts["covid_sick_leave"]
        start, end = jalali(body.leave_from, "leave_from"), jalali(body.leave_to, "leave_to")
        check = rules.sick_leave_check(start, end, jalali(body.test_date, "test_date"),
                                       cal.parse(leave["test_positive_on"]), cal.parse(leave["leave_from"]),
                                       cal.parse(leave["leave_to"]))
        if not check.ok:
            raise invalid(check.reason or "invalid", **check.details)
        if body.account_id:
            sheba = banking.account_iban(world, national_code, body.account_id)
        elif body.sheba:
            sheba = banking.require_owned(world, national_code, body.sheba)
        else:
            raise invalid("bad_sheba", "neither a Sheba nor an account handle was given")
        with_dependents = bool(facts.get("dependents")) or facts.get("marital_status") == "married"
        amounts = rules.sick_pay_amounts(cal.days_between(start, end), world.daily_wage(facts), with_dependents)
        claim = SickPayClaim(tracking_number=world.number("SP"), national_code=national_code,
                             leave_from=cal.fmt(start), leave_to=cal.fmt(end), sheba_masked=banking.masked(sheba),
                             filed_on=cal.fmt(world.today()), **amounts)
        world.state.sick_claims.setdefault(national_code, []).append(claim.model_dump())
        return claim

    return idempotent(request, idempotency_key, body, make)
