"""Validating entity extractors: each takes raw or normalized text and returns a normalized value or None."""

from __future__ import annotations

import re
from typing import Any

from . import amounts, dates, ids
from .ids import check_national_code, check_sheba
from .normalize import normalize, normalize_with_offsets

__all__ = [
    "amount_rial", "check_national_code", "check_sheba", "contract_number", "date", "find_entities",
    "gregorian_date", "insurance_number", "jalali_date", "mobile", "months", "national_code",
    "relation", "sheba", "validate", "why", "workshop_code", "yes_no",
]

_CODE_HINT = re.compile(r"(کد|شماره)\s?ملی|ملی|code\s?melli|codemelli|melli|national")
_WORKSHOP_HINT = re.compile(r"کارگاه|kargah|kargah|workshop")
_INSURANCE_HINT = re.compile(r"(شماره|کد)\s?بیمه|bime|bimeh|insurance")
_MONEY_HINT = re.compile(r"مبلغ|بدهی|واریز|پرداخت|قسط|حقوق|مستمری|ریال|تومان|تومن|mablagh|pool|pul|bedehi")

YES = {"بله", "بلی", "آره", "اره", "آری", "باشه", "حتما", "تایید", "درسته", "صحیحه", "اوکی", "قبول", "موافقم",
       "البته", "چرا", "yes", "y", "yeah", "yep", "ok", "okay", "baleh", "bale", "bali", "are", "areh", "aare",
       "ari", "bashe", "basheh", "hatman", "taeed", "tayid", "dorosteh", "doroste", "oke", "okey"}
NO = {"نه", "خیر", "نخیر", "نچ", "نمی‌خوام", "نمیخوام", "مخالفم", "no", "n", "nope", "na", "nah", "nakheir",
      "nakheyr", "nakhair", "kheir", "kheyr", "nemikham", "nch"}
RELATIONS: dict[str, str] = {
    "همسر": "همسر", "همسرم": "همسر", "زن": "همسر", "زنم": "همسر", "خانمم": "همسر", "شوهر": "همسر",
    "شوهرم": "همسر", "عیال": "همسر", "hamsar": "همسر", "hamsaram": "همسر", "zanam": "همسر",
    "فرزند": "فرزند", "فرزندم": "فرزند", "فرزندان": "فرزند", "بچه": "فرزند", "بچم": "فرزند",
    "بچه‌ام": "فرزند", "بچه‌هام": "فرزند", "پسر": "فرزند", "پسرم": "فرزند", "دختر": "فرزند",
    "دخترم": "فرزند", "farzand": "فرزند", "farzandam": "فرزند", "bache": "فرزند", "pesaram": "فرزند",
    "dokhtaram": "فرزند", "پدر": "پدر", "پدرم": "پدر", "بابا": "پدر", "بابام": "پدر", "pedar": "پدر",
    "pedaram": "پدر", "baba": "پدر", "babam": "پدر", "مادر": "مادر", "مادرم": "مادر", "مامان": "مادر",
    "مامانم": "مادر", "madar": "مادر", "madaram": "مادر", "maman": "مادر", "mamanam": "مادر",
}
_WORD = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)*")


def _n(text: str) -> str:
    """Normalize defensively (extractors accept raw or normalized text)."""
    return normalize(text if isinstance(text, str) else str(text))


def _first(spans: list[Any]) -> Any:
    """Value of the first span, or None."""
    return spans[0][2] if spans else None


def _lenient(norm: str) -> bool:
    """Is an 8–9 digit number clearly meant as a national code (alone, or named as one)?"""
    return bool(_CODE_HINT.search(norm)) or bool(re.fullmatch(r"[\d \-]{8,12}", norm))


def national_code(text: str) -> str | None:
    """A valid 10-digit national code (کد ملی), or None."""
    norm = _n(text)
    return _first(ids.find_national_codes(norm, lenient=_lenient(norm)))


def mobile(text: str) -> str | None:
    """An Iranian mobile number as 09XXXXXXXXX, or None."""
    return _first(ids.find_mobiles(_n(text)))


def sheba(text: str) -> str | None:
    """A valid Iranian IBAN as IR + 24 digits, or None."""
    return _first(ids.find_shebas(_n(text)))


def workshop_code(text: str) -> str | None:
    """A 10-digit workshop code (کد کارگاه), or None."""
    return _first(ids.find_ten_digits(_n(text)))


def insurance_number(text: str) -> str | None:
    """A 10-digit insurance number (شماره بیمه), or None."""
    return _first(ids.find_ten_digits(_n(text)))


def contract_number(text: str) -> str | None:
    """A contract number like 1404-3817, or None."""
    return _first(ids.find_contracts(_n(text)))


def jalali_date(text: str) -> str | None:
    """A Jalali date as YYYY-MM-DD (Gregorian input is converted), or None."""
    d = date(text)
    return d["jalali"] if d else None


def gregorian_date(text: str) -> str | None:
    """A date as Gregorian ISO YYYY-MM-DD (Jalali input is converted), or None."""
    d = date(text)
    return d["gregorian"] if d else None


def date(text: str) -> dict[str, str] | None:
    """The first valid date: {"calendar", "jalali", "gregorian"}, or None."""
    found = dates.find_dates(_n(text))
    if not found:
        return None
    _, _, cal, iso = found[0]
    try:
        if cal == "jalali":
            return {"calendar": "jalali", "jalali": iso, "gregorian": dates.to_gregorian(iso)}
        return {"calendar": "gregorian", "jalali": dates.to_jalali(iso), "gregorian": iso}
    except (ValueError, OverflowError):
        return None


def amount_rial(text: str) -> int | None:
    """A money amount in ریال (تومان ×10), or None."""
    best = amounts.best_amount(_n(text))
    return best[2] if best else None


def months(text: str) -> int | None:
    """A duration in months («۲۱ ماه», «1 سال و 9 ماه», «بیست و یک»), or None."""
    return _first(amounts.find_months(_n(text)))


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when neither (the first polar word wins)."""
    for m in _WORD.finditer(_n(text)):
        w = m.group()
        if w in YES:
            return True
        if w in NO:
            return False
    return None


def relation(text: str) -> str | None:
    """A family relation (همسر, فرزند, پدر, مادر), or None."""
    for m in _WORD.finditer(_n(text)):
        if m.group() in RELATIONS:
            return RELATIONS[m.group()]
    return None


def why(kind: str, text: str) -> str | None:
    """Why a value of this kind is missing or invalid ("missing", "length", "checksum", ...); None if fine."""
    norm = _n(text)
    digits = re.sub(r"\D", "", norm)
    if kind == "national_code":
        if national_code(norm):
            return None
        return check_national_code(digits) if digits else "missing"
    if kind == "sheba":
        if sheba(norm):
            return None
        if not digits:
            return "missing"
        m = re.search(r"([a-z]{2})?[ \-]?[\d \-]{10,}", norm)
        return check_sheba(m.group(0) if m else digits)
    if kind == "mobile":
        return None if mobile(norm) else ("length" if digits else "missing")
    if kind == "date":
        if date(norm):
            return None
        return "invalid" if digits else "missing"
    getter = VALIDATORS.get(kind)
    if getter is None:
        return None
    return None if getter(norm) is not None else ("invalid" if digits else "missing")


VALIDATORS = {
    "national_code": national_code, "mobile": mobile, "sheba": sheba, "workshop_code": workshop_code,
    "insurance_number": insurance_number, "contract_number": contract_number, "date": jalali_date,
    "amount": amount_rial, "months": months, "relation": relation,
}


def validate(entity: str, span_text: str) -> Any:
    """Validated value of a span for a known entity type; the span itself for unknown types."""
    fn = VALIDATORS.get(entity)
    return span_text if fn is None else fn(span_text)


def _ten_digit_kind(norm: str, start: int) -> str | None:
    """Name a 10-digit number by the words just before it."""
    before = norm[max(0, start - 30):start]
    if _WORKSHOP_HINT.search(before):
        return "workshop_code"
    if _INSURANCE_HINT.search(before):
        return "insurance_number"
    if _CODE_HINT.search(before):
        return "national_code"
    return None


def find_spans(norm: str) -> list[tuple[int, int, str, Any]]:
    """Rule-based entities in normalized text as (start, end, entity, value), non-overlapping."""
    cands: list[tuple[int, int, str, Any]] = []
    cands += [(s, e, "sheba", v) for s, e, v in ids.find_shebas(norm)]
    cands += [(s, e, "mobile", v) for s, e, v in ids.find_mobiles(norm)]
    lenient = bool(re.fullmatch(r"[\d \-]{8,12}", norm))
    codes = ids.find_national_codes(norm, lenient=lenient or bool(_CODE_HINT.search(norm)))
    for s, e, v in codes:
        kind = _ten_digit_kind(norm, s)
        cands.append((s, e, kind if kind in ("workshop_code", "insurance_number") else "national_code", v))
    for s, e, v in ids.find_ten_digits(norm):
        kind = _ten_digit_kind(norm, s)
        if kind in ("workshop_code", "insurance_number"):
            cands.append((s, e, kind, v))
    for s, e, cal, iso in dates.find_dates(norm):
        value = iso if cal == "jalali" else dates.to_jalali(iso)
        cands.append((s, e, "date", value))
    cands += [(s, e, "contract_number", v) for s, e, v in ids.find_contracts(norm)]
    money = bool(_MONEY_HINT.search(norm))
    for s, e, v, strength in amounts.find_amounts(norm):
        if strength > 0 or (money and v >= 1000):
            cands.append((s, e, "amount", v))
    cands += [(s, e, "months", v) for s, e, v in amounts.find_months(norm, bare=False)]
    for m in _WORD.finditer(norm):
        if m.group() in RELATIONS:
            cands.append((m.start(), m.end(), "relation", RELATIONS[m.group()]))
    taken: list[tuple[int, int, str, Any]] = []
    for c in cands:  # earlier kinds have priority
        if all(c[1] <= t[0] or c[0] >= t[1] for t in taken):
            taken.append(c)
    return sorted(taken)


def rasa_date(entity: dict[str, Any]) -> dict[str, Any]:
    """A date entity in Rasa's duckling shape: an ISO 8601 Gregorian ``value``, the Jalali date beside it."""
    jalali = entity.get("value")
    if entity.get("entity") != "date" or not isinstance(jalali, str):
        return entity
    try:
        gregorian = dates.to_gregorian(jalali)
    except (ValueError, OverflowError):
        return entity
    iso = f"{gregorian}T00:00:00.000+03:30"
    one = {"grain": "day", "type": "value", "value": iso}
    entity["value"] = iso
    entity["additional_info"] = {**one, "values": [one], "jalali": jalali, "gregorian": gregorian}
    return entity


def find_entities(text: str) -> list[dict[str, Any]]:
    """Rule-based entities with start/end indexing the original text (Rasa entity dicts)."""
    norm, idx = normalize_with_offsets(text)
    out = []
    for s, e, entity, value in find_spans(norm):
        start, end = idx[s], idx[e - 1] + 1
        out.append(rasa_date({"start": start, "end": end, "value": value, "entity": entity,
                              "confidence_entity": 1.0, "extractor": "TaminRegexExtractor"}))
    return out
