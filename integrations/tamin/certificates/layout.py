"""The certificate's layout: an A4 page drawn right to left; every word arrives from the labels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF

from integrations.tamin.certificates.wording import Labels

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
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


class Page(FPDF):
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


def draw_header(pdf: Page, t: Labels, title: str, issued_on: str) -> float:
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


def draw_section(pdf: Page, heading: str, rows: list[tuple[str, str]], y: float) -> float:
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


def draw_verification(pdf: Page, t: Labels, code: str, url: str, y: float) -> float:
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


def draw_footer(pdf: Page, t: Labels) -> None:
    y = _PAGE_H - 20
    pdf.line_at(y, _MARGIN, _PAGE_W - _MARGIN, _RULE, 0.3)
    pdf.font(9, color=_MUTED)
    pdf.lines(_MARGIN, y + 2.5, _CONTENT_W, 5, pdf.wrap(t("footer"), _CONTENT_W), "C")
