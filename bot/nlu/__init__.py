"""Persian NLU: normalizer, validating entity extractors, intent classifier and tagger (imports nothing of the bot).

The light parts (normalizer, extractors) import in milliseconds; the trained model and its
scikit-learn stack load only when ``NLU``/``default_nlu`` is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Example": "data", "TrainingData": "data", "load_data": "data",
    "NLU": "model", "OUT_OF_SCOPE": "model", "alternatives": "model", "default_nlu": "model",
    "normalize": "normalize", "to_ascii_digits": "normalize", "to_persian_digits": "normalize",
    **{name: "extract" for name in (
        "amount_rial", "check_national_code", "check_sheba", "contract_number", "date", "find_entities",
        "gregorian_date", "insurance_number", "jalali_date", "mobile", "months", "national_code", "relation",
        "sheba", "why", "workshop_code", "yes_no",
    )},
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.nlu' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
