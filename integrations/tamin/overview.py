"""Everything the back-end holds about one verified person, read in parallel under one deadline.

``gather`` asks every read the overview needs at once (pension, insurance, the eligibility of the
services a person may start, their open requests, and for an employer or representative each of
their workshops and Article 38 contracts). Every call runs under the same absolute deadline, so
the whole overview is ready by then; a call that fails or is still running is marked ``failed``
and the rest stands. Workshops and contracts come only from the lists the back-end gives for this
person, and every workshop read carries the person as the actor: nothing of anyone else's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from integrations.tamin.errors import Forbidden, NotFound, TaminError
from integrations.tamin.models import (
    ContractCertificates,
    ContractSummary,
    Debt,
    Dependent,
    ENotice,
    FractionalMonths,
    InsuranceRelationship,
    MilitaryEligibility,
    MilitaryRequest,
    Objection,
    Pension,
    SickPayEligibility,
    VoluntaryEligibility,
    WorkshopSummary,
)

log = logging.getLogger("tamin.overview")
T = TypeVar("T")
DEADLINE = 1.5  # seconds for the whole overview; every call ends by then
MAX_ITEMS = 10  # workshops (and contracts) read in detail; beyond that only their number is told


@dataclass(slots=True)
class Part(Generic[T]):
    """One read: its value, ``missing`` when the back-end has nothing on record, ``failed`` otherwise."""

    value: T | None = None
    missing: bool = False
    failed: bool = False
    reason: str = ""
    more: int = 0  # items the back-end listed beyond those read in detail

    @property
    def ok(self) -> bool:
        return not self.missing and not self.failed and self.value is not None


@dataclass(slots=True)
class WorkshopView:
    """A workshop the person acts for, with its debt, e-notice and objections."""

    summary: WorkshopSummary
    debt: Part[Debt] = field(default_factory=Part)
    e_notice: Part[ENotice] = field(default_factory=Part)
    objections: Part[list[Objection]] = field(default_factory=Part)


@dataclass(slots=True)
class ContractView:
    """An Article 38 contract the person is party to, with its certificates."""

    summary: ContractSummary
    certificates: Part[ContractCertificates] = field(default_factory=Part)


@dataclass(slots=True)
class Overview:
    """Every part of one person's overview."""

    pension: Part[Pension] = field(default_factory=Part)
    insurance: Part[InsuranceRelationship] = field(default_factory=Part)
    military: Part[MilitaryEligibility] = field(default_factory=Part)
    military_request: Part[MilitaryRequest | None] = field(default_factory=Part)
    voluntary: Part[VoluntaryEligibility] = field(default_factory=Part)
    fractional: Part[FractionalMonths] = field(default_factory=Part)
    sick_pay: Part[SickPayEligibility] = field(default_factory=Part)
    dependents: Part[list[Dependent]] = field(default_factory=Part)
    workshops: Part[list[WorkshopView]] = field(default_factory=Part)
    contracts: Part[list[ContractView]] = field(default_factory=Part)

    def failures(self) -> list[str]:
        """Names of the parts (and workshop or contract reads) that did not answer in time."""
        out = [name for name in _TOP if getattr(self, name).failed]
        for w in self.workshops.value or []:
            out += [f"workshop:{name}" for name in ("debt", "e_notice", "objections") if getattr(w, name).failed]
        out += ["contract:certificates" for c in self.contracts.value or [] if c.certificates.failed]
        return out


_TOP = ("pension", "insurance", "military", "military_request", "voluntary", "fractional", "sick_pay",
        "dependents", "workshops", "contracts")


async def _read(call: Awaitable[T], deadline: float, name: str) -> Part[T]:
    """One back-end call that ends by ``deadline`` (loop time) whatever happens."""
    try:
        async with asyncio.timeout_at(deadline):
            return Part(await call)
    except NotFound as exc:
        return Part(missing=True, reason=exc.reason)
    except Forbidden as exc:  # never shown: treated as nothing of theirs
        return Part(missing=True, reason=exc.reason)
    except TimeoutError:
        log.warning("overview part %s timed out", name)
        return Part(failed=True, reason="timeout")
    except TaminError as exc:
        log.warning("overview part %s failed: %s/%s", name, exc.kind, exc.reason)
        return Part(failed=True, reason=exc.reason)


async def _workshop(api: Any, w: WorkshopSummary, actor: str, deadline: float) -> WorkshopView:
    debt, notice, objections = await asyncio.gather(
        _read(api.workshop_debt(w.workshop_code, actor), deadline, "debt"),
        _read(api.e_notice(w.workshop_code, actor), deadline, "e_notice"),
        _read(api.objections(w.workshop_code, actor), deadline, "objections"),
    )
    return WorkshopView(w, debt, notice, objections)


async def _workshops(api: Any, actor: str, deadline: float) -> Part[list[WorkshopView]]:
    found = await _read(api.person_workshops(actor), deadline, "workshops")
    if not found.ok:
        return Part([], missing=True) if found.missing else Part(failed=True, reason=found.reason)
    listed = found.value or []
    views = await asyncio.gather(*(_workshop(api, w, actor, deadline) for w in listed[:MAX_ITEMS]))
    return Part(list(views), more=max(0, len(listed) - MAX_ITEMS))


async def _contracts(api: Any, actor: str, deadline: float) -> Part[list[ContractView]]:
    found = await _read(api.person_contracts(actor), deadline, "contracts")
    if not found.ok:
        return Part([], missing=True) if found.missing else Part(failed=True, reason=found.reason)
    listed = (found.value or [])[:MAX_ITEMS]
    certs = await asyncio.gather(*(_read(api.contract_certificates(c.contract_no, actor), deadline, "certificates")
                                   for c in listed))
    return Part([ContractView(c, p) for c, p in zip(listed, certs, strict=True)],
                more=max(0, len(found.value or []) - MAX_ITEMS))


async def gather(api: Any, national_code: str, *, deadline: float = DEADLINE) -> Overview:
    """Every part of the overview of ``national_code``, all asked at once, all done within ``deadline`` s."""
    at = asyncio.get_running_loop().time() + deadline
    nc = national_code
    parts = await asyncio.gather(
        _read(api.pension(nc), at, "pension"),
        _read(api.insurance_relationship(nc), at, "insurance"),
        _read(api.military_eligibility(nc), at, "military"),
        _read(api.military_request_status(nc), at, "military_request"),
        _read(api.voluntary_eligibility(nc), at, "voluntary"),
        _read(api.fractional_months(nc), at, "fractional"),
        _read(api.sick_pay_eligibility(nc), at, "sick_pay"),
        _read(api.dependents(nc), at, "dependents"),
        _workshops(api, nc, at),
        _contracts(api, nc, at),
    )
    return Overview(**dict(zip(_TOP, parts, strict=True)))
