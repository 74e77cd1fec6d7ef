"""Workshops: access, debt and ledger (105), payments, objections (115), e-notice (95), Article 38 (4)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from integrations.tamin.models import (
    Article38Certificate,
    ContractCertificates,
    ContractSummary,
    Debt,
    DebtItem,
    ENotice,
    Hearing,
    LedgerEntry,
    Objection,
    Payment,
    WorkshopAccess,
    WorkshopSummary,
)
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator import rules
from integrations.tamin.simulator.errors import forbidden, not_eligible, not_found
from integrations.tamin.simulator.recipients import recipients
from integrations.tamin.simulator.routes.deps import (
    Actor,
    IdemKey,
    NationalCode,
    WorkshopCode,
    idempotent,
    world_of,
)
from integrations.tamin.simulator.world import Facts, World

router = APIRouter()


class PaymentBody(BaseModel):
    """Which debt items to pay (None: all)."""

    item_ids: list[str] | None = Field(default=None, max_length=100)


class ObjectionBody(BaseModel):
    """An objection to one debt item."""

    debt_id: str = Field(min_length=1, max_length=40)
    reason_code: Literal["wrong_period", "wrong_amount", "already_paid", "not_employed", "other"]
    text: str = Field(default="", max_length=2000)


@router.get("/v1/workshops/{workshop_code}/access")
async def workshop_access(workshop_code: WorkshopCode, actor: Actor, request: Request) -> WorkshopAccess:
    """The actor's role at a workshop."""
    world = world_of(request)
    world.check_code(actor)
    shop = world.workshop(workshop_code)
    return WorkshopAccess(workshop_code=workshop_code, workshop_name=shop["name"], role=world.role_at(shop, actor))


@router.get("/v1/persons/{national_code}/workshops")
async def person_workshops(national_code: NationalCode, request: Request) -> list[WorkshopSummary]:
    """Workshops the person is employer or representative of."""
    world = world_of(request)
    world.record(national_code)
    found = ((code, shop, world.role_at(shop, national_code)) for code, shop in world.workshops.items())
    return [WorkshopSummary(workshop_code=code, workshop_name=shop["name"], role=role)
            for code, shop, role in found if role != "none"]


def debt_of(code: str, shop: Facts) -> Debt:
    """A workshop's open debt items."""
    items = [DebtItem(**d) for d in shop.get("debts", [])]
    return Debt(workshop_code=code, workshop_name=shop["name"], total=sum(i.amount for i in items), items=items)


@router.get("/v1/workshops/{workshop_code}/debt")
async def workshop_debt(workshop_code: WorkshopCode, actor: Actor, request: Request) -> Debt:
    """The workshop's debt."""
    return debt_of(workshop_code, world_of(request).acting_for(workshop_code, actor))


@router.get("/v1/workshops/{workshop_code}/ledger")
async def workshop_ledger(workshop_code: WorkshopCode, actor: Actor, request: Request) -> list[LedgerEntry]:
    """The workshop's account with the running balance."""
    shop = world_of(request).acting_for(workshop_code, actor)
    balance, out = 0, []
    for entry in shop.get("ledger", []):
        balance += entry["amount"] if entry["kind"] == "charge" else -entry["amount"]
        out.append(LedgerEntry(**entry, balance=balance))
    return out


@router.post("/v1/workshops/{workshop_code}/payments")
async def debt_payment(workshop_code: WorkshopCode, actor: Actor, body: PaymentBody, idempotency_key: IdemKey,
                       request: Request) -> Payment:
    """A payment order for some or all debt items."""
    world = world_of(request)

    def make() -> Payment:
        debt = debt_of(workshop_code, world.acting_for(workshop_code, actor))
        if not debt.items:
            raise not_eligible("no_debt", "the workshop owes nothing")
        wanted = body.item_ids if body.item_ids is not None else [i.id for i in debt.items]
        by_id = {i.id: i for i in debt.items}
        missing = [i for i in wanted if i not in by_id]
        if missing or not wanted:
            raise not_found("unknown_debt", "no such debt item", item_ids=missing)
        amount = sum(by_id[i].amount for i in set(wanted))
        return world.new_payment("debt", amount, {"workshop": workshop_code, "items": sorted(set(wanted))})

    return idempotent(request, idempotency_key, body, make, actor=actor)


def hearing_for(world: World, code: str, filed: cal.Date) -> Hearing:
    """The debt board's hearing of an objection (SSL arts. 42-43)."""
    places = world.extra.get("hearing_places", {})
    return Hearing(date=cal.fmt(rules.hearing_date(filed)), time=world.extra.get("hearing_time", "09:30"),
                   place=places.get(code) or places.get("default") or "هیئت بدوی تشخیص مطالبات")


@router.post("/v1/workshops/{workshop_code}/objections")
async def file_objection(workshop_code: WorkshopCode, actor: Actor, body: ObjectionBody, idempotency_key: IdemKey,
                         request: Request) -> Objection:
    """Object to a debt item; the hearing is scheduled at once."""
    world = world_of(request)

    def make() -> Objection:
        shop = world.acting_for(workshop_code, actor)
        if body.debt_id not in {d["id"] for d in shop.get("debts", [])}:
            raise not_found("unknown_debt", "no such debt item", debt_id=body.debt_id)
        filed = world.state.objections.setdefault(workshop_code, [])
        if any(o.debt_id == body.debt_id and o.state != "decided" for o in filed):
            raise not_eligible("objection_exists", "an objection to this item is already being heard")
        today = world.today()
        objection = Objection(number=world.number("OBJ"), workshop_code=workshop_code, debt_id=body.debt_id,
                              reason_code=body.reason_code, text=body.text, state="scheduled",
                              filed_on=cal.fmt(today), hearing=hearing_for(world, workshop_code, today))
        filed.append(objection)
        world.emit("objection_filed", workshop=workshop_code, national_code=actor, number=objection.number,
                   debt_id=body.debt_id)
        assert objection.hearing is not None
        hearing = {"workshop": workshop_code, "national_code": actor, "number": objection.number,
                   "hearing_date": objection.hearing.date, "time": objection.hearing.time,
                   "place": objection.hearing.place}
        world.emit("hearing_scheduled", **hearing, recipients=recipients(world, "hearing_scheduled", hearing))
        return objection

    return idempotent(request, idempotency_key, body, make, actor=actor)


@router.get("/v1/workshops/{workshop_code}/objections")
async def objections(workshop_code: WorkshopCode, actor: Actor, request: Request) -> list[Objection]:
    """The workshop's objections, newest first."""
    world = world_of(request)
    world.acting_for(workshop_code, actor)
    return list(reversed(world.state.objections.get(workshop_code, [])))


def notice_of(world: World, code: str, shop: Facts) -> ENotice:
    """The e-notice agreement of a workshop."""
    return ENotice(workshop_code=code, accepted=bool(shop.get("e_notice_accepted")),
                   accepted_on=shop.get("e_notice_accepted_on"), text_parts=list(world.extra.get("e_notice_text", [])))


@router.get("/v1/workshops/{workshop_code}/e-notice")
async def e_notice(workshop_code: WorkshopCode, actor: Actor, request: Request) -> ENotice:
    """The e-notice agreement."""
    world = world_of(request)
    return notice_of(world, workshop_code, world.acting_for(workshop_code, actor))


@router.post("/v1/workshops/{workshop_code}/e-notice/acceptance")
async def accept_e_notice(workshop_code: WorkshopCode, actor: Actor, idempotency_key: IdemKey,
                          request: Request) -> ENotice:
    """Accept the e-notice agreement."""
    world = world_of(request)

    def make() -> ENotice:
        shop = world.acting_for(workshop_code, actor)
        if not shop.get("e_notice_accepted"):
            shop["e_notice_accepted"] = True
            shop["e_notice_accepted_on"] = cal.fmt(world.today())
        return notice_of(world, workshop_code, shop)

    return idempotent(request, idempotency_key, None, make, actor=actor)


# --- Article 38 ----------------------------------------------------------------------------------


def contract_role(world: World, contract: Facts, actor: str) -> str | None:
    """contractor, employer (the hiring workshop's employer or representative) or None."""
    if world.code_of(contract.get("contractor")) == actor:
        return "contractor"
    shop = world.workshops.get(str(contract.get("employer_workshop")))
    if shop and world.role_at(shop, actor) != "none":
        return "employer"
    return None


def contract_names(world: World, contract: Facts) -> dict[str, str]:
    """The parties' names."""
    shop = world.workshops.get(str(contract["employer_workshop"])) or {}
    return {"contractor_name": world.name_of(contract.get("contractor")),
            "employer_workshop": str(contract["employer_workshop"]), "employer_name": shop.get("name", "")}


@router.get("/v1/persons/{national_code}/contracts")
async def person_contracts(national_code: NationalCode, request: Request) -> list[ContractSummary]:
    """Article 38 contracts the person is party to."""
    world = world_of(request)
    world.record(national_code)
    out = []
    for number, contract in world.contracts.items():
        role = contract_role(world, contract, national_code)
        if role:
            out.append(ContractSummary(contract_no=number, subject=contract["subject"], role=role,
                                       **contract_names(world, contract)))
    return out


@router.get("/v1/contracts/{contract_no}/certificates")
async def contract_certificates(actor: Actor, request: Request,
                                contract_no: str = Path(pattern=r"^[0-9]{4}-[0-9]{1,8}$")) -> ContractCertificates:
    """A contract's Article 38 certificates."""
    world = world_of(request)
    world.check_code(actor)
    contract = world.contract(contract_no)
    if contract_role(world, contract, actor) is None:
        raise forbidden("not_party", "the actor is neither the contractor nor the hiring employer")
    certificates = []
    for cert in contract.get("certificates", []):
        code, text = world.reason_text(cert.get("reason"))
        links = {}
        if cert["state"] == "issued":
            verification = world.article38_code(cert["number"])
            links = {"verification_code": verification, "verify_url": world.verify_url(verification),
                     "pdf_url": world.url(f"/v1/certificates/{verification}.pdf")}
        certificates.append(Article38Certificate(number=cert["number"], state=cert["state"],
                                                 issued_on=cert.get("issued_on"), reason_code=code, reason=text,
                                                 **links))
    return ContractCertificates(contract_no=contract_no, subject=contract["subject"], certificates=certificates,
                                **contract_names(world, contract))
