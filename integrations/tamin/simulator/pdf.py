"""Certificate PDFs: the project's renderer when available, else a minimal plain PDF."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def certificate_pdf(kind: str, data: dict[str, Any]) -> bytes:
    """Render through integrations.tamin.certificates, falling back to a minimal PDF."""
    try:
        from integrations.tamin.certificates import render_certificate  # written by another module

        return render_certificate(kind, data)
    except Exception:  # noqa: BLE001 - any failure of the optional renderer falls back
        log.warning("certificate renderer failed; using the plain fallback", exc_info=True)
        return plain_pdf([
            f"Tamin certificate ({kind})",
            f"Verification code: {data.get('verification_code', '')}",
            f"Issued on: {data.get('issued_on', '')}",
            f"Verify at: {data.get('verify_url', '')}",
        ])


def plain_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ASCII lines in Helvetica."""
    def esc(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode()
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 14 Tf 60 780 Td 18 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{off:010d} 00000 n \n" for off in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
