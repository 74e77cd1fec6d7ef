"""Property tests: normalization and extraction never raise."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import extract as X
from bot.nlu.normalize import normalize, normalize_with_offsets

ALPHABET = st.one_of(
    st.characters(),
    st.sampled_from(list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةۀأإآئؤء۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٬٫،؟ \u200c\u200d\u0640\u064e-/+")),
)
TEXT = st.text(alphabet=ALPHABET, max_size=80)
EXTRACTORS = [X.national_code, X.mobile, X.sheba, X.jalali_date, X.gregorian_date, X.date, X.amount_rial,
              X.workshop_code, X.insurance_number, X.contract_number, X.months, X.yes_no, X.relation, X.find_entities]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalize_never_raises(s: str) -> None:
    out = normalize(s)
    assert isinstance(out, str)
    norm, idx = normalize_with_offsets(s)
    assert norm == out and len(idx) == len(norm)
    assert all(0 <= i < len(s) for i in idx)
    assert normalize(out) == out


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_extractors_never_raise(s: str) -> None:
    for fn in EXTRACTORS:
        fn(s)
    for kind in ("national_code", "sheba", "mobile", "date", "amount", "months"):
        X.why(kind, s)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["۱۲", "1403", "/", "-", " ", "میلیون", "هزار", "و", "تومان", "ماه", "سال",
                                 "0912", "ir", "بیست", "۰۰۱۶۳۸۳۲۳۰"]), max_size=12))
def test_extractors_on_number_soup(parts: list[str]) -> None:
    s = "".join(parts)
    for fn in EXTRACTORS:
        fn(s)
