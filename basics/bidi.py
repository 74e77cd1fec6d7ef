"""Mixed-direction text: every Latin or number run isolated (U+2068 … U+2069), so it reads right in Persian.

«بدهی D2: ۱۱۸٬۵۰۰٬۰۰۰ ریال», a contract «۱۴۰۴-۳۸۱۷», a code «TA-7K2Q-9XPM», a masked mobile «۰۹۱۲***۱۱۳»
or a grouped Sheba «IR06 0170 … 12» each stay one left-to-right run where they stand. The web page does the
same with ``<bdi>`` (``bot/channels/templates/chat.html``).
"""

from __future__ import annotations

import re

FSI, PDI = "\u2068", "\u2069"
_D = "0-9۰-۹٠-٩"
_SHEBA = rf"IR[{_D}]{{2}}(?: [{_D}]{{4}}){{5}} [{_D}]{{2}}"  # an IBAN as printed: IR and groups of four
_RUN = re.compile(
    rf"{FSI}[^{PDI}]*{PDI}"  # isolated already: left as it is
    r"|https?://\S+"  # a link: never touched, or it would not open
    rf"|{_SHEBA}"
    rf"|[A-Za-z{_D}*…](?:[A-Za-z{_D}*…٬,._:/\-]*[A-Za-z{_D}*…])?",
    re.I,
)
_STEADY = re.compile(rf"[{_D}][{_D}٬,./:]*")  # digits, amounts, dates: they keep their order without isolates
_LATIN = re.compile(r"[A-Za-z0-9._:\-]+")  # all left-to-right: keeps its order inside a Persian line
_PERSIAN = re.compile(r"(?=[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff])[^\W\d_]")  # a Persian letter, not a digit


def _needed(m: re.Match[str]) -> bool:
    """Whether the run would lose its order unisolated (SMS): Persian digits joined by «-», «*» or «…», or
    Latin that would lay a Persian line out left to right (the first strong letter of that line)."""
    run = m.group(0)
    if _STEADY.fullmatch(run):
        return False
    if _LATIN.fullmatch(run):
        text, start, end = m.string, m.start(), m.end()
        before = text[text.rfind("\n", 0, start) + 1:start]
        after = text[end:text.find("\n", end) if "\n" in text[end:] else len(text)]
        return not _PERSIAN.search(before) and bool(_PERSIAN.search(after))
    return True


def isolate(text: str, *, only_needed: bool = False) -> str:
    """``text`` with its Latin and number runs wrapped in U+2068 … U+2069.

    ``only_needed`` (SMS, where each character costs) wraps only the runs that would read wrong bare:
    plain numbers, amounts and dates, and Latin inside a Persian line, stay as they are.
    """

    def wrap(m: re.Match[str]) -> str:
        run = m.group(0)
        if run.startswith((FSI, "http", "HTTP")) or (only_needed and not _needed(m)):
            return run
        return f"{FSI}{run}{PDI}"

    return _RUN.sub(wrap, text or "")


def bare(text: str) -> str:
    """``text`` without the isolates (for reading it back, as a person sees it)."""
    return (text or "").replace(FSI, "").replace(PDI, "")
