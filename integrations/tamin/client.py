"""httpx client of the back-end contract: timeouts, retries with backoff, a circuit breaker, typed results."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from basics.masking import mask_text, mask_value
from integrations.tamin.breaker import CircuitBreaker, CircuitOpen
from integrations.tamin.errors import Busy, Down, NotFound, TaminError, error_for
from integrations.tamin.models import (
    BankAccount,
    Certificate,
    CertificateCheck,
    ContractCertificates,
    ContractSummary,
    Debt,
    Dependent,
    ENotice,
    EventPage,
    FractionalContract,
    FractionalMonths,
    IbanOwnership,
    IdentityMatch,
    InsuranceRelationship,
    LedgerEntry,
    MilitaryEligibility,
    MilitaryRequest,
    Objection,
    OtpCheck,
    OtpTicket,
    Payment,
    Pension,
    Person,
    RegistryName,
    SickPayClaim,
    SickPayEligibility,
    VoluntaryContract,
    VoluntaryEligibility,
    VoluntaryQuote,
    WorkshopAccess,
    WorkshopSummary,
)

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
RETRYABLE_STATUS = {502, 503, 504}


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process (building it costs tens of milliseconds)."""
    return httpx.create_ssl_context()


class TaminClient:
    """The bot's door to the organization's back-end (or its simulator)."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None,
                 retries: int = 2, breaker: CircuitBreaker | None = None,
                 backoff: float = 0.2, backoff_max: float = 2.0, deadline: float | None = None,
                 verify_base: str | None = None) -> None:
        """``timeout`` bounds each attempt (on any transport, in-process ones too); ``deadline`` the whole call.

        ``verify_base`` (the bot's public address) makes certificates' verify links point at the bot's
        own ``/verify/{code}`` page whatever the back-end says.
        """
        self.base_url = base_url.rstrip("/")
        self.verify_base = verify_base.rstrip("/") if verify_base else None
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else timeout * (1 + retries) + backoff_max * retries
        self.retries = retries
        self.breaker = breaker or CircuitBreaker()
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(timeout),
                                       transport=transport, headers={"Accept": "application/json"},
                                       verify=_tls())

    async def aclose(self) -> None:
        """Close the shared connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> TaminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- plumbing --------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                    actor: str | None = None, idempotency_key: str | None = None,
                    raw: bool = False, safe: bool = False) -> Any:
        """One logical call: breaker, retries for safe or keyed calls, a deadline, typed errors."""
        headers: dict[str, str] = {}
        if actor is not None:
            headers["X-Actor"] = actor
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        retryable = method == "GET" or safe or idempotency_key is not None
        attempts = 1 + (self.retries if retryable else 0)
        try:
            trial = self.breaker.before_call()
        except CircuitOpen:
            raise Down(reason="circuit_open", message=f"circuit open, {method} {path} not sent") from None
        try:
            last: TaminError | None = None
            loop = asyncio.get_running_loop()
            ends = loop.time() + self.deadline
            tried = 0
            for attempt in range(attempts):
                if attempt:
                    pause = self._delay(attempt)
                    if loop.time() + pause >= ends:
                        break
                    await asyncio.sleep(pause)
                budget = min(self.timeout, ends - loop.time())
                tried += 1
                try:
                    # httpx's own timeouts do not reach an in-process (ASGI) transport: bound every attempt here.
                    async with asyncio.timeout(budget):
                        response = await self._http.request(method, path, json=json, params=params, headers=headers)
                except (httpx.TimeoutException, TimeoutError):
                    last = Down(reason="timeout", message=f"{method} {self._log_path(path)} timed out after {budget:.1f}s")
                    continue
                except httpx.TransportError as exc:
                    last = Down(reason="unreachable", message=mask_text(f"{method} {path}: {exc!r}"))
                    continue
                if response.status_code == 429:  # this caller is throttled; the back-end itself is healthy
                    self.breaker.record_success()
                    raise self._error(response)
                if response.status_code < 400:
                    self.breaker.record_success()
                    return response.content if raw else response.json()
                error = self._error(response)
                if response.status_code in RETRYABLE_STATUS or isinstance(error, Busy | Down):
                    last = error
                    continue
                self.breaker.record_success()  # the back-end answered: it is healthy
                raise error
            assert last is not None
            log.warning("tamin %s %s failed after %d attempt(s): %s", method, self._log_path(path), tried,
                        mask_text(str(last)))
            self.breaker.record_failure()
            raise last
        finally:
            if trial:
                self.breaker.abandon()

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        ceiling = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    @staticmethod
    def _log_path(path: str) -> str:
        return "/".join(mask_value(p) if p.isdigit() and len(p) >= 10 else p for p in path.split("/"))

    @staticmethod
    def _error(response: httpx.Response) -> TaminError:
        """The typed error of an error response (untyped 5xx become Down)."""
        try:
            body = response.json()["error"]
            return error_for(body["kind"], body["reason"], body.get("details") or {}, body.get("message", ""))
        except (ValueError, KeyError, TypeError):
            if response.status_code == 503:
                return Busy(reason="busy", message=f"HTTP 503 from {response.request.url.path}")
            if response.status_code == 404:
                return NotFound(reason="not_found", message=f"HTTP 404 from {response.request.url.path}")
            kind = "invalid" if 400 <= response.status_code < 500 else "down"
            return error_for(kind, "bad_response" if kind == "invalid" else "server_error",
                             {"status": response.status_code}, f"untyped HTTP {response.status_code}")

    async def _get(self, model: type[M], path: str, **kw: Any) -> M:
        return model.model_validate(await self._call("GET", path, **kw))

    async def _post(self, model: type[M], path: str, **kw: Any) -> M:
        return model.model_validate(await self._call("POST", path, **kw))

    async def _get_list(self, model: type[M], path: str, **kw: Any) -> list[M]:
        return TypeAdapter(list[model]).validate_python(await self._call("GET", path, **kw))  # type: ignore[valid-type]

    # --- identity --------------------------------------------------------------------------------

    async def identity_match(self, national_code: str, mobile: str) -> bool:
        """Does this mobile belong to this national code (unknown codes: False)."""
        body = {"national_code": national_code, "mobile": mobile}
        return IdentityMatch.model_validate(await self._call("POST", "/v1/identity/match", json=body)).match

    async def iban_owner(self, national_code: str, iban: str) -> IbanOwnership:
        """Whether the banks hold a Sheba account under this national code (InvalidInput bad_sheba)."""
        body = {"national_code": national_code, "iban": iban}
        return IbanOwnership.model_validate(await self._call("POST", "/v1/banking/iban-owner", json=body, safe=True))

    async def bank_accounts(self, national_code: str) -> list[BankAccount]:
        """The Sheba accounts held under this national code, masked, the one registered for payouts first."""
        return await self._get_list(BankAccount, f"/v1/persons/{national_code}/bank-accounts")

    async def person(self, national_code: str) -> Person:
        """The organization's record of a person (NotFound no_record when there is none)."""
        return await self._get(Person, f"/v1/persons/{national_code}")

    async def otp_send(self, national_code: str, mobile: str) -> OtpTicket:
        """Send the back-end's own one-time code to the person's mobile."""
        return await self._post(OtpTicket, "/v1/otp", json={"national_code": national_code, "mobile": mobile})

    async def otp_check(self, ticket_id: str, code: str) -> bool:
        """Whether the one-time code of a ticket is right."""
        return (await self._post(OtpCheck, f"/v1/otp/{ticket_id}/check", json={"code": code})).valid

    # --- pension and insurance (1-5, 2-5) --------------------------------------------------------

    async def pension(self, national_code: str) -> Pension:
        """Pension status and last payments (NotFound no_pension)."""
        return await self._get(Pension, f"/v1/persons/{national_code}/pension")

    async def pension_certificate(self, national_code: str, idempotency_key: str) -> Certificate:
        """Issue a pension-status certificate (NotEligible pension_not_active)."""
        return self._public(await self._post(Certificate, f"/v1/persons/{national_code}/pension/certificate",
                                             idempotency_key=idempotency_key))

    async def insurance_relationship(self, national_code: str) -> InsuranceRelationship:
        """The insurance relationship (NotFound no_insurance_record)."""
        return await self._get(InsuranceRelationship, f"/v1/persons/{national_code}/insurance")

    async def insurance_certificate(self, national_code: str, idempotency_key: str) -> Certificate:
        """Issue an insurance-relationship certificate."""
        return self._public(await self._post(Certificate, f"/v1/persons/{national_code}/insurance/certificate",
                                             idempotency_key=idempotency_key))

    def _public(self, cert: Certificate) -> Certificate:
        """The certificate with its verify link on the bot's public address, when that is known."""
        if not self.verify_base:
            return cert
        return cert.model_copy(update={"verify_url": f"{self.verify_base}/verify/{cert.verification_code}"})

    async def verify_certificate(self, code: str) -> CertificateCheck:
        """What a verification code proves (valid False for unknown codes)."""
        return await self._get(CertificateCheck, f"/v1/certificates/{code}")

    async def certificate_pdf(self, code: str) -> bytes:
        """The certificate as PDF bytes."""
        return await self._call("GET", f"/v1/certificates/{code}.pdf", raw=True)

    # --- military service (13) --------------------------------------------------------------------

    async def military_eligibility(self, national_code: str) -> MilitaryEligibility:
        """Whether military service may be credited, months and cost."""
        return await self._get(MilitaryEligibility, f"/v1/persons/{national_code}/military")

    async def military_request(self, national_code: str, months: int, idempotency_key: str) -> MilitaryRequest:
        """Register a military-service credit request; returns the payment link."""
        return await self._post(MilitaryRequest, f"/v1/persons/{national_code}/military/requests",
                                json={"months": months}, idempotency_key=idempotency_key)

    async def military_request_status(self, national_code: str) -> MilitaryRequest | None:
        """The latest request, or None when there is none."""
        try:
            return await self._get(MilitaryRequest, f"/v1/persons/{national_code}/military/requests/latest")
        except NotFound as exc:
            if exc.reason == "no_request":
                return None
            raise

    # --- sick pay (12) ----------------------------------------------------------------------------

    async def sick_pay_eligibility(self, national_code: str) -> SickPayEligibility:
        """Whether a remote COVID sick-pay claim is possible, with the leave on record."""
        return await self._get(SickPayEligibility, f"/v1/persons/{national_code}/sick-pay")

    async def sick_pay_claim(self, national_code: str, leave_from: str, leave_to: str, test_date: str,
                             test_ref: str, sheba: str | None, idempotency_key: str,
                             account_id: str | None = None) -> SickPayClaim:
        """Register a sick-pay claim to a Sheba or a listed account (InvalidInput bad_sheba; NotEligible iban_not_owned)."""
        body = {"leave_from": leave_from, "leave_to": leave_to, "test_date": test_date, "test_ref": test_ref}
        body.update({"account_id": account_id} if account_id else {"sheba": sheba})
        return await self._post(SickPayClaim, f"/v1/persons/{national_code}/sick-pay/claims",
                                json=body, idempotency_key=idempotency_key)

    # --- voluntary insurance (85) -----------------------------------------------------------------

    async def voluntary_eligibility(self, national_code: str) -> VoluntaryEligibility:
        """Whether a voluntary contract may be made, the wage range and the premium rate."""
        return await self._get(VoluntaryEligibility, f"/v1/persons/{national_code}/voluntary")

    async def voluntary_quote(self, national_code: str, monthly_wage: int) -> VoluntaryQuote:
        """The monthly premium for a wage base (InvalidInput wage_out_of_range)."""
        return await self._get(VoluntaryQuote, f"/v1/persons/{national_code}/voluntary/quote",
                               params={"monthly_wage": monthly_wage})

    async def voluntary_contract(self, national_code: str, monthly_wage: int, idempotency_key: str,
                                 starts_on: str | None = None) -> VoluntaryContract:
        """Make a voluntary insurance contract from one of the offered start months; the document and first payment link."""
        body: dict[str, Any] = {"monthly_wage": monthly_wage}
        if starts_on:
            body["starts_on"] = starts_on
        return await self._post(VoluntaryContract, f"/v1/persons/{national_code}/voluntary/contracts",
                                json=body, idempotency_key=idempotency_key)

    # --- dependents (6) ---------------------------------------------------------------------------

    async def dependents(self, national_code: str) -> list[Dependent]:
        """The family members covered through this person."""
        return await self._get_list(Dependent, f"/v1/persons/{national_code}/dependents")

    async def dependent_candidate(self, national_code: str, dependent_nc: str) -> RegistryName:
        """The registry's name of the person about to be added (NotFound unknown_person)."""
        return await self._get(RegistryName, f"/v1/persons/{national_code}/dependents/candidates/{dependent_nc}")

    async def add_dependent(self, national_code: str, dependent_nc: str, relation: str,
                            idempotency_key: str) -> Dependent:
        """Add a family member (NotEligible not_related, child_over_age, parent_under_age...)."""
        return await self._post(Dependent, f"/v1/persons/{national_code}/dependents",
                                json={"national_code": dependent_nc, "relation": relation},
                                idempotency_key=idempotency_key)

    # --- fractional months (7) --------------------------------------------------------------------

    async def fractional_months(self, national_code: str) -> FractionalMonths:
        """Months of the current half-year to complete, with amount and due date."""
        return await self._get(FractionalMonths, f"/v1/persons/{national_code}/fractional-months")

    async def fractional_contract(self, national_code: str, idempotency_key: str) -> FractionalContract:
        """Contract to pay the missing days by the end of the half-year."""
        return await self._post(FractionalContract, f"/v1/persons/{national_code}/fractional-months/contracts",
                                idempotency_key=idempotency_key)

    # --- workshops (105, 115, 95) -----------------------------------------------------------------

    async def workshop_access(self, code: str, actor: str) -> WorkshopAccess:
        """The actor's role at a workshop (role none rather than Forbidden)."""
        return await self._get(WorkshopAccess, f"/v1/workshops/{code}/access", actor=actor)

    async def person_workshops(self, actor: str) -> list[WorkshopSummary]:
        """Workshops the actor is employer or representative of."""
        return await self._get_list(WorkshopSummary, f"/v1/persons/{actor}/workshops")

    async def workshop_debt(self, code: str, actor: str) -> Debt:
        """The workshop's debt (Forbidden not_employer)."""
        return await self._get(Debt, f"/v1/workshops/{code}/debt", actor=actor)

    async def workshop_ledger(self, code: str, actor: str) -> list[LedgerEntry]:
        """The workshop's account with the running balance."""
        return await self._get_list(LedgerEntry, f"/v1/workshops/{code}/ledger", actor=actor)

    async def debt_payment(self, code: str, actor: str, idempotency_key: str,
                           item_ids: list[str] | None = None) -> Payment:
        """A payment order for some or all debt items."""
        return await self._post(Payment, f"/v1/workshops/{code}/payments", json={"item_ids": item_ids},
                                actor=actor, idempotency_key=idempotency_key)

    async def file_objection(self, code: str, actor: str, debt_id: str, reason_code: str, text: str,
                             idempotency_key: str) -> Objection:
        """Object to a debt item; the hearing is scheduled by the debt board."""
        body = {"debt_id": debt_id, "reason_code": reason_code, "text": text}
        return await self._post(Objection, f"/v1/workshops/{code}/objections", json=body,
                                actor=actor, idempotency_key=idempotency_key)

    async def objections(self, code: str, actor: str) -> list[Objection]:
        """The workshop's objections, newest first."""
        return await self._get_list(Objection, f"/v1/workshops/{code}/objections", actor=actor)

    async def e_notice(self, code: str, actor: str) -> ENotice:
        """The e-notice agreement and whether it is accepted."""
        return await self._get(ENotice, f"/v1/workshops/{code}/e-notice", actor=actor)

    async def accept_e_notice(self, code: str, actor: str, idempotency_key: str) -> ENotice:
        """Accept the e-notice agreement."""
        return await self._post(ENotice, f"/v1/workshops/{code}/e-notice/acceptance",
                                actor=actor, idempotency_key=idempotency_key)

    # --- Article 38 (4) ---------------------------------------------------------------------------

    async def person_contracts(self, actor: str) -> list[ContractSummary]:
        """Article 38 contracts the actor is party to."""
        return await self._get_list(ContractSummary, f"/v1/persons/{actor}/contracts")

    async def contract_certificates(self, contract_no: str, actor: str) -> ContractCertificates:
        """A contract's Article 38 certificates, an issued one with its PDF and verify links (Forbidden not_party)."""
        found = await self._get(ContractCertificates, f"/v1/contracts/{contract_no}/certificates", actor=actor)
        if self.verify_base:
            for cert in found.certificates:
                if cert.verification_code:
                    cert.verify_url = f"{self.verify_base}/verify/{cert.verification_code}"
        return found

    # --- payments and events ----------------------------------------------------------------------

    async def payment(self, payment_id: str) -> Payment:
        """A payment order and whether it is paid."""
        return await self._get(Payment, f"/v1/payments/{payment_id}")

    async def events(self, after: str | None = None, limit: int = 100) -> EventPage:
        """Events after a cursor, oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        return await self._get(EventPage, "/v1/events", params=params)
