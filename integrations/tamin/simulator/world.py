"""The simulated organization: the fixtures (personas.yml + extra.yml) and everything created since."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jdatetime

from basics.paths import data_dir
from basics.yamlload import load_yaml as parse_yaml
from integrations.tamin.models import Event, Objection, Payment
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator import rules
from integrations.tamin.simulator.errors import forbidden, invalid, not_found
from integrations.tamin.simulator.idempotency import IdempotencyStore

Today = Callable[[], jdatetime.date]
Facts = dict[str, Any]


def today_source(now: Any = None) -> Today:
    """'Today' as a function: the real Jalali date, or a fixed date / string / callable for tests."""
    if now is None:
        return jdatetime.date.today
    if callable(now):
        return lambda: _as_date(now())
    fixed = _as_date(now)
    return lambda: fixed


def _as_date(value: Any) -> jdatetime.date:
    if isinstance(value, str):
        return cal.parse(value)
    if isinstance(value, jdatetime.datetime):
        return value.date()
    if isinstance(value, jdatetime.date):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return jdatetime.date.fromgregorian(date=value if not isinstance(value, dt.datetime) else value.date())
    raise TypeError(f"cannot use {value!r} as today")


def verify_base_for(public_base: str, verify_base: str | None = None) -> str:
    """The base of certificates' verify links: given, TAMIN_SIM_VERIFY_BASE, or the bot's own address.

    Mounted in the bot (public base ``<bot>/sim``) the links go to the bot's page ``<bot>/verify/...``;
    served alone, to the simulator's own JSON check.
    """
    chosen = verify_base or os.environ.get("TAMIN_SIM_VERIFY_BASE") or (
        public_base[: -len("/sim")] if public_base.endswith("/sim") else public_base)
    return chosen.rstrip("/")


_parsed: dict[tuple[str, float], Facts] = {}


def load_yaml(path: Path) -> Facts:
    """A fixture file, parsed once per modification and handed out as a fresh copy."""
    stamp = (str(path), path.stat().st_mtime)
    if stamp not in _parsed:
        _parsed[stamp] = parse_yaml(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_parsed[stamp]) or {}


@dataclass
class Ticket:
    """A one-time code sent to a mobile."""

    national_code: str
    code: str
    expires_at: float
    attempts: int = 0


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # certificates' verification codes


@dataclass
class State:
    """What has been created since the fixtures were loaded."""

    certificates: dict[str, Facts] = field(default_factory=dict)
    military: dict[str, Facts] = field(default_factory=dict)
    sick_claims: dict[str, list[Facts]] = field(default_factory=dict)
    voluntary: dict[str, Facts] = field(default_factory=dict)
    fractional: dict[str, Facts] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    payment_targets: dict[str, Facts] = field(default_factory=dict)
    objections: dict[str, list[Objection]] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        """A number never handed out before (per reset)."""
        return next(self.counter)


class World:
    """The organization's records as the simulator serves them."""

    def __init__(self, personas_path: Path | None = None, extra_path: Path | None = None, *,
                 today: Today = jdatetime.date.today, public_base: str = "http://127.0.0.1:8080/sim",
                 verify_base: str | None = None) -> None:
        self.personas_path = personas_path or data_dir() / "personas.yml"
        self.extra_path = extra_path if extra_path is not None else data_dir() / "simulator" / "extra.yml"
        self.today = today
        self.public_base = public_base.rstrip("/")
        self.verify_base = verify_base_for(self.public_base, verify_base)
        self.reset()

    # --- loading -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Reload the fixtures and forget everything created."""
        base = load_yaml(self.personas_path)
        extra = load_yaml(Path(self.extra_path)) if self.extra_path and Path(self.extra_path).exists() else {}
        self.extra = extra
        people: dict[str, Facts] = {}
        for key, facts in {**extra.get("people", {}), **base["people"]}.items():
            people[key] = {**copy.deepcopy(facts), "key": key}
        self.by_key = people
        self.people = {p["national_code"]: p for p in people.values()}
        self.registry = self._registry(people, extra.get("registry", {}))
        self.workshops: dict[str, Facts] = copy.deepcopy({str(k): v for k, v in base.get("workshops", {}).items()})
        self.workshops.update(copy.deepcopy({str(k): v for k, v in extra.get("workshops", {}).items()}))
        self.contracts: dict[str, Facts] = copy.deepcopy({str(k): v for k, v in base.get("contracts", {}).items()})
        self.iban_owners: dict[str, str] = {rules.normalize_sheba(str(iban)): str(code)
                                            for code, ibans in (extra.get("bank_accounts") or {}).items()
                                            for iban in ibans}
        self.accounts: dict[str, list[str]] = {str(code): [rules.normalize_sheba(str(i)) for i in ibans]
                                               for code, ibans in (extra.get("bank_accounts") or {}).items()}
        self.state = State()
        self._article38_documents()

    def article38_code(self, number: str) -> str:
        """The verification code of an issued Article 38 certificate: stable across resets."""
        import hashlib

        digest = hashlib.sha256(f"article38|{number}".encode()).digest()
        letters = "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:8])
        return f"TA-{letters[:4]}-{letters[4:]}"

    def record_document(self, kind: str, facts: Facts, data: Facts, summary: str) -> str:
        """Keep a document the organization issued (a contract) for its PDF and its public check; its code."""
        import secrets

        code = "TA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) + "-" + \
            "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        self.state.certificates[code] = {
            "kind": kind, "national_code": facts["national_code"], "issued_on": cal.fmt(self.today()),
            "holder": f"{str(facts.get('first_name', ''))[:1]}. {facts.get('last_name', '')}", "summary": summary,
            "data": {**data, "national_code": facts["national_code"]}}
        return code

    def _article38_documents(self) -> None:
        """Every issued Article 38 certificate may be verified and downloaded, like the ones issued in chat."""
        template = (self.extra.get("certificate_summaries") or {}).get("article38", "{number}")
        for number, contract in self.contracts.items():
            contractor = self.by_key.get(str(contract.get("contractor"))) or {}
            shop = self.workshops.get(str(contract.get("employer_workshop"))) or {}
            for cert in contract.get("certificates", []):
                if cert.get("state") != "issued" or not contractor.get("national_code"):
                    continue
                data = {"number": cert["number"], "contract_no": number, "subject": contract.get("subject", ""),
                        "contractor_name": self.name_of(contractor.get("key")),
                        "employer_name": shop.get("name", ""), "employer_workshop": str(contract["employer_workshop"]),
                        "national_code": contractor["national_code"]}
                self.state.certificates[self.article38_code(cert["number"])] = {
                    "kind": "article38", "national_code": contractor["national_code"],
                    "issued_on": cert.get("issued_on") or "",
                    "holder": f"{contractor.get('first_name', '')[:1]}. {contractor.get('last_name', '')}",
                    "summary": template.format(**data), "data": data}

    @staticmethod
    def _registry(people: dict[str, Facts], extra: dict[str, Facts]) -> dict[str, Facts]:
        """Everyone the civil registry knows: the people, their listed dependents, extra names."""
        registry: dict[str, Facts] = {}
        for person in people.values():
            registry[person["national_code"]] = person
            for dep in person.get("dependents", []):
                registry.setdefault(dep["national_code"], {**dep, "key": None})
        for code, facts in extra.items():
            entry = registry.setdefault(code, {"national_code": code, "key": None})
            for name, value in facts.items():
                entry.setdefault(name, value)
        return registry

    # --- lookups -----------------------------------------------------------------------------------

    def check_code(self, code: str) -> None:
        """Refuse a national code with a wrong check digit."""
        if not rules.national_code_valid(code):
            raise invalid("bad_national_code", "national code fails the check digit", national_code=code)

    def known(self, code: str) -> Facts | None:
        """The registry's entry of a national code, if any."""
        return self.registry.get(code)

    def record(self, code: str) -> Facts:
        """A person the organization has a record of (NotFound no_record otherwise)."""
        self.check_code(code)
        person = self.people.get(code)
        if person is None or person.get("not_in_records") or "mobile" not in person:
            raise not_found("no_record", "the organization has no record of this person")
        return person

    def iban_owner(self, iban: str) -> str | None:
        """The national code an account is held under, as the banks' Sheba inquiry answers (None: unknown)."""
        return self.iban_owners.get(rules.normalize_sheba(iban))

    def name_of(self, key_or_code: str | None) -> str:
        """A person's full name by persona key or national code."""
        person = self.by_key.get(key_or_code or "") or self.registry.get(key_or_code or "") or {}
        return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()

    def code_of(self, key: str | None) -> str | None:
        """The national code of a persona key."""
        person = self.by_key.get(key or "")
        return person["national_code"] if person else None

    def workshop(self, code: str) -> Facts:
        """A workshop by code (NotFound unknown_workshop)."""
        shop = self.workshops.get(code)
        if shop is None:
            raise not_found("unknown_workshop", "no such workshop", workshop=code)
        return shop

    def role_at(self, shop: Facts, actor: str) -> str:
        """The actor's role at a workshop."""
        reps = [c for c in (self.code_of(k) for k in shop.get("representatives", [])) if c]
        return rules.workshop_role(actor, self.code_of(shop.get("employer")), reps)

    def acting_for(self, code: str, actor: str) -> Facts:
        """A workshop the actor may act for (Forbidden not_employer)."""
        self.check_code(actor)
        shop = self.workshop(code)
        if self.role_at(shop, actor) == "none":
            raise forbidden("not_employer", "the actor is neither the employer nor a representative", workshop=code)
        return shop

    def contract(self, number: str) -> Facts:
        """An Article 38 contract (NotFound unknown_contract)."""
        found = self.contracts.get(number)
        if found is None:
            raise not_found("unknown_contract", "no such contract", contract=number)
        return found

    def reason_text(self, english: str | None) -> tuple[str | None, str | None]:
        """The organization's code and Persian wording of a reason recorded in English."""
        if not english:
            return None, None
        found = self.extra.get("reasons", {}).get(english)
        if found:
            return found["code"], found["text"]
        return english.lower().replace(" ", "_").replace("-", "_"), english

    # --- derived facts -----------------------------------------------------------------------------

    def age(self, person: Facts) -> int:
        """Full years today."""
        return cal.age(cal.parse(person["birth_date"]), self.today())

    def daily_wage(self, person: Facts) -> int:
        """The average daily wage on record (the minimum daily wage when none is recorded)."""
        return int(person.get("average_daily_wage") or rules.MIN_DAILY_WAGE)

    def roles(self, person: Facts) -> list[str]:
        """What the organization knows the person as."""
        key = person["key"]
        roles: list[str] = []
        if person.get("pension"):
            roles.append("pensioner")
        if person.get("insured_now"):
            roles.append("insured")
        elif person.get("contribution_days"):
            roles.append("former_insured")
        if any(s.get("employer") == key for s in self.workshops.values()):
            roles.append("employer")
        if any(key in s.get("representatives", []) for s in self.workshops.values()):
            roles.append("representative")
        if any(c.get("contractor") == key for c in self.contracts.values()):
            roles.append("contractor")
        return roles

    def insurance_number(self, person: Facts) -> str | None:
        """The insurance number on record, or one derived from the national code for the insured."""
        if person.get("insurance_number"):
            return str(person["insurance_number"])
        if person.get("contribution_days") or person.get("pension"):
            return "11" + person["national_code"][2:]
        return None

    def registry_relation(self, main: Facts, other: Facts) -> str | None:
        """How the registry relates another person to the main insured."""
        if other.get("parent") == main["key"]:
            return "child"
        if other.get("child") == main["key"]:
            return "father" if other.get("gender", "male") == "male" else "mother"
        if other.get("spouse_of") == main["national_code"]:
            return "spouse"
        for dep in main.get("dependents", []):
            if dep["national_code"] == other["national_code"]:
                return dep["relation"]
        return None

    # --- numbers, links, events --------------------------------------------------------------------

    def number(self, prefix: str, width: int = 6) -> str:
        """A fresh document number like PREFIX-1405-000123."""
        return f"{prefix}-{self.today().year}-{self.state.next():0{width}d}"

    def url(self, path: str) -> str:
        """A public URL of the simulator."""
        return f"{self.public_base}{path}"

    def verify_url(self, code: str) -> str:
        """Where a partner organization checks a certificate: the bot's public page when it is known."""
        return f"{self.verify_base}/verify/{code}"

    def new_payment(self, purpose: str, amount: int, target: Facts) -> Payment:
        """A pending payment order with its gateway link."""
        payment_id = f"PAY-{self.state.next():08d}"
        payment = Payment(payment_id=payment_id, purpose=purpose, amount=amount, state="pending",
                          payment_url=self.url(f"/pay/{payment_id}"), created_on=cal.fmt(self.today()))
        self.state.payments[payment_id] = payment
        self.state.payment_targets[payment_id] = target
        return payment

    def emit(self, type_: str, **payload: Any) -> Event:
        """Record an event for pollers."""
        event = Event(id=str(len(self.state.events) + 1), type=type_,
                      occurred_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                      payload={"date": cal.fmt(self.today()), **payload})
        self.state.events.append(event)
        return event
