"""Helpers of the back-end tests: persona codes and test data."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

PERSONAS = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "personas.yml").read_text("utf-8"))
NC = {key: p["national_code"] for key, p in PERSONAS["people"].items()}
MOBILE = {key: p.get("mobile") for key, p in PERSONAS["people"].items()}
DEBT_SHOP = "1012345678"
NO_DEBT_SHOP = "1023456789"
CONTRACT = "1404-3817"


def sheba(bban: str = "0170000000123456789012") -> str:
    """A valid Sheba (IR + check digits + 22-digit account) for an account number."""
    check = 98 - int(bban + "182700") % 97
    return f"IR{check:02d}{bban}"


def key() -> str:
    """A fresh idempotency key."""
    return uuid.uuid4().hex
