"""PDF certificates: Persian text shaped, right to left, Persian digits, facts and verification code."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from integrations.tamin.certificates import CertificateError, fa_date, fa_number, render_certificate

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"

PENSION = {
    "first_name": "محمدرضا",
    "last_name": "حسین‌زاده",
    "national_code": "0012345678",
    "kind": "retirement",
    "status": "active",
    "pension_number": "123456789",
    "monthly_amount": 185_432_000,
    "last_payment_date": "1405-08-25",
    "last_payment_amount": 185_432_000,
    "issued_on": "1405-08-27",
    "verification_code": "TMN-7K4Q-92XF",
    "verify_url": "https://verify.tamin.ir/c/TMN-7K4Q-92XF",
}

INSURANCE = {
    "first_name": "زهرا",
    "last_name": "کریمی",
    "national_code": "1234567890",
    "insured_now": True,
    "insurance_kind": "compulsory",
    "workshop_name": "شرکت صنایع غذایی نمونه پارس",
    "workshop_code": "5551234",
    "insured_since": "1398-01-15",
    "last_insured_until": "1405-07-30",
    "contribution_days": 3245,
    "insurance_number": "0987654321",
    "issued_on": "1405-08-27",
    "verification_code": "TMN-3J8D-51PW",
    "verify_url": "https://verify.tamin.ir/c/TMN-3J8D-51PW",
}

A4_PT = (595.28, 841.89)


@pytest.fixture(autouse=True)
def _repo_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the wording from this checkout's data/, whatever another test set."""
    monkeypatch.setenv("TAMIN_DATA_DIR", str(REPO / "data"))


def _canon(text: str) -> str:
    """Fold what text extraction changes: presentation forms, ZWNJ, and lam-alef read back as alef-lam."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u200c", "").replace("\u200d", "").replace("\u0640", "")
    return text.replace("لا", "ال")


def _words(text: str) -> set[str]:
    words = set()
    for word in _canon(text).split():
        word = word.strip("،,:؛.()")
        words.add(word)
        words.add(word[::-1])  # an extractor that returns visual order still matches
    return words


def _render(kind: str, data: dict, name: str) -> tuple[bytes, pdfium.PdfPage, str]:
    pdf = render_certificate(kind, data)
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    page.render(scale=2).to_pil().save(ARTIFACTS / f"{name}.png")
    return pdf, page, page.get_textpage().get_text_range()


def _assert_has(text: str, *phrases: str) -> None:
    words = _words(text)
    for phrase in phrases:
        missing = [w for w in _canon(phrase).split() if w.strip("،,:؛.()") not in words]
        assert not missing, f"{phrase!r}: {missing} not in the PDF text {sorted(words)[:40]}"


def _assert_only_persian_digits(text: str, *exempt: str) -> None:
    for latin in exempt:
        text = text.replace(latin, "")
    assert not re.search(r"[0-9٠-٩]", text), f"non-Persian digits in {text!r}"


def _x_of(page: pdfium.PdfPage, text: str, needle: str) -> tuple[float, float]:
    """Left edge of the first and of the last character of ``needle`` on the page."""
    textpage = page.get_textpage()
    start = text.index(needle)
    first = textpage.get_charbox(start)[0]
    last = textpage.get_charbox(start + len(needle) - 1)[0]
    return first, last


def test_pension_certificate() -> None:
    pdf, page, text = _render("pension", PENSION, "certificate_pension")
    assert pdf.startswith(b"%PDF")
    width, height = page.get_size()
    assert (round(width, 1), round(height, 1)) == (round(A4_PT[0], 1), round(A4_PT[1], 1))

    _assert_has(
        text,
        "سازمان تأمین اجتماعی",
        "گواهی وضعیت دریافت مستمری",
        "محمدرضا حسین‌زاده",
        "۰۰۱۲۳۴۵۶۷۸",
        "نوع مستمری بازنشستگی",
        "وضعیت مستمری برقرار",
        "شماره مستمری ۱۲۳۴۵۶۷۸۹",
        "مبلغ ماهانه مستمری ۱۸۵٬۴۳۲٬۰۰۰ ریال",
        "تاریخ آخرین پرداخت ۱۴۰۵/۰۸/۲۵",
        "تاریخ صدور ۱۴۰۵/۰۸/۲۷",
        "تفاهم‌نامه",
    )
    assert PENSION["verification_code"] in text
    assert PENSION["verify_url"] in text
    _assert_only_persian_digits(text, PENSION["verify_url"], PENSION["verification_code"])


def test_insurance_certificate() -> None:
    _, page, text = _render("insurance", INSURANCE, "certificate_insurance")
    _assert_has(
        text,
        "گواهی ارتباط بیمه‌ای",
        "زهرا کریمی",
        "کد ملی ۱۲۳۴۵۶۷۸۹۰",
        "بیمه‌شده است",
        "نوع بیمه اجباری",
        "شرکت صنایع غذایی نمونه پارس",
        "کد کارگاه ۵۵۵۱۲۳۴",
        "۱۳۹۸/۰۱/۱۵",
        "۱۴۰۵/۰۷/۳۰",
        "۳٬۲۴۵ روز",
        "شماره بیمه ۰۹۸۷۶۵۴۳۲۱",
        "تفاهم‌نامه",
    )
    assert INSURANCE["verification_code"] in text
    assert INSURANCE["verify_url"] in text
    _assert_only_persian_digits(text, INSURANCE["verify_url"], INSURANCE["verification_code"])


def test_layout_is_right_to_left() -> None:
    _, page, text = _render("insurance", INSURANCE, "certificate_insurance")
    # the label stands right of its value
    label_x, _ = _x_of(page, text, "کد ملی")
    value_first, value_last = _x_of(page, text, "۱۲۳۴۵۶۷۸۹۰")
    assert label_x > value_first
    # a Persian word runs right to left, a number inside it left to right
    word_first, word_last = _x_of(page, text, "کریمی")
    assert word_first > word_last
    assert value_first < value_last
    # the verification code, a Latin token, reads left to right
    code_first, code_last = _x_of(page, text, INSURANCE["verification_code"])
    assert code_first < code_last


def test_png_shows_a_drawn_page() -> None:
    _render("pension", PENSION, "certificate_pension")
    image = (
        pdfium.PdfDocument(ARTIFACTS / "certificate_pension.pdf")[0].render(scale=1).to_pil().convert("RGB")
    )
    width, height = image.size
    assert image.getpixel((width // 2, 10)) == (12, 62, 120)  # the header band
    dark = sum(1 for x in range(width) for y in range(0, height, 4) if sum(image.getpixel((x, y))) < 200)
    assert dark > 1500  # text was drawn, not just boxes


def test_missing_optional_keys_are_left_out() -> None:
    data = {
        "first_name": "علی",
        "last_name": "رضایی",
        "insured_now": False,
        "last_insured_until": "1404-12-29",
        "contribution_days": "12045",
        "issued_on": "1405-01-01",
        "verification_code": "48213906",
        "verify_url": "https://verify.tamin.ir/c/48213906",
    }
    _, _, text = _render("insurance", data, "certificate_insurance_minimal")
    _assert_has(text, "علی رضایی", "بیمه‌شده نیست", "۱۴۰۴/۱۲/۲۹", "۱۲٬۰۴۵ روز", "۱۴۰۵/۰۱/۰۱")
    assert "۴۸۲۱۳۹۰۶" in text  # a numeric verification code is printed in Persian digits
    assert "کارگاه" not in _canon(text)  # no workshop given: neither its name nor its code
    assert "ملی" not in _words(text)  # no national code given


def test_long_values_wrap_inside_the_page() -> None:
    data = dict(
        INSURANCE,
        workshop_name="شرکت تعاونی تولیدی و توزیعی صنایع غذایی و بهداشتی نمونه پارس شمال کشور "
        "(سهامی خاص) شعبه مرکزی تهران بزرگ و حومه شمال غرب استان تهران",
    )
    _, page, text = _render("insurance", data, "certificate_insurance_long")
    _assert_has(text, "حومه شمال غرب استان تهران")
    textpage = page.get_textpage()
    width, _ = page.get_size()
    for index in range(textpage.count_chars()):
        left, _, right, _ = textpage.get_charbox(index)
        if right > left:
            assert 40 <= left and right <= width - 40, text[index]


def test_wording_comes_from_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = (REPO / "data" / "simulator" / "certificate.fa.yml").read_text(encoding="utf-8")
    (tmp_path / "simulator").mkdir()
    (tmp_path / "simulator" / "certificate.fa.yml").write_text(
        texts.replace("گواهی وضعیت دریافت مستمری", "گواهی آزمایشی مستمری"), encoding="utf-8"
    )
    monkeypatch.setenv("TAMIN_DATA_DIR", str(tmp_path))
    text = pdfium.PdfDocument(render_certificate("pension", PENSION))[0].get_textpage().get_text_range()
    _assert_has(text, "گواهی آزمایشی مستمری")


def test_default_data_dir_is_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAMIN_DATA_DIR")
    assert render_certificate("pension", PENSION).startswith(b"%PDF")


def test_issue_date_defaults_to_today() -> None:
    data = {k: v for k, v in PENSION.items() if k != "issued_on"}
    text = pdfium.PdfDocument(render_certificate("pension", data))[0].get_textpage().get_text_range()
    assert re.search(r"تاریخ صدور: ۱[۴-۵][۰-۹]{2}/[۰-۱][۰-۹]/[۰-۳][۰-۹]", text), text


def test_formatting_helpers() -> None:
    assert fa_number(185432000) == "۱۸۵٬۴۳۲٬۰۰۰"
    assert fa_number("3245") == "۳٬۲۴۵"
    assert fa_number(0) == "۰"
    assert fa_date("1405-08-25") == "۱۴۰۵/۰۸/۲۵"
    assert fa_date("1405-8-5") == "۱۴۰۵/۰۸/۰۵"


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("payslip", PENSION),
        ("pension", {k: v for k, v in PENSION.items() if k != "verification_code"}),
        ("pension", {k: v for k, v in PENSION.items() if k != "verify_url"}),
        ("pension", dict(PENSION, last_payment_date="1405-13-01")),
        ("pension", dict(PENSION, kind="unknown")),
        ("pension", dict(PENSION, monthly_amount="a lot")),
    ],
)
def test_bad_input_is_refused(kind: str, data: dict) -> None:
    with pytest.raises(CertificateError):
        render_certificate(kind, data)


def test_the_insurance_kind_shown_in_chat_is_printed() -> None:
    """17.9: the insurance PDF says what kind of insurance it is, as the chat does."""
    for kind, word in (("voluntary", "اختیاری"), ("self_employed", "مشاغل آزاد")):
        _, _, text = _render("insurance", dict(INSURANCE, insurance_kind=kind), f"certificate_insurance_{kind}")
        _assert_has(text, "نوع بیمه", word)
    with pytest.raises(CertificateError):
        render_certificate("insurance", dict(INSURANCE, insurance_kind="made_up"))


def test_labels_are_the_back_ends_not_the_bots() -> None:
    """14.6: the PDF's words live in data/simulator/, read by integrations code, not the bot's catalog."""
    assert not (REPO / "data" / "texts" / "certificate.fa.yml").exists()
    assert (REPO / "data" / "simulator" / "certificate.fa.yml").exists()
