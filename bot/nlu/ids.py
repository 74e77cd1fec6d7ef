"""Digit-string identifiers: national code, mobile, IBAN (شبا), workshop/insurance/contract numbers."""

from __future__ import annotations

import re
from typing import Literal

from basics.mobile import normalize_mobile

Span = tuple[int, int, str]  # start, end (in the normalized text), normalized value

_CHUNK = re.compile(r"\d+")
_SEPS = {" ", "-", "_", "/"}
NationalReason = Literal["ok", "length", "checksum", "repeated"]
ShebaReason = Literal["ok", "length", "checksum", "country"]


def digit_runs(norm: str, max_digits: int = 26) -> list[Span]:
    """All runs of digit chunks joined by single separators, longest first at each start."""
    chunks = [(m.start(), m.end()) for m in _CHUNK.finditer(norm)]
    out: list[Span] = []
    for i in range(len(chunks)):
        digits = ""
        for j in range(i, len(chunks)):
            if j > i:
                gap = norm[chunks[j - 1][1]:chunks[j][0]]
                if not (len(gap) == 1 and gap in _SEPS or gap in (" - ", "- ", " -")):
                    break
            digits += norm[chunks[j][0]:chunks[j][1]]
            if len(digits) > max_digits:
                break
            out.append((chunks[i][0], chunks[j][1], digits))
    return out


def _non_overlapping(spans: list[Span]) -> list[Span]:
    """Keep the longest, leftmost spans that do not overlap."""
    spans = sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0]))
    taken: list[Span] = []
    for s in spans:
        if all(s[1] <= t[0] or s[0] >= t[1] for t in taken):
            taken.append(s)
    return sorted(taken)


def check_national_code(s: str) -> NationalReason:
    """Why a 10-digit national code is (in)valid: ok, length, checksum or repeated."""
    d = re.sub(r"\D", "", s)
    if len(d) != 10:
        return "length"
    if len(set(d)) == 1:
        return "repeated"
    total = sum(int(d[i]) * (10 - i) for i in range(9)) % 11
    check = int(d[9])
    ok = check == total if total < 2 else check == 11 - total
    return "ok" if ok else "checksum"


def _isolated(norm: str, start: int, end: int) -> bool:
    """True when a digit run is not glued to more digits on either side."""
    return (start == 0 or not norm[start - 1].isdigit()) and (end == len(norm) or not norm[end].isdigit())


def find_national_codes(norm: str, lenient: bool = False) -> list[Span]:
    """National codes in normalized text; 8–9 digit forms only when lenient (clearly a code)."""
    found = []
    for s, e, d in digit_runs(norm, 10):
        if not _isolated(norm, s, e):
            continue
        if len(d) == 10 and check_national_code(d) == "ok":
            found.append((s, e, d))
        elif lenient and len(d) in (8, 9) and check_national_code(d.zfill(10)) == "ok":
            found.append((s, e, d.zfill(10)))
    return _non_overlapping(found)


def find_mobiles(norm: str) -> list[Span]:
    """Iranian mobile numbers as 09XXXXXXXXX."""
    found = []
    for s, e, d in digit_runs(norm, 14):
        plus = s > 0 and norm[s - 1] == "+"
        number = normalize_mobile(d)
        if number and _isolated(norm, s, e):
            found.append((s - 1 if plus else s, e, number))
    return _non_overlapping(found)


def _iban_ok(d24: str) -> bool:
    """ISO 13616 mod-97 check of an Iranian IBAN given its 24 digits."""
    return int(d24[2:] + "1827" + d24[:2]) % 97 == 1


def check_sheba(s: str) -> ShebaReason:
    """Why an IBAN (شبا) is (in)valid: ok, length, checksum or country."""
    t = re.sub(r"[\s\-]", "", s).upper()
    if t[:2].isalpha() and t[:2] != "IR":
        return "country"
    d = t[2:] if t.startswith("IR") else t
    if not (d.isascii() and d.isdigit()) or len(d) != 24:
        return "length"
    return "ok" if _iban_ok(d) else "checksum"


_IR_BEFORE = re.compile(r"ir[ \-]?$")


def find_shebas(norm: str) -> list[Span]:
    """IBANs (IR + 24 digits, prefix optional) that pass mod-97."""
    found = []
    for s, e, d in digit_runs(norm, 24):
        if len(d) != 24 or not _isolated(norm, s, e) or not _iban_ok(d):
            continue
        m = _IR_BEFORE.search(norm[max(0, s - 3):s])
        start = s - len(m.group(0)) if m else s
        found.append((start, e, "IR" + d))
    return _non_overlapping(found)


def find_ten_digits(norm: str) -> list[Span]:
    """Plain 10-digit numbers (workshop code, insurance number)."""
    return _non_overlapping([(s, e, d) for s, e, d in digit_runs(norm, 10)
                             if len(d) == 10 and _isolated(norm, s, e)])


_CONTRACT = re.compile(r"(?<![\d/\-])(1[34]\d\d)\s?[-/]\s?(\d{2,8})(?![\d]|[-/]\d)")


def find_contracts(norm: str) -> list[Span]:
    """Contract numbers shaped like 1404-3817."""
    return [(m.start(), m.end(), f"{m.group(1)}-{m.group(2)}") for m in _CONTRACT.finditer(norm)]
