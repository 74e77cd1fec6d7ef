"""Voluntary insurance (85), dependents (6) and fractional months (7)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from integrations.tamin.models import (
    Dependent,
    FractionalContract,
    FractionalMonth,
    FractionalMonths,
    RegistryName,
    VoluntaryContract,
    VoluntaryEligibility,
    VoluntaryQuote,
)
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator import rules
from integrations.tamin.simulator.errors import invalid, not_eligible, not_found
from integrations.tamin.simulator.routes.deps import CODE, IdemKey, NationalCode, idempotent, world_of
from integrations.tamin.simulator.world import Facts, World

router = APIRouter()
MAX_WAGE_INPUT = 100_000_000_000


class WageBody(BaseModel):
    """A chosen monthly wage base (and, for a contract, one of the offered start months)."""

    monthly_wage: int = Field(ge=0, le=MAX_WAGE_INPUT)
    starts_on: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


START_MONTHS = 3  # a voluntary contract starts on the first of one of the next three months


def start_months(world: World) -> list[str]:
    """The first days of the months a contract made today may start on."""
    first = cal.first_of_next_month(world.today())
    return [cal.fmt(cal.add_months(first, i)) for i in range(START_MONTHS)]


class DependentBody(BaseModel):
    """A family member to add."""

    national_code: str = Field(pattern=CODE)
    relation: Literal["spouse", "child", "father", "mother"]


# --- voluntary insurance -------------------------------------------------------------------------


def voluntary_decision(world: World, facts: Facts) -> rules.Decision:
    """Poster 85's rule applied to a person."""
    return rules.voluntary_decision(
        insured_now=bool(facts.get("insured_now")), contribution_days=int(facts.get("contribution_days") or 0),
        age=world.age(facts), gender=facts.get("gender", "male"),
        service_card=bool((facts.get("military_service") or {}).get("card")),
        has_contract=facts["national_code"] in world.state.voluntary)


def quote(world: World, facts: Facts, monthly_wage: int) -> VoluntaryQuote:
    """The premium for a wage base, after the eligibility and range checks."""
    decision = voluntary_decision(world, facts)
    if not decision.ok:
        raise not_eligible(decision.reason or "not_eligible", **decision.details)
    wage = rules.voluntary_wage_check(monthly_wage)
    if not wage.ok:
        raise invalid(wage.reason or "invalid", "wage base out of range", **wage.details)
    return VoluntaryQuote(monthly_wage=monthly_wage, monthly_premium=rules.voluntary_premium(monthly_wage),
                          premium_rate=rules.VOLUNTARY_RATE)


@router.get("/v1/persons/{national_code}/voluntary")
async def voluntary_eligibility(national_code: NationalCode, request: Request) -> VoluntaryEligibility:
    """Whether a voluntary contract may be made."""
    world = world_of(request)
    facts = world.record(national_code)
    decision = voluntary_decision(world, facts)
    age, days = world.age(facts), int(facts.get("contribution_days") or 0)
    required = rules.voluntary_required_days(age)
    return VoluntaryEligibility(national_code=national_code, eligible=decision.ok, reason=decision.reason, age=age,
                                contribution_days=days, required_days=required, missing_days=max(0, required - days),
                                wage_min=rules.MIN_MONTHLY_WAGE, wage_max=rules.MAX_MONTHLY_WAGE,
                                premium_rate=rules.VOLUNTARY_RATE,
                                contract=world.state.voluntary.get(national_code),
                                start_months=start_months(world) if decision.ok else [],
                                terms=list(world.extra.get("voluntary_terms") or []))


@router.get("/v1/persons/{national_code}/voluntary/quote")
async def voluntary_quote(national_code: NationalCode, request: Request,
                          monthly_wage: int = Query(ge=0, le=MAX_WAGE_INPUT)) -> VoluntaryQuote:
    """The monthly premium for a wage base."""
    world = world_of(request)
    return quote(world, world.record(national_code), monthly_wage)


@router.post("/v1/persons/{national_code}/voluntary/contracts")
async def voluntary_contract(national_code: NationalCode, body: WageBody, idempotency_key: IdemKey,
                             request: Request) -> VoluntaryContract:
    """Make a voluntary insurance contract."""
    world = world_of(request)

    def make() -> VoluntaryContract:
        facts = world.record(national_code)
        q = quote(world, facts, body.monthly_wage)
        allowed = start_months(world)
        if body.starts_on is not None and body.starts_on not in allowed:
            raise invalid("bad_start_month", "a contract starts on the first of one of the offered months",
                          allowed=allowed)
        payment = world.new_payment("voluntary", q.monthly_premium, {"voluntary": national_code})
        number = world.number("VC")
        starts = body.starts_on or allowed[0]
        code = world.record_document("voluntary", facts, {
            "contract_number": number, "monthly_wage": q.monthly_wage, "monthly_premium": q.monthly_premium,
            "starts_on": starts, "terms": list(world.extra.get("voluntary_terms") or [])},
            summary=f"قرارداد بیمه اختیاری {number} — آغاز {starts}")
        contract = VoluntaryContract(contract_number=number, national_code=national_code,
                                     monthly_wage=q.monthly_wage, monthly_premium=q.monthly_premium,
                                     starts_on=starts, payment_id=payment.payment_id, payment_url=payment.payment_url,
                                     document_url=world.url(f"/v1/certificates/{code}.pdf"), verification_code=code)
        world.state.voluntary[national_code] = contract.model_dump()
        return contract

    return idempotent(request, idempotency_key, body, make)


# --- dependents ----------------------------------------------------------------------------------


@router.get("/v1/persons/{national_code}/dependents")
async def dependents(national_code: NationalCode, request: Request) -> list[Dependent]:
    """The family members covered through this person."""
    facts = world_of(request).record(national_code)
    return [Dependent(**d) for d in facts.get("dependents", [])]


@router.get("/v1/persons/{national_code}/dependents/candidates/{code}")
async def dependent_candidate(national_code: NationalCode, code: NationalCode, request: Request) -> RegistryName:
    """The civil registry's name of a person about to be added, for the confirmation."""
    world = world_of(request)
    world.record(national_code)
    other = world.known(code)
    if other is None or other.get("not_in_records") or not other.get("first_name"):
        raise not_found("unknown_person", "the registry does not know this national code")
    return RegistryName(national_code=code, first_name=other["first_name"], last_name=other.get("last_name", ""))


@router.post("/v1/persons/{national_code}/dependents")
async def add_dependent(national_code: NationalCode, body: DependentBody, idempotency_key: IdemKey,
                        request: Request) -> Dependent:
    """Add a family member (SSL art. 58)."""
    world = world_of(request)

    def make() -> Dependent:
        main = world.record(national_code)
        world.check_code(body.national_code)
        other = world.known(body.national_code)
        if other is None or other.get("not_in_records"):
            raise not_found("unknown_person", "the registry does not know this national code")
        if not (main.get("insured_now") or main.get("pension")):
            raise not_eligible("not_insured", "only an insured person or a pensioner may add dependents")
        already = any(d["national_code"] == body.national_code for d in main.get("dependents", []))
        decision = rules.dependent_decision(
            body.relation, world.registry_relation(main, other), other.get("gender", "male"), world.age(other),
            student=bool(other.get("student")), disabled=bool(other.get("disabled")),
            married=bool(other.get("married")), income=bool(other.get("income")), already=already)
        if not decision.ok:
            raise not_eligible(decision.reason or "not_eligible", **decision.details)
        dep = Dependent(national_code=body.national_code, relation=body.relation,
                        first_name=other.get("first_name", ""), birth_date=other["birth_date"])
        main.setdefault("dependents", []).append(dep.model_dump())
        return dep

    return idempotent(request, idempotency_key, body, make)


# --- fractional months ---------------------------------------------------------------------------


def fractional_of(world: World, national_code: str) -> FractionalMonths:
    """The fractional months of the current half-year and what completing them costs."""
    facts = world.record(national_code)
    months = [FractionalMonth(month=m["month"], days=m["days"], missing=rules.DAYS_PER_MONTH - m["days"])
              for m in facts.get("fractional_months", []) if m["days"] < rules.DAYS_PER_MONTH]
    missing = sum(m.missing for m in months)
    daily = world.daily_wage(facts)
    reason = None
    if not missing:
        reason = "nothing_to_complete"
    elif national_code in world.state.fractional:
        reason = "already_contracted"
    return FractionalMonths(national_code=national_code, eligible=reason is None, reason=reason, months=months,
                            total_missing_days=missing, daily_wage=daily,
                            amount=rules.fractional_amount(missing, daily),
                            due_date=cal.fmt(cal.half_year_end(world.today())))


@router.get("/v1/persons/{national_code}/fractional-months")
async def fractional_months(national_code: NationalCode, request: Request) -> FractionalMonths:
    """Months of the current half-year with fewer than 30 days."""
    return fractional_of(world_of(request), national_code)


@router.post("/v1/persons/{national_code}/fractional-months/contracts")
async def fractional_contract(national_code: NationalCode, idempotency_key: IdemKey,
                              request: Request) -> FractionalContract:
    """Contract to pay the missing days by the end of the half-year (poster 7)."""
    world = world_of(request)

    def make() -> FractionalContract:
        months = fractional_of(world, national_code)
        if not months.eligible:
            raise not_eligible(months.reason or "not_eligible")
        payment = world.new_payment("fractional", months.amount, {"fractional": national_code})
        contract = FractionalContract(contract_number=world.number("FC"), national_code=national_code,
                                      missing_days=months.total_missing_days, amount=months.amount,
                                      due_date=months.due_date, payment_id=payment.payment_id,
                                      payment_url=payment.payment_url)
        world.state.fractional[national_code] = contract.model_dump()
        return contract

    return idempotent(request, idempotency_key, None, make)
