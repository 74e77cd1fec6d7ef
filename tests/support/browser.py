"""Debian's Chromium driven by Playwright: never a downloaded browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def launch(playwright):
    """Start Debian's Chromium (``CHROMIUM_PATH`` or /usr/bin/chromium) headless."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=path, args=ARGS)
