"""Typed results of the back-end contract (integrations/tamin/openapi.yaml), shared by client and simulator."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Gender = Literal["male", "female"]
Role = Literal["pensioner", "insured", "former_insured", "employer", "representative", "contractor"]
Relation = Literal["spouse", "child", "father", "mother"]
ObjectionReason = Literal["wrong_period", "wrong_amount", "already_paid", "not_employed", "other"]
EventType = Literal[
    "certificate_issued",
    "article38_certificate_issued",
    "debt_raised",
    "objection_filed",
    "hearing_scheduled",
    "payment_received",
]


class Model(BaseModel):
    """Base of every contract model: tolerant of fields the real service may add."""

    model_config = ConfigDict(extra="ignore")


# --- identity ---------------------------------------------------------------------------------


class IdentityMatch(Model):
    """Whether a mobile number belongs to a national code (Shahkar-like)."""

    match: bool


class IbanOwnership(Model):
    """The banks' answer to «is this Sheba account held under this national code»."""

    iban_masked: str
    owned: bool


class BankAccount(Model):
    """A Sheba account the banks hold under a person's national code, never echoed in full."""

    account_id: str  # an opaque handle a payout may name instead of the Sheba
    iban_masked: str


class Person(Model):
    """A person the organization has a record of."""

    national_code: str
    first_name: str
    last_name: str
    gender: Gender
    birth_date: str
    age: int
    roles: list[Role]
    insurance_number: str | None = None


class OtpTicket(Model):
    """A one-time code sent by the back-end to a person's own mobile."""

    ticket_id: str
    mobile_masked: str
    expires_in: int


class OtpCheck(Model):
    """Result of checking a one-time code."""

    valid: bool


# --- pension and certificates -----------------------------------------------------------------


class PaymentRecord(Model):
    """One monthly pension payment."""

    date: str
    amount: int


class Pension(Model):
    """A person's pension (service 1-5)."""

    national_code: str
    kind: Literal["retirement", "survivor", "disability"]
    status: Literal["active", "suspended"]
    pension_number: str
    monthly_amount: int
    last_payments: list[PaymentRecord]
    suspended_since: str | None = None
    suspension_reason_code: str | None = None
    suspension_reason: str | None = None


class Certificate(Model):
    """An issued certificate (pension status or insurance relationship)."""

    verification_code: str
    kind: Literal["pension", "insurance"]
    national_code: str
    issued_on: str
    pdf_url: str
    verify_url: str


class CertificateCheck(Model):
    """What a verification code proves; holder is masked."""

    verification_code: str
    valid: bool
    kind: Literal["pension", "insurance", "article38", "voluntary"] | None = None
    holder: str | None = None
    issued_on: str | None = None
    summary: str | None = None


# --- insured people ---------------------------------------------------------------------------


class InsuranceRelationship(Model):
    """A person's insurance relationship (service 2-5)."""

    national_code: str
    insured_now: bool
    insurance_kind: Literal["compulsory", "voluntary", "self_employed"] | None = None
    workshop_code: str | None = None
    workshop_name: str | None = None
    insured_since: str | None = None
    last_insured_until: str | None = None
    contribution_days: int
    insurance_number: str | None = None


class MilitaryEligibility(Model):
    """Whether military service can be credited, and at what cost (service 13)."""

    national_code: str
    eligible: bool
    reason: str | None = None
    months: int
    amount: int
    daily_wage: int
    contribution_days: int


class MilitaryRequest(Model):
    """A registered request to credit military service."""

    request_id: str
    national_code: str
    months: int
    amount: int
    payment_id: str
    payment_url: str
    state: Literal["pending_payment", "paid"]
    requested_on: str


class SickPayEligibility(Model):
    """Whether a remote COVID sick-pay claim is possible (service 12)."""

    national_code: str
    eligible: bool
    reason: str | None = None
    test_positive_on: str | None = None
    leave_from: str | None = None
    leave_to: str | None = None
    claim: SickPayClaim | None = None  # the claim already filed (reason already_claimed)


class SickPayClaim(Model):
    """A registered sick-pay claim."""

    tracking_number: str
    national_code: str
    leave_from: str
    leave_to: str
    days: int
    waiting_days: int
    paid_days: int
    daily_amount: int
    total_amount: int
    sheba_masked: str
    filed_on: str


class VoluntaryEligibility(Model):
    """Whether a voluntary insurance contract may be made (service 85)."""

    national_code: str
    eligible: bool
    reason: str | None = None
    age: int
    contribution_days: int
    required_days: int
    missing_days: int
    wage_min: int
    wage_max: int
    premium_rate: float
    contract: VoluntaryContract | None = None  # the contract already made (reason already_contracted)
    start_months: list[str] = []  # the first days of the months a new contract may start on, earliest first
    terms: list[str] = []  # the contract's terms, the organization's own wording


class VoluntaryQuote(Model):
    """The monthly premium for a chosen wage base."""

    monthly_wage: int
    monthly_premium: int
    premium_rate: float


class VoluntaryContract(Model):
    """A voluntary insurance contract."""

    contract_number: str
    national_code: str
    monthly_wage: int
    monthly_premium: int
    starts_on: str
    payment_id: str
    payment_url: str
    document_url: str | None = None  # the signed contract as a PDF
    verification_code: str | None = None


class RegistryName(Model):
    """The civil registry's name of a family member about to be added (service 6)."""

    national_code: str
    first_name: str
    last_name: str = ""


class Dependent(Model):
    """A family member covered through the main insured (service 6)."""

    national_code: str
    relation: Relation
    first_name: str
    birth_date: str


class FractionalMonth(Model):
    """One month of the current half-year with fewer than 30 days of contributions."""

    month: str
    days: int
    missing: int


class FractionalMonths(Model):
    """Fractional months to complete in the current half-year (service 7)."""

    national_code: str
    eligible: bool
    reason: str | None = None
    months: list[FractionalMonth]
    total_missing_days: int
    daily_wage: int
    amount: int
    due_date: str


class FractionalContract(Model):
    """A contract to pay the missing days of fractional months."""

    contract_number: str
    national_code: str
    missing_days: int
    amount: int
    due_date: str
    payment_id: str
    payment_url: str


# --- workshops and employers ------------------------------------------------------------------


class WorkshopAccess(Model):
    """What the acting person may do for a workshop."""

    workshop_code: str
    workshop_name: str
    role: Literal["employer", "representative", "none"]


class WorkshopSummary(Model):
    """A workshop the acting person is employer or representative of."""

    workshop_code: str
    workshop_name: str
    role: Literal["employer", "representative"]


class DebtItem(Model):
    """One claim of the organization on a workshop."""

    id: str
    kind: Literal["premium", "penalty", "other"]
    period: str
    amount: int


class Debt(Model):
    """A workshop's debt (service 105)."""

    workshop_code: str
    workshop_name: str
    total: int
    items: list[DebtItem]


class LedgerEntry(Model):
    """One line of a workshop's account, with the running balance."""

    date: str
    kind: Literal["charge", "payment"]
    ref: str
    amount: int
    balance: int


class Payment(Model):
    """A payment order and its state."""

    payment_id: str
    purpose: Literal["debt", "military", "voluntary", "fractional"]
    amount: int
    state: Literal["pending", "paid"]
    payment_url: str
    created_on: str
    paid_on: str | None = None


class Hearing(Model):
    """When and where a debt board hears an objection."""

    date: str
    time: str
    place: str


class Objection(Model):
    """An employer's objection to a debt item (service 115)."""

    number: str
    workshop_code: str
    debt_id: str
    reason_code: ObjectionReason
    text: str
    state: Literal["filed", "scheduled", "decided"]
    filed_on: str
    hearing: Hearing | None = None


class ENotice(Model):
    """The electronic-notice agreement of a workshop (service 95)."""

    workshop_code: str
    accepted: bool
    accepted_on: str | None = None
    text_parts: list[str]


# --- Article 38 -------------------------------------------------------------------------------


class ContractSummary(Model):
    """An Article 38 contract the acting person is party to."""

    contract_no: str
    subject: str
    role: Literal["contractor", "employer"]
    contractor_name: str
    employer_workshop: str
    employer_name: str


class Article38Certificate(Model):
    """One Article 38 settlement certificate (مفاصاحساب) of a contract."""

    number: str
    state: Literal["issued", "pending", "refused"]
    issued_on: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    verification_code: str | None = None  # an issued one: its document and its public check
    pdf_url: str | None = None
    verify_url: str | None = None


class ContractCertificates(Model):
    """A contract and its Article 38 certificates (service 4)."""

    contract_no: str
    subject: str
    contractor_name: str
    employer_workshop: str
    employer_name: str
    certificates: list[Article38Certificate]


# --- events -----------------------------------------------------------------------------------


class Event(Model):
    """Something that happened at the organization that a poller may tell people about."""

    id: str
    type: EventType
    occurred_at: str
    payload: dict[str, Any]


class EventPage(Model):
    """A page of events after a cursor."""

    events: list[Event]
    cursor: str | None = None


# --- errors -----------------------------------------------------------------------------------


class ErrorDetail(Model):
    """The inside of a typed error body."""

    kind: Literal["not_found", "not_eligible", "invalid", "forbidden", "conflict", "busy", "down"]
    reason: str
    message: str
    details: dict[str, Any] = {}


class ErrorBody(Model):
    """A typed error response."""

    error: ErrorDetail


SickPayEligibility.model_rebuild()
