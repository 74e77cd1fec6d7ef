"""Persian NLU: normalizer, validating entity extractors, intent classifier and tagger (imports nothing of the bot)."""

from .data import Example, TrainingData, load_data
from .extract import (
    amount_rial,
    check_national_code,
    check_sheba,
    contract_number,
    date,
    find_entities,
    gregorian_date,
    insurance_number,
    jalali_date,
    mobile,
    months,
    national_code,
    relation,
    sheba,
    why,
    workshop_code,
    yes_no,
)
from .model import NLU, OUT_OF_SCOPE, alternatives, default_nlu
from .normalize import normalize, to_ascii_digits, to_persian_digits

__all__ = [
    "NLU", "OUT_OF_SCOPE", "Example", "TrainingData", "alternatives", "amount_rial", "check_national_code",
    "check_sheba", "contract_number", "date", "default_nlu", "find_entities", "gregorian_date",
    "insurance_number", "jalali_date", "load_data", "mobile", "months", "national_code", "normalize",
    "relation", "sheba", "to_ascii_digits", "to_persian_digits", "why", "workshop_code", "yes_no",
]
