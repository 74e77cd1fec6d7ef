"""Identity, one-time codes, pension (1-5) and insurance relationship (2-5), with their certificates."""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from basics.digits import to_persian
from integrations.tamin.models import (
    Certificate,
    IdentityMatch,
    InsuranceRelationship,
    OtpCheck,
    OtpTicket,
    PaymentRecord,
    Pension,
    Person,
)
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator.errors import forbidden, not_eligible, not_found
from integrations.tamin.simulator.routes.deps import CODE, IdemKey, NationalCode, idempotent, world_of
from integrations.tamin.simulator.world import CODE_ALPHABET, Facts, Ticket, World

router = APIRouter()
OTP_SECONDS = 120
OTP_ATTEMPTS = 5
HISTORY_MONTHS = 6


class IdentityBody(BaseModel):
    """A national code and a mobile."""

    national_code: str = Field(pattern=CODE)
    mobile: str = Field(pattern=r"^09[0-9]{9}$")


class OtpBody(BaseModel):
    """A one-time code typed by the person."""

    code: str = Field(pattern=r"^[0-9]{4,8}$")


@router.post("/v1/identity/match")
async def identity_match(body: IdentityBody, request: Request) -> IdentityMatch:
    """Shahkar-like ownership check of a mobile."""
    world = world_of(request)
    world.check_code(body.national_code)
    request.app.state.checks.hit(body.national_code)
    entry = world.known(body.national_code)
    return IdentityMatch(match=bool(entry and entry.get("mobile") == body.mobile))


@router.post("/v1/otp")
async def otp_send(body: IdentityBody, request: Request) -> OtpTicket:
    """Send a one-time code to the person's own mobile."""
    world = world_of(request)
    world.check_code(body.national_code)
    entry = world.known(body.national_code)
    if not entry or entry.get("mobile") != body.mobile:
        raise forbidden("mobile_mismatch", "the mobile does not belong to this national code")
    ticket_id = secrets.token_hex(8)
    code = f"{secrets.randbelow(100000):05d}"
    world.state.tickets[ticket_id] = Ticket(body.national_code, code, time.monotonic() + OTP_SECONDS)
    return OtpTicket(ticket_id=ticket_id, mobile_masked=body.mobile[:4] + "***" + body.mobile[-4:],
                     expires_in=OTP_SECONDS)


@router.post("/v1/otp/{ticket_id}/check")
async def otp_check(body: OtpBody, request: Request,
                    ticket_id: str = Path(pattern=r"^[A-Za-z0-9]{8,40}$")) -> OtpCheck:
    """Check a one-time code (false when wrong, expired or tried too often)."""
    ticket = world_of(request).state.tickets.get(ticket_id)
    if ticket is None:
        raise not_found("unknown_ticket", "no such one-time code ticket")
    ticket.attempts += 1
    fresh = time.monotonic() < ticket.expires_at and ticket.attempts <= OTP_ATTEMPTS
    return OtpCheck(valid=fresh and secrets.compare_digest(ticket.code, body.code))


@router.get("/v1/persons/{national_code}")
async def person(national_code: NationalCode, request: Request) -> Person:
    """The organization's record of a person."""
    world = world_of(request)
    facts = world.record(national_code)
    return Person(national_code=national_code, first_name=facts["first_name"], last_name=facts["last_name"],
                  gender=facts["gender"], birth_date=facts["birth_date"], age=world.age(facts),
                  roles=world.roles(facts), insurance_number=world.insurance_number(facts))


def pension_of(world: World, national_code: str) -> Pension:
    """A person's pension with a few months of payments ending at the last one."""
    facts = world.record(national_code)
    p = facts.get("pension")
    if not p:
        raise not_found("no_pension", "this person receives no pension")
    last = p["last_payment"]
    last_day = cal.parse(last["date"])
    history = [PaymentRecord(date=cal.fmt(cal.add_months(last_day, -i)), amount=last["amount"])
               for i in range(HISTORY_MONTHS)]
    code, text = world.reason_text(p.get("reason"))
    return Pension(national_code=national_code, kind=p["kind"], status=p["status"],
                   pension_number=str(p["pension_number"]), monthly_amount=p["monthly_amount"],
                   last_payments=history, suspended_since=p.get("suspended_since"),
                   suspension_reason_code=code, suspension_reason=text)


@router.get("/v1/persons/{national_code}/pension")
async def pension(national_code: NationalCode, request: Request) -> Pension:
    """Pension status and the last payments."""
    return pension_of(world_of(request), national_code)


def issue_certificate(world: World, kind: str, facts: Facts, summary: str, data: Facts) -> Certificate:
    """Record a certificate, announce it, and return its links."""
    code = "TA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) + "-" + \
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    issued_on = cal.fmt(world.today())
    holder = f"{facts['first_name'][:1]}. {facts['last_name']}"
    world.state.certificates[code] = {"kind": kind, "national_code": facts["national_code"], "issued_on": issued_on,
                                      "holder": holder, "summary": summary, "data": data}
    world.emit("certificate_issued", national_code=facts["national_code"], kind=kind, code=code)
    return Certificate(verification_code=code, kind=kind, national_code=facts["national_code"],
                       issued_on=issued_on, pdf_url=world.url(f"/v1/certificates/{code}.pdf"),
                       verify_url=world.verify_url(code))


@router.post("/v1/persons/{national_code}/pension/certificate")
async def pension_certificate(national_code: NationalCode, idempotency_key: IdemKey, request: Request) -> Certificate:
    """Issue a pension-status certificate (active pensions only)."""
    world = world_of(request)

    def make() -> Certificate:
        p = pension_of(world, national_code)
        if p.status != "active":
            raise not_eligible("pension_not_active", "the pension is suspended", suspended_since=p.suspended_since)
        texts = world.extra
        summary = texts.get("certificate_summaries", {}).get("pension", "{kind}").format(
            kind=texts.get("pension_kinds", {}).get(p.kind, p.kind),
            status=texts.get("pension_states", {}).get(p.status, p.status),
            pension_number=p.pension_number)
        return issue_certificate(world, "pension", world.record(national_code), to_persian(summary), p.model_dump())

    return idempotent(request, idempotency_key, None, make)


def relationship_of(world: World, national_code: str) -> InsuranceRelationship:
    """A person's insurance relationship."""
    facts = world.record(national_code)
    if not facts.get("insured_now") and not facts.get("contribution_days"):
        raise not_found("no_insurance_record", "this person has no insurance record")
    insured = bool(facts.get("insured_now"))
    shop_code = facts.get("workshop") if insured else None
    shop = world.workshops.get(str(shop_code)) if shop_code else None
    return InsuranceRelationship(
        national_code=national_code, insured_now=insured,
        insurance_kind=(facts.get("insurance_kind") or "compulsory") if insured else None,
        workshop_code=str(shop_code) if shop_code else None, workshop_name=shop["name"] if shop else None,
        insured_since=facts.get("insured_since"), last_insured_until=facts.get("last_insured_until"),
        contribution_days=int(facts.get("contribution_days") or 0), insurance_number=world.insurance_number(facts))


@router.get("/v1/persons/{national_code}/insurance")
async def insurance(national_code: NationalCode, request: Request) -> InsuranceRelationship:
    """Insurance relationship."""
    return relationship_of(world_of(request), national_code)


@router.post("/v1/persons/{national_code}/insurance/certificate")
async def insurance_certificate(national_code: NationalCode, idempotency_key: IdemKey,
                                request: Request) -> Certificate:
    """Issue an insurance-relationship certificate."""
    world = world_of(request)

    def make() -> Certificate:
        rel = relationship_of(world, national_code)
        texts = world.extra
        state = texts.get("insurance_states", {}).get("insured" if rel.insured_now else "not_insured", "")
        summary = texts.get("certificate_summaries", {}).get("insurance", "{state}").format(
            state=state, days=rel.contribution_days)
        return issue_certificate(world, "insurance", world.record(national_code), to_persian(summary),
                                 rel.model_dump())

    return idempotent(request, idempotency_key, None, make)
