"""The banks' Sheba inquiry: is an account (IBAN) held under a national code; payouts go only there."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from integrations.tamin.models import BankAccount, IbanOwnership
from integrations.tamin.simulator import rules
from integrations.tamin.simulator.errors import invalid, not_eligible
from integrations.tamin.simulator.routes.deps import CODE, NationalCode, world_of
from integrations.tamin.simulator.world import World

router = APIRouter()


class IbanOwnerBody(BaseModel):
    """A national code and the Sheba account to check against it."""

    national_code: str = Field(pattern=CODE)
    iban: str = Field(min_length=1, max_length=40)


def masked(iban: str) -> str:
    """A Sheba as the organization may echo it: country, check digits and the last four."""
    sheba = rules.normalize_sheba(iban)
    return sheba[:4] + "…" + sheba[-4:]


def owned(world: World, national_code: str, iban: str) -> bool:
    """Whether the banks hold ``iban`` under ``national_code``."""
    return world.iban_owner(iban) == national_code


def account_id(iban: str) -> str:
    """The opaque handle of an account: stable, and saying nothing of the Sheba."""
    return "ACC-" + hashlib.sha256(rules.normalize_sheba(iban).encode()).hexdigest()[:12].upper()


def account_iban(world: World, national_code: str, handle: str) -> str:
    """The Sheba of one of the person's own accounts by its handle (400 unknown_account otherwise)."""
    for iban in world.accounts.get(national_code, []):
        if account_id(iban) == handle:
            return iban
    raise invalid("unknown_account", "no account with this handle is held under the claimant's national code")


def require_owned(world: World, national_code: str, iban: str) -> str:
    """The canonical Sheba of a payout, refused unless valid and held under the payee's national code."""
    if not rules.sheba_valid(iban):
        raise invalid("bad_sheba", "the Sheba number fails its check digits")
    if not owned(world, national_code, iban):
        raise not_eligible("iban_not_owned", "the Sheba account is not held under the claimant's national code",
                           sheba_masked=masked(iban))
    return rules.normalize_sheba(iban)


@router.post("/v1/banking/iban-owner")
async def iban_owner(body: IbanOwnerBody, request: Request) -> IbanOwnership:
    """Whether a Sheba account is held under a national code (rate-limited per national code)."""
    world = world_of(request)
    world.check_code(body.national_code)
    if not rules.sheba_valid(body.iban):
        raise invalid("bad_sheba", "the Sheba number fails its check digits")
    request.app.state.checks.hit(body.national_code)
    return IbanOwnership(iban_masked=masked(body.iban), owned=owned(world, body.national_code, body.iban))


@router.get("/v1/persons/{national_code}/bank-accounts")
async def bank_accounts(national_code: NationalCode, request: Request) -> list[BankAccount]:
    """The accounts the banks hold under a national code, masked, the one registered for payouts first."""
    world = world_of(request)
    world.record(national_code)
    return [BankAccount(account_id=account_id(iban), iban_masked=masked(iban))
            for iban in world.accounts.get(national_code, [])]
