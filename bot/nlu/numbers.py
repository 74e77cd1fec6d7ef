"""Persian (and Finglish) number words to integers: «دو میلیون و پانصد هزار» → 2500000."""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "چار": 4, "پنج": 5, "شش": 6, "شیش": 6,
    "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14,
    "پانزده": 15, "پونزده": 15, "شانزده": 16, "شونزده": 16, "هفده": 17, "هیفده": 17, "هجده": 18,
    "هیجده": 18, "هژده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60,
    "هفتاد": 70, "هشتاد": 80, "نود": 90, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400,
    "پانصد": 500, "پونصد": 500, "ششصد": 600, "شیشصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
    "yek": 1, "ye": 1, "do": 2, "se": 3, "chahar": 4, "char": 4, "panj": 5, "shesh": 6, "shish": 6,
    "haft": 7, "hasht": 8, "noh": 9, "nooh": 9, "dah": 10, "davazdah": 12, "bist": 20, "si": 30,
    "chehel": 40, "panjah": 50, "shast": 60, "haftad": 70, "hashtad": 80, "navad": 90, "devist": 200,
    "sisad": 300, "pansad": 500, "poonsad": 500, "punsad": 500,
}
HUNDRED = {"صد": 100, "sad": 100}
MULTIPLIERS: dict[str, int] = {
    "هزار": 1_000, "میلیون": 1_000_000, "ملیون": 1_000_000, "میلیارد": 1_000_000_000,
    "ملیارد": 1_000_000_000, "hezar": 1_000, "hezaar": 1_000, "million": 1_000_000, "milion": 1_000_000,
    "milyon": 1_000_000, "melyun": 1_000_000, "melyoon": 1_000_000, "milyard": 1_000_000_000,
    "miliard": 1_000_000_000, "milliard": 1_000_000_000, "billion": 1_000_000_000,
}
AND = {"و", "o", "va"}
_NUM = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d{1,3}(?:\.\d{3})+$|^\d+(?:\.\d+)?$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}\.\d{3}$")


def is_number_token(tok: str) -> bool:
    """True for a digit group or a number word."""
    return bool(_NUM.match(tok)) or tok in UNITS or tok in HUNDRED or tok in MULTIPLIERS


def token_value(tok: str, decimal: bool = False) -> float | None:
    """Numeric value of a digit token, or None; «1.500» is 1500 unless decimal (then 1.5)."""
    if _NUM.match(tok):
        if _DOT_THOUSANDS.match(tok) and not (decimal and tok.count(".") == 1):  # «500.000.000», «50.000»: dots as thousands separators
            return float(tok.replace(".", ""))
        return float(tok.replace(",", ""))
    return None


def words_to_number(tokens: list[str]) -> int | None:
    """Fold a run of number tokens (digits, words, «و») into one integer."""
    total = 0.0
    current = 0.0
    seen = False
    for k, tok in enumerate(tokens):
        if tok in AND:
            continue
        v = token_value(tok, decimal=k + 1 < len(tokens) and tokens[k + 1] in MULTIPLIERS)
        if v is not None:
            current += v
            seen = True
        elif tok in UNITS:
            current += UNITS[tok]
            seen = True
        elif tok in HUNDRED:
            current = (current or 1) * 100
            seen = True
        elif tok in MULTIPLIERS:
            total += (current or 1) * MULTIPLIERS[tok]
            current = 0
            seen = True
        else:
            return None
    if not seen:
        return None
    return int(round(total + current))
