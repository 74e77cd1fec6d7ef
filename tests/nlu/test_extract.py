"""Validating extractors on Persian, Arabic-Indic and ASCII digits."""

import pytest

from bot.nlu import extract as X
from bot.nlu.normalize import to_persian_digits

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def scripts(s: str) -> list[str]:
    """The same text with ASCII, Persian and Arabic-Indic digits."""
    return [s, to_persian_digits(s), s.translate(ARABIC)]


def iban(bban: str = "0170000000100324200001") -> str:
    """A valid Iranian IBAN for a 22-digit BBAN."""
    return f"IR{98 - int(bban + '182700') % 97:02d}{bban}"


@pytest.mark.parametrize("code", ["0016383230", "0023564806", "0053081617"])
def test_national_code_valid(code: str) -> None:
    for s in scripts(code) + scripts(f"کد ملی من {code} است") + scripts(code[:3] + "-" + code[3:9] + "-" + code[9]):
        assert X.national_code(s) == code
    assert X.check_national_code(code) == "ok"


def test_national_code_invalid() -> None:
    for s in scripts("0016383231"):
        assert X.national_code(s) is None
    assert X.check_national_code("0016383231") == "checksum"
    assert X.check_national_code("123") == "length"
    assert X.check_national_code("1111111111") == "repeated"
    assert X.why("national_code", "۰۰۱۶۳۸۳۲۳۱") == "checksum"
    assert X.why("national_code", "سلام") == "missing"


def test_national_code_short_forms() -> None:
    assert X.national_code("16383230") == "0016383230"
    assert X.national_code("کد ملی ۲۳۵۶۴۸۰۶") == "0023564806"
    assert X.national_code("مبلغ 16383230 ریال") is None


@pytest.mark.parametrize("raw", ["+98 912 000 0101", "00989120000101", "0098-912-000-0101", "912 000 0101",
                                 "09120000101", "989120000101", "شماره من 0912-000-0101 هست"])
def test_mobile(raw: str) -> None:
    for s in scripts(raw):
        assert X.mobile(s) == "09120000101"


def test_mobile_invalid() -> None:
    assert X.mobile("0812 000 0101") is None
    assert X.mobile("091200001") is None


@pytest.mark.parametrize(("raw", "iso"), [
    ("1403/05/12", "1403-05-12"), ("1403-5-12", "1403-05-12"), ("12 مرداد 1403", "1403-05-12"),
    ("12 mordad 1403", "1403-05-12"), ("03/05/12", "1403-05-12"), ("12/05/1403", "1403-05-12"),
    ("1403/12/30", "1403-12-30"), ("98/1/1", "1398-01-01"),
])
def test_jalali_date(raw: str, iso: str) -> None:
    for s in scripts(raw):
        assert X.jalali_date(s) == iso


@pytest.mark.parametrize("raw", ["1403/13/01", "1403/05/32", "1402/12/30", "1403/07/31", "1403/00/10"])
def test_impossible_dates(raw: str) -> None:
    for s in scripts(raw):
        assert X.jalali_date(s) is None


def test_date_dict_and_gregorian() -> None:
    assert X.date("۱۴۰۳/۰۵/۱۲") == {"calendar": "jalali", "jalali": "1403-05-12", "gregorian": "2024-08-02"}
    assert X.date("2024-08-02") == {"calendar": "gregorian", "jalali": "1403-05-12", "gregorian": "2024-08-02"}
    assert X.gregorian_date("12 مرداد ۱۴۰۳") == "2024-08-02"
    assert X.gregorian_date("2024-02-30") is None


@pytest.mark.parametrize(("raw", "rial"), [
    ("2 میلیون تومان", 20_000_000), ("250,500,000 ریال", 250_500_000), ("۲۵۰٬۵۰۰٬۰۰۰ ریال", 250_500_000),
    ("150,000,000", 150_000_000), ("دو میلیون و پانصد هزار تومان", 25_000_000), ("103900000", 103_900_000),
    ("یک میلیارد و دویست میلیون ریال", 1_200_000_000), ("500 هزار تومن", 5_000_000),
    ("2 milion toman", 20_000_000), ("سیصد و پنجاه هزار ریال", 350_000),
    ("500.000.000", 500_000_000), ("۵۰۰.۰۰۰.۰۰۰", 500_000_000), ("500.000.000 ریال", 500_000_000),
    ("50.000 تومان", 500_000), ("مبلغ ۱.۲۵۰.۰۰۰ تومان", 12_500_000), ("1.5 میلیون تومان", 15_000_000),
    ("۲٫۵ میلیون", 2_500_000), ("2.500 میلیون ریال", 2_500_000),
])
def test_amount(raw: str, rial: int) -> None:
    for s in scripts(raw):
        assert X.amount_rial(s) == rial


def test_sheba() -> None:
    good = iban()
    spaced = " ".join(good[i:i + 4] for i in range(0, 26, 4))
    for s in scripts(good) + scripts(good.lower()) + scripts(spaced) + scripts(good[2:]):
        assert X.sheba(s) == good
    assert X.check_sheba(good) == "ok"
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert X.sheba(bad) is None and X.check_sheba(bad) == "checksum"
    assert X.check_sheba("DE" + good[2:]) == "country"
    assert X.check_sheba(good[:-2]) == "length"


def test_ten_digit_codes_and_contract() -> None:
    for s in scripts("کد کارگاه 1234567890"):
        assert X.workshop_code(s) == "1234567890"
        assert X.insurance_number(s) == "1234567890"
    assert X.workshop_code("12345") is None
    for s in scripts("قرارداد 1404-3817"):
        assert X.contract_number(s) == "1404-3817"
    assert X.contract_number("1403-05-12") is None


@pytest.mark.parametrize(("raw", "n"), [("21 ماه", 21), ("بیست و یک", 21), ("1 سال و 9 ماه", 21),
                                         ("یک سال و نیم", 18), ("2 sal o 3 mah", 27), ("دو سال", 24)])
def test_months(raw: str, n: int) -> None:
    for s in scripts(raw):
        assert X.months(s) == n


@pytest.mark.parametrize(("raw", "ans"), [
    ("بله", True), ("آره", True), ("اره", True), ("بلی", True), ("باشه", True), ("حتما", True), ("تایید", True),
    ("تأیید میکنم", True), ("yes", True), ("OK", True), ("baleh", True), ("are", True),
    ("نه", False), ("خیر", False), ("نخیر", False), ("no", False), ("na", False), ("nakheir", False),
    ("سلام", None), ("", None),
])
def test_yes_no(raw: str, ans: bool | None) -> None:
    assert X.yes_no(raw) is ans


def test_relation_and_entities_offsets() -> None:
    assert X.relation("میخوام مامانم رو اضافه کنم") == "مادر"
    raw = "كد ملي ۰۰۱۶۳۸۳۲۳۰ و موبایل ۰۹۱۲ ۰۰۰ ۰۱۰۱ مبلغ ۲ میلیون تومان از ۱۲ مرداد ۱۴۰۳ همسرم"
    ents = {e["entity"]: e for e in X.find_entities(raw)}
    assert ents["national_code"]["value"] == "0016383230"
    assert raw[ents["national_code"]["start"]:ents["national_code"]["end"]] == "۰۰۱۶۳۸۳۲۳۰"
    assert raw[ents["mobile"]["start"]:ents["mobile"]["end"]] == "۰۹۱۲ ۰۰۰ ۰۱۰۱"
    assert ents["amount"]["value"] == 20_000_000
    assert ents["date"]["value"].startswith("2024-08-02") and ents["date"]["additional_info"]["jalali"] == "1403-05-12"
    assert ents["relation"]["value"] == "همسر"


def test_dates_with_the_day_written_as_an_ordinal_word():
    from bot.nlu.extract import jalali_date

    assert jalali_date("بیستم آبان ۱۴۰۵") == "1405-08-20"
    assert jalali_date("از بیست و یکم آبان 1405") == "1405-08-21"
    assert jalali_date("اول فروردین ۱۴۰۵") == "1405-01-01"
    assert jalali_date("سی ام اسفند ۱۴۰۴") is None  # 1404 is not a leap year: Esfand has 29 days


def test_rasa_shaped_dates_carry_iso_gregorian_and_jalali_beside():
    from bot.nlu import default_nlu

    (ent,) = [e for e in default_nlu().parse("از ۱۲ مرداد ۱۴۰۳ بیمار بودم")["entities"] if e["entity"] == "date"]
    assert ent["value"] == "2024-08-02T00:00:00.000+03:30"  # ISO 8601 Gregorian, as Rasa's duckling gives
    assert ent["additional_info"]["jalali"] == "1403-05-12"
    assert ent["additional_info"]["grain"] == "day"
