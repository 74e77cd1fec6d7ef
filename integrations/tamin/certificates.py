"""PDF certificates of the Social Security Organization: pension status and insurance relation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime
import yaml
from fpdf import FPDF

from basics import paths

__all__ = [
    "KINDS",
    "CertificateError",
    "display_code",
    "fa_date",
    "fa_digits",
    "fa_number",
    "render_certificate",
]

KINDS = ("pension", "insurance")
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "Vazirmatn"

# Page geometry (mm) and colours.
_PAGE_W = 210.0
_PAGE_H = 297.0
_MARGIN = 18.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN
_LABEL_W = 64.0
_NAVY = (12, 62, 120)
_GOLD = (196, 160, 72)
_INK = (33, 37, 41)
_MUTED = (96, 104, 112)
_ROW_FILL = (241, 245, 250)
_RULE = (206, 214, 224)

_FA_DIGITS = str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹")
_TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class CertificateError(ValueError):
    """The certificate cannot be made from the given kind and data."""


# --------------------------------------------------------------------------- texts


def _data_dir() -> Path:
    return paths.data_dir()


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from _flatten(value, full)
        else:
            yield full, str(value)


@lru_cache(maxsize=4)
def _load_texts(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return dict(_flatten(raw))


def _texts() -> dict[str, str]:
    return _load_texts(_data_dir() / "texts" / "certificate.fa.yml")


class _Texts:
    """Lookup of `certificate.*` keys with `str.format` fields."""

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    def __call__(self, key: str, **fields: str) -> str:
        full = f"certificate.{key}"
        try:
            template = self._table[full]
        except KeyError:
            raise CertificateError(f"missing text {full!r} in certificate.fa.yml") from None
        return template.format(**fields) if fields else template


# --------------------------------------------------------------------------- formatting


def fa_digits(value: object) -> str:
    """Return ``value`` as text with every digit written in Persian."""
    return str(value).translate(_FA_DIGITS)


def fa_number(value: object) -> str:
    """Format a whole number with Persian digits and the Persian thousands separator ٬."""
    if isinstance(value, bool):
        raise CertificateError(f"not a number: {value!r}")
    if isinstance(value, str):
        cleaned = value.translate(_TO_ASCII_DIGITS).replace(",", "").replace("٬", "").strip()
        try:
            value = int(cleaned)
        except ValueError:
            raise CertificateError(f"not a number: {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise CertificateError(f"not a whole number: {value!r}")
    return fa_digits(f"{value:,}").replace(",", "٬")


def fa_date(value: object) -> str:
    """Turn a Jalali ``YYYY-MM-DD`` string into ``۱۴۰۵/۰۸/۲۵``."""
    text = str(value).strip().translate(_TO_ASCII_DIGITS).replace("/", "-")
    parts = text.split("-")
    try:
        year, month, day = (int(p) for p in parts)
        jdatetime.date(year, month, day)  # validates the Jalali calendar
    except (TypeError, ValueError):
        raise CertificateError(f"not a Jalali YYYY-MM-DD date: {value!r}") from None
    return fa_digits(f"{year:04d}/{month:02d}/{day:02d}")


def _today_jalali() -> str:
    try:
        now = datetime.now(ZoneInfo("Asia/Tehran"))
    except ZoneInfoNotFoundError:  # no time-zone database on this machine
        now = datetime.now()
    return jdatetime.date.fromgregorian(date=now.date()).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- facts


def _present(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _holder_rows(t: _Texts, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = []
    name = " ".join(str(data[k]).strip() for k in ("first_name", "last_name") if _present(data, k))
    if name:
        rows.append((t("field.name"), name))
    if _present(data, "national_code"):
        rows.append((t("field.national_code"), fa_digits(str(data["national_code"]).strip())))
    return rows


def _choice(t: _Texts, group: str, value: object) -> str:
    key = str(value).strip().lower()
    try:
        return t(f"{group}.{key}")
    except CertificateError:
        raise CertificateError(f"unknown {group.rsplit('.', 1)[-1]}: {value!r}") from None


def _pension_rows(t: _Texts, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    fields: list[tuple[str, Callable[[object], str]]] = [
        ("kind", lambda v: _choice(t, "pension.kind", v)),
        ("status", lambda v: _choice(t, "pension.status", v)),
        ("pension_number", lambda v: fa_digits(str(v).strip())),
        ("monthly_amount", lambda v: t("amount", amount=fa_number(v))),
        ("last_payment_date", fa_date),
        ("last_payment_amount", lambda v: t("amount", amount=fa_number(v))),
    ]
    return [(t(f"pension.field.{k}"), fmt(data[k])) for k, fmt in fields if _present(data, k)]


def _insurance_rows(t: _Texts, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    fields: list[tuple[str, Callable[[object], str]]] = [
        (
            "insured_now",
            lambda v: t("insurance.insured_now.yes" if _truthy(v) else "insurance.insured_now.no"),
        ),
        ("workshop_name", lambda v: fa_digits(str(v).strip())),
        ("workshop_code", lambda v: fa_digits(str(v).strip())),
        ("insured_since", fa_date),
        ("last_insured_until", fa_date),
        ("contribution_days", lambda v: t("days", days=fa_number(v))),
        ("insurance_number", lambda v: fa_digits(str(v).strip())),
    ]
    return [(t(f"insurance.field.{k}"), fmt(data[k])) for k, fmt in fields if _present(data, k)]


def display_code(code: str) -> str:
    """The verification code as printed: a numeric code in Persian digits, any other code as issued."""
    return fa_digits(code) if code.replace("-", "").replace(" ", "").isdigit() else code


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on", "بله"}
    return bool(value)


# --------------------------------------------------------------------------- drawing


def _greedy(sizes: list[float], space: float, room: float) -> list[tuple[int, int]]:
    """Spans of words that fill lines of width ``room`` one after another."""
    spans: list[tuple[int, int]] = []
    start, used = 0, 0.0
    for index, size in enumerate(sizes):
        if index > start and used + space + size > room:
            spans.append((start, index))
            start, used = index, size
        else:
            used = size if index == start else used + space + size
    spans.append((start, len(sizes)))
    return spans


class _Page(FPDF):
    """An A4 portrait page set up for Persian right-to-left text."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=False)
        self.c_margin = 2.5
        self.add_font(FONT, "", str(FONT_DIR / "Vazirmatn-Regular.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "Vazirmatn-Bold.ttf"))
        self.rtl()
        self.set_lang("fa")

    def rtl(self) -> None:
        """Shape text as Persian, right to left."""
        self.set_text_shaping(True, direction="rtl", language="fa")

    @contextmanager
    def ltr(self) -> Iterator[None]:
        """Shape text as Latin, left to right (codes and web addresses)."""
        self.set_text_shaping(True, direction="ltr")
        try:
            yield
        finally:
            self.rtl()

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def output_bytes(self) -> bytes:
        """Finish the document; skip font work whose result fpdf2 throws away anyway."""
        for font in self.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is None:
                continue
            # Glyph boxes are unchanged by subsetting: don't expand and recompile every glyph.
            ttfont.recalcBBoxes = False
            # fpdf2 drops the layout tables from the embedded subset (shaping already happened,
            # through HarfBuzz reading the font file), but fontTools would first decode them.
            for tag in ("GDEF", "GSUB", "GPOS"):
                if tag in ttfont:
                    del ttfont[tag]
        return bytes(self.output())

    def wrap(self, text: str, width: float, max_lines: int = 0) -> list[str]:
        """Break ``text`` at spaces into lines of even length no wider than ``width`` (current font)."""
        room = width - 2 * self.c_margin
        words = text.split()
        if not words:
            return [""]
        sizes = [self.get_string_width(word) for word in words]
        space = self.get_string_width(" ")
        count = len(_greedy(sizes, space, room))
        low, high = max(sizes), room
        if count > 1:  # the narrowest measure that still needs no more lines: balanced lines
            for _ in range(12):
                middle = (low + high) / 2
                if len(_greedy(sizes, space, middle)) <= count:
                    high = middle
                else:
                    low = middle
        lines = [" ".join(words[a:b]) for a, b in _greedy(sizes, space, max(high, max(sizes)))]
        if max_lines and len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and self.get_string_width(last + " …") > room:
                last = last[:-1]
            lines[-1] = last.rstrip() + " …"
        return lines

    def fit(self, text: str, width: float, size: float, smallest: float, bold: bool = False) -> None:
        """Choose the largest font size from ``size`` down to ``smallest`` at which ``text`` fits."""
        self.set_font(FONT, "B" if bold else "", size)
        while size > smallest and self.get_string_width(text) > width - 2 * self.c_margin:
            size = max(smallest, size * 0.9)
            self.set_font(FONT, "B" if bold else "", size)

    def lines(self, x: float, y: float, width: float, line_h: float, lines: list[str], align: str) -> float:
        """Write ready-broken ``lines`` one under the other; return the y below them."""
        for line in lines:
            self.set_xy(x, y)
            self.cell(width, line_h, line, align=align)
            y += line_h
        return y

    def line_at(self, y: float, x1: float, x2: float, color: tuple[int, int, int], width: float) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(x1, y, x2, y)


def _draw_header(pdf: _Page, t: _Texts, title: str, issued_on: str) -> float:
    pdf.set_fill_color(*_NAVY)
    pdf.rect(0, 0, _PAGE_W, 34, style="F")
    pdf.set_fill_color(*_GOLD)
    pdf.rect(0, 34, _PAGE_W, 1.2, style="F")

    pdf.set_xy(_MARGIN, 7)
    pdf.font(10.5, color=(214, 226, 240))
    pdf.cell(_CONTENT_W, 6, t("country"), align="C")
    pdf.set_xy(_MARGIN, 14)
    pdf.font(21, bold=True, color=(255, 255, 255))
    pdf.cell(_CONTENT_W, 13, t("org_name"), align="C")

    pdf.set_xy(_MARGIN, 44)
    pdf.font(18, bold=True, color=_NAVY)
    pdf.cell(_CONTENT_W, 11, title, align="C")

    pdf.set_xy(_MARGIN, 57)
    pdf.font(10.5, color=_MUTED)
    pdf.cell(_CONTENT_W, 6, t("issued_on", date=issued_on), align="C")
    return 70.0


def _draw_section(pdf: _Page, heading: str, rows: list[tuple[str, str]], y: float) -> float:
    right = _PAGE_W - _MARGIN
    pdf.set_xy(_MARGIN, y)
    pdf.font(13, bold=True, color=_NAVY)
    pdf.cell(_CONTENT_W, 8, heading, align="R")
    y += 8.5
    pdf.line_at(y, _MARGIN, right, _NAVY, 0.5)
    y += 1.5

    value_w = _CONTENT_W - _LABEL_W
    line_h = 6.2
    for index, (label, value) in enumerate(rows):
        pdf.font(12, bold=True)
        lines = pdf.wrap(value, value_w, max_lines=3)
        height = max(10.0, len(lines) * line_h + 3.8)
        if index % 2 == 0:
            pdf.set_fill_color(*_ROW_FILL)
            pdf.rect(_MARGIN, y, _CONTENT_W, height, style="F")

        pdf.set_xy(right - _LABEL_W, y)
        pdf.font(11, color=_MUTED)
        pdf.cell(_LABEL_W, height, label, align="R")

        pdf.font(12, bold=True)
        pdf.lines(_MARGIN, y + (height - len(lines) * line_h) / 2, value_w, line_h, lines, "R")
        y += height
    pdf.line_at(y, _MARGIN, right, _RULE, 0.3)
    return y + 8


def _draw_verification(pdf: _Page, t: _Texts, code: str, url: str, y: float) -> float:
    box_x = _MARGIN
    inner_w = _CONTENT_W - 16
    pdf.font(10.5, color=_INK)
    body_lines = pdf.wrap(t("verify.body"), inner_w)
    height = 14 + 17 + 4 + len(body_lines) * 6 + 2 + 8 + 6

    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(0.6)
    pdf.set_fill_color(250, 251, 253)
    pdf.rect(box_x, y, _CONTENT_W, height, style="DF", round_corners=True, corner_radius=3)

    pdf.set_xy(box_x, y + 5)
    pdf.font(12, bold=True, color=_NAVY)
    pdf.cell(_CONTENT_W, 7, t("verify.title"), align="C")

    pdf.set_xy(box_x, y + 14)
    pdf.set_text_color(*_INK)
    with pdf.ltr():
        pdf.fit(code, _CONTENT_W, 28, 12, bold=True)
        pdf.cell(_CONTENT_W, 15, code, align="C")

    pdf.font(10.5, color=_INK)
    below = pdf.lines(box_x + 8, y + 14 + 17 + 4, inner_w, 6, body_lines, "C")

    pdf.set_xy(box_x, below + 2)
    pdf.set_text_color(*_NAVY)
    with pdf.ltr():
        pdf.fit(url, _CONTENT_W, 12, 6)
        pdf.cell(_CONTENT_W, 8, url, align="C", link=url)
    return y + height + 8


def _draw_footer(pdf: _Page, t: _Texts) -> None:
    y = _PAGE_H - 20
    pdf.line_at(y, _MARGIN, _PAGE_W - _MARGIN, _RULE, 0.3)
    pdf.font(9, color=_MUTED)
    pdf.lines(_MARGIN, y + 2.5, _CONTENT_W, 5, pdf.wrap(t("footer"), _CONTENT_W), "C")


def render_certificate(kind: str, data: dict) -> bytes:
    """Render a certificate of ``kind`` ("pension" or "insurance") for ``data`` as A4 PDF bytes."""
    if kind not in KINDS:
        raise CertificateError(f"unknown certificate kind: {kind!r}")
    for key in ("verification_code", "verify_url"):
        if not _present(data, key):
            raise CertificateError(f"certificate data lacks {key!r}")

    t = _Texts(_texts())
    title = t(f"{kind}.title")
    issued_on = fa_date(data["issued_on"] if _present(data, "issued_on") else _today_jalali())
    facts = _pension_rows(t, data) if kind == "pension" else _insurance_rows(t, data)

    pdf = _Page()
    pdf.set_title(title)
    pdf.set_author(t("org_name"))
    pdf.set_creator("tamin-bot")
    pdf.add_page()

    y = _draw_header(pdf, t, title, issued_on)
    holder = _holder_rows(t, data)
    if holder:
        y = _draw_section(pdf, t("section.holder"), holder, y)
    if facts:
        y = _draw_section(pdf, t(f"{kind}.section"), facts, y)
    code = display_code(str(data["verification_code"]).strip())
    _draw_verification(pdf, t, code, str(data["verify_url"]).strip(), y)
    _draw_footer(pdf, t)
    return pdf.output_bytes()
