"""PDF certificates of the Social Security Organization (pension status, insurance relationship).

Split so that text is separate from layout: `wording` reads the labels (the back-end's own data
file), `formatting` writes values (Persian digits, Jalali dates), `facts` turns data into rows and
`layout` draws them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrations.tamin.certificates.facts import FACTS, holder_rows
from integrations.tamin.certificates.formatting import (
    CertificateError,
    display_code,
    fa_date,
    fa_digits,
    fa_number,
    present,
    today_jalali,
)
from integrations.tamin.certificates.layout import (
    Page,
    draw_footer,
    draw_header,
    draw_section,
    draw_verification,
)
from integrations.tamin.certificates.wording import Labels

__all__ = ["KINDS", "CertificateError", "display_code", "fa_date", "fa_digits", "fa_number", "render_certificate"]

KINDS = tuple(FACTS)


def render_certificate(kind: str, data: dict[str, Any], labels: Path | None = None) -> bytes:
    """Render a certificate of ``kind`` ("pension" or "insurance") for ``data`` as A4 PDF bytes."""
    if kind not in KINDS:
        raise CertificateError(f"unknown certificate kind: {kind!r}")
    for key in ("verification_code", "verify_url"):
        if not present(data, key):
            raise CertificateError(f"certificate data lacks {key!r}")

    t = Labels.load(labels)
    title = t(f"{kind}.title")
    issued_on = fa_date(data["issued_on"] if present(data, "issued_on") else today_jalali())
    facts = FACTS[kind](t, data)

    pdf = Page()
    pdf.set_title(title)
    pdf.set_author(t("org_name"))
    pdf.set_creator("tamin-bot")
    pdf.add_page()

    y = draw_header(pdf, t, title, issued_on)
    holder = holder_rows(t, data)
    if holder:
        y = draw_section(pdf, t("section.holder"), holder, y)
    if facts:
        y = draw_section(pdf, t(f"{kind}.section"), facts, y)
    code = display_code(str(data["verification_code"]).strip())
    draw_verification(pdf, t, code, str(data["verify_url"]).strip(), y)
    draw_footer(pdf, t)
    return pdf.output_bytes()
