"""Normalizer cases."""

import pytest

from bot.nlu.normalize import ZWNJ, normalize, normalize_with_offsets, to_ascii_digits, to_persian_digits


@pytest.mark.parametrize(("raw", "expected"), [
    ("كيك", "کیک"),
    ("سلاااام", "سلام"),
    ("می خوام", f"می{ZWNJ}خوام"),
    ("میخوام", f"می{ZWNJ}خوام"),
    (f"می{ZWNJ}خوام", f"می{ZWNJ}خوام"),
    ("نمیدونم", f"نمی{ZWNJ}دونم"),
    ("میلیون", "میلیون"),
    ("میزان بدهی", "میزان بدهی"),
    ("کارگاه ها", f"کارگاه{ZWNJ}ها"),
    ("بیمه ام", f"بیمه{ZWNJ}ام"),
    ("ارتباط بیمه ای", f"ارتباط بیمه{ZWNJ}ای"),
    ("خانۀ ما", "خانه ما"),
    ("سَلامٌ", "سلام"),
    ("بـــیمه", "بیمه"),
    ("۰۹۱۲ ٠٩١٢", "0912 0912"),
    ("  MOSTAMARI\u200b  Man\t\n", "mostamari man"),
    ("a\x00b\x07c", "abc"),
    ("\u200cسلام\u200c", "سلام"),
    ("آب أحمد إسلام", "آب احمد اسلام"),
    ("ى", "ی"),
])
def test_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_idempotent_on_samples() -> None:
    for s in ["بيمه ام رد شده؟", "می خوام گواهی بگیرم", "کارگاه ها  و  بدهی ها", "Salaaaam"]:
        assert normalize(normalize(s)) == normalize(s)


def test_offsets_point_into_original() -> None:
    raw = "كد  ملي  ۰۰۱۶۳۸۳۲۳۰"
    norm, idx = normalize_with_offsets(raw)
    assert len(idx) == len(norm)
    i = norm.index("0016383230")
    assert raw[idx[i]:idx[i + 9] + 1] == "۰۰۱۶۳۸۳۲۳۰"


def test_digits() -> None:
    assert to_ascii_digits("۱۲۳٤٥٦") == "123456"
    assert to_persian_digits("1403/05/12") == "۱۴۰۳/۰۵/۱۲"
    assert to_persian_digits("٤") == "۴"


def test_huge_input_is_fast() -> None:
    import time

    s = "سلام می خوام ۱۲۳ " * 20000
    t = time.perf_counter()
    out = normalize(s)
    assert out and time.perf_counter() - t < 2.0
