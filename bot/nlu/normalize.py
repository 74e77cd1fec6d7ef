"""Persian text normalization: letters, digits, ZWNJ, spacing, noise; optionally keeps an offset map."""

from __future__ import annotations

import re
from collections.abc import Callable

from basics.digits import ARABIC, PERSIAN, to_ascii, to_persian

ZWNJ = "\u200c"

_PERSIAN_DIGITS, _ARABIC_DIGITS = PERSIAN, ARABIC

# One-to-one character substitutions (length preserving, so offsets stay valid).
_CHAR_MAP: dict[int, str] = {
    **{ord(k): v for k, v in {
        "ي": "ی", "ى": "ی", "ئ": "ئ", "ے": "ی", "ۍ": "ی", "ې": "ی",
        "ك": "ک", "ڪ": "ک", "ګ": "گ",
        "ة": "ه", "ۀ": "ه", "ہ": "ه", "ە": "ه", "ھ": "ه",
        "أ": "ا", "إ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "،": ",", "؛": ";", "؟": "?", "٫": ".", "٬": ",", "٪": "%",
        "\t": " ", "\n": " ", "\r": " ", "\u00a0": " ", "\u3000": " ", "\u202f": " ", "\u2028": " ",
        "\u2029": " ", "\u000b": " ", "\u000c": " ",
    }.items()},
    **{c: " " for c in range(0x2000, 0x200B)},
    **{ord(c): str(i) for i, c in enumerate(_PERSIAN_DIGITS)},
    **{ord(c): str(i) for i, c in enumerate(_ARABIC_DIGITS)},
    **{c: chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
}
_TRANS = str.maketrans(_CHAR_MAP)

# Deleted outright: C0/C1 controls, zero-width junk other than ZWNJ, bidi marks, diacritics, tatweel.
_JUNK = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\u200d-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    "\u064b-\u065f\u0670\u06d6-\u06ed\u0640\ud800-\udfff\ufe00-\ufe0f]+"
)
_LETTER = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0622a-z"
_FA = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0622"
_REPEAT = re.compile(f"([{_LETTER}])\\1{{2,}}")
_SPACES = re.compile(r" {2,}")
_ZWNJ_RUN = re.compile(f"{ZWNJ}{{2,}}")
_ZWNJ_BAD = re.compile(f" ?{ZWNJ}(?= )|(?<= ){ZWNJ}|^{ZWNJ}+|{ZWNJ}+$|(?<![{_FA}]){ZWNJ}|{ZWNJ}(?![{_FA}])")
_MI_SPACED = re.compile(f"(?<![{_LETTER}{ZWNJ}])(ن?می)[ {ZWNJ}]+(?=[{_FA}])")
_MI_JOINED = re.compile(f"(?<![{_LETTER}{ZWNJ}])(ن?می)(?=([{_FA}]{{2,}}))")
_SUFFIX = re.compile(
    f"(?<=[{_FA}])[ {ZWNJ}]+(هایی|هایم|هایت|هایش|هامون|هاتون|هاشون|های|ها|ترین|تر|ایم|اید|اند|ام|ات|اش|ای)(?![{_FA}])"
)
_NOT_VERBS = frozenset(
    "میز میزان میل میلی میلیون میلیارد میلیاردی میوه میدان میدون میراث میهن میهمان میزبان میانگین میان میانه "
    "میگو میمون میلاد میلادی میکروب میرزا میعاد میکس میکروفون میلیمتر میخ میش میر میم میگرن میزگرد میسر "
    "میکرو میکروبی میلیونی میانی میتوان میقات میثاق".split()
)
_WORD_SUFFIX = re.compile("(‌?ها|‌?های|ی)$")

Offsets = list[int] | None


def _sub(pat: re.Pattern[str], repl: Callable[[re.Match[str]], str], s: str, idx: Offsets) -> tuple[str, Offsets]:
    """Regex substitution that also carries each output char's original offset."""
    if idx is None:
        return pat.sub(repl, s), None
    out: list[str] = []
    oidx: list[int] = []
    last = 0
    end_pos = idx[-1] + 1 if idx else 0
    for m in pat.finditer(s):
        out.append(s[last:m.start()])
        oidx.extend(idx[last:m.start()])
        r = repl(m)
        out.append(r)
        n = m.end() - m.start()
        for k in range(len(r)):
            p = m.start() + min(k, n - 1) if n else m.start()
            oidx.append(idx[p] if p < len(idx) else end_pos)
        last = m.end()
    out.append(s[last:])
    oidx.extend(idx[last:])
    return "".join(out), oidx


def _mi_joined(m: re.Match[str]) -> str:
    """Insert ZWNJ after a joined «می»/«نمی» verb prefix unless the word is a known noun."""
    word = "می" + m.group(2)
    if m.group(1) == "می" and word in _NOT_VERBS or _WORD_SUFFIX.sub("", word) in _NOT_VERBS:
        return m.group(1)
    return m.group(1) + ZWNJ


def _suffix(m: re.Match[str]) -> str:
    """Attach a plural/possessive/comparative suffix with ZWNJ (ای only after ه)."""
    suf = m.group(1)
    if suf == "ای" and m.string[m.start() - 1] != "ه":
        return m.group(0)
    return ZWNJ + suf


def _pipeline(text: str, track: bool) -> tuple[str, Offsets]:
    """Run every normalization step; track offsets when asked."""
    if not isinstance(text, str):
        text = str(text)
    idx: Offsets = list(range(len(text))) if track else None
    s = text.translate(_TRANS)
    s, idx = _sub(_JUNK, lambda m: "", s, idx)
    s, idx = _sub(_REPEAT, lambda m: m.group(1), s, idx)
    s, idx = _sub(_SPACES, lambda m: " ", s, idx)
    if s.startswith(" ") or s.endswith(" "):
        lead = len(s) - len(s.lstrip(" "))
        stripped = s.strip(" ")
        if idx is not None:
            idx = idx[lead:lead + len(stripped)]
        s = stripped
    if ZWNJ in s:
        s, idx = _sub(_ZWNJ_RUN, lambda m: ZWNJ, s, idx)
    if "می" in s:
        s, idx = _sub(_MI_SPACED, lambda m: m.group(1) + ZWNJ, s, idx)
        s, idx = _sub(_MI_JOINED, _mi_joined, s, idx)
    s, idx = _sub(_SUFFIX, _suffix, s, idx)
    if ZWNJ in s:
        s, idx = _sub(_ZWNJ_BAD, lambda m: " " if m.group(0).startswith(" ") else "", s, idx)
        s, idx = _sub(_SPACES, lambda m: " ", s, idx)
    return s, idx


def normalize(text: str) -> str:
    """Return the canonical form of a user's message (never raises)."""
    try:
        return _pipeline(text, False)[0]
    except Exception:  # pragma: no cover - defensive: normalization must never break a turn
        return str(text)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalize and return, for each output character, its offset in the original text."""
    try:
        s, idx = _pipeline(text, True)
        return s, idx or []
    except Exception:  # pragma: no cover
        return str(text), list(range(len(str(text))))


def to_ascii_digits(s: str) -> str:
    """Turn Persian and Arabic-Indic digits into ASCII digits."""
    return to_ascii(s)


def to_persian_digits(s: str) -> str:
    """Turn ASCII (and Arabic-Indic) digits into Persian digits."""
    return to_persian(s)
