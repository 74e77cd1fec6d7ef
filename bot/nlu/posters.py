"""The organization's own service numbers («خدمت شماره ۱۲», «۱۰۵», «۱-۵») mapped to their services.

The numbers come from the knowledge base (``data/knowledge/services.fa.yml``: each service's
``poster``), so the NLU, the console guide and the posters never disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from basics.digits import to_ascii
from basics.yamlload import load_yaml

# «خدمت شماره ۱۲», «سرویس ۸۵», «khedmat 105», «خدمت ۱-۵»: the word, an optional «شماره», the number
_NAMED = re.compile(
    r"(?:خدمت|خدمات|سرویس|khedmat|khedmate|service)\s*(?:شماره|شماره‌ی|شمارهٔ|نمره|shomare|shomareh|no\.?|#)?\s*"
    r"(\d{1,3}(?:\s*[-/_]\s*\d{1,3})?)(?!\d)"
)
# a message that is the number and nothing else («۱۰۵», «۱-۵», «12.»)
_BARE = re.compile(r"^\s*(\d{1,3}(?:\s*[-/_]\s*\d{1,3})?)\s*[.!?؟]*\s*$")


def _key(number: str) -> str:
    """One spelling of a poster number: ASCII digits, hyphenated, no spaces («۵/۱» → «5-1»)."""
    return re.sub(r"\s*[-/_]\s*", "-", to_ascii(number).strip())


class PosterIndex:
    """Poster number → service (intent) name."""

    def __init__(self, numbers: dict[str, str]) -> None:
        self.numbers: dict[str, str] = {}
        for number, service in numbers.items():
            key = _key(number)
            if not key:
                continue
            self.numbers[key] = service
            if "-" in key:  # «۱-۵» typed in a right-to-left field often arrives as «5-1»
                self.numbers.setdefault("-".join(reversed(key.split("-"))), service)

    @classmethod
    def from_knowledge(cls, path: str | Path) -> PosterIndex:
        """The index of the knowledge base's ``services[].poster`` numbers (empty if the file is missing)."""
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
        except OSError:
            return cls({})
        return cls({str(s.get("poster") or ""): str(s["id"]) for s in data.get("services", []) if s.get("id")})

    def service(self, text: str, *, bare: bool = True) -> str | None:
        """The service a message names by its poster number, or None.

        ``text`` should be normalized (ASCII digits). A number alone counts only when ``bare``.
        """
        text = to_ascii(text or "")
        m = _NAMED.search(text)
        if m and _key(m.group(1)) in self.numbers:
            return self.numbers[_key(m.group(1))]
        if bare:
            m = _BARE.match(text)
            if m:
                return self.numbers.get(_key(m.group(1)))
        return None

    def number_of(self, service: str) -> str | None:
        """The poster number of a service («1-5»), or None."""
        return next((k for k, v in self.numbers.items() if v == service), None)
