"""What a certificate says: the rows (label, value) of its sections, from the back-end's data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from integrations.tamin.certificates.formatting import (
    CertificateError,
    fa_date,
    fa_digits,
    fa_number,
    present,
    truthy,
)
from integrations.tamin.certificates.wording import Labels

Rows = list[tuple[str, str]]


def holder_rows(t: Labels, data: Mapping[str, Any]) -> Rows:
    """The holder's name and national code."""
    rows = []
    name = " ".join(str(data[k]).strip() for k in ("first_name", "last_name") if present(data, k))
    if name:
        rows.append((t("field.name"), name))
    if present(data, "national_code"):
        rows.append((t("field.national_code"), fa_digits(str(data["national_code"]).strip())))
    return rows


def _choice(t: Labels, group: str, value: object) -> str:
    key = str(value).strip().lower()
    if not t.has(f"{group}.{key}"):
        raise CertificateError(f"unknown {group.rsplit('.', 1)[-1]}: {value!r}")
    return t(f"{group}.{key}")


def _rows(t: Labels, kind: str, data: Mapping[str, Any], fields: list[tuple[str, Callable[[object], str]]]) -> Rows:
    return [(t(f"{kind}.field.{k}"), fmt(data[k])) for k, fmt in fields if present(data, k)]


def pension_rows(t: Labels, data: Mapping[str, Any]) -> Rows:
    """A pension certificate's facts."""
    return _rows(t, "pension", data, [
        ("kind", lambda v: _choice(t, "pension.kind", v)),
        ("status", lambda v: _choice(t, "pension.status", v)),
        ("pension_number", lambda v: fa_digits(str(v).strip())),
        ("monthly_amount", lambda v: t("amount", amount=fa_number(v))),
        ("last_payment_date", fa_date),
        ("last_payment_amount", lambda v: t("amount", amount=fa_number(v))),
    ])


def insurance_rows(t: Labels, data: Mapping[str, Any]) -> Rows:
    """An insurance-relationship certificate's facts, the insurance kind among them."""
    return _rows(t, "insurance", data, [
        ("insured_now", lambda v: t("insurance.insured_now.yes" if truthy(v) else "insurance.insured_now.no")),
        ("insurance_kind", lambda v: _choice(t, "insurance.kind", v)),
        ("workshop_name", lambda v: fa_digits(str(v).strip())),
        ("workshop_code", lambda v: fa_digits(str(v).strip())),
        ("insured_since", fa_date),
        ("last_insured_until", fa_date),
        ("contribution_days", lambda v: t("days", days=fa_number(v))),
        ("insurance_number", lambda v: fa_digits(str(v).strip())),
    ])


def article38_rows(t: Labels, data: Mapping[str, Any]) -> Rows:
    """An Article 38 settlement certificate's facts: the contract, its parties, and that it is settled."""
    text = lambda v: fa_digits(str(v).strip())  # noqa: E731
    return _rows(t, "article38", data, [
        ("number", text), ("contract_no", text), ("subject", text), ("contractor_name", text),
        ("employer_name", text), ("employer_workshop", text),
    ]) + [(t("article38.field.state"), t("article38.state.issued"))]


def voluntary_rows(t: Labels, data: Mapping[str, Any]) -> Rows:
    """A voluntary insurance contract: its figures, its start, and each of its terms."""
    rows = _rows(t, "voluntary", data, [
        ("contract_number", lambda v: fa_digits(str(v).strip())),
        ("monthly_wage", lambda v: t("amount", amount=fa_number(v))),
        ("monthly_premium", lambda v: t("amount", amount=fa_number(v))),
        ("starts_on", fa_date),
    ])
    terms = data.get("terms") or []
    return rows + [(t("voluntary.field.term", n=fa_digits(str(i))), fa_digits(str(term)))
                   for i, term in enumerate(terms, start=1)]


FACTS: dict[str, Callable[[Labels, Mapping[str, Any]], Rows]] = {"pension": pension_rows, "insurance": insurance_rows,
                                                               "article38": article38_rows, "voluntary": voluntary_rows}
