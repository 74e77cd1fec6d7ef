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


def outbox_code(base: str, mobile: str) -> str:
    """The last one-time code the embedded default's SMS outbox holds for ``mobile``."""
    import re

    import httpx

    from basics.digits import to_ascii

    box = httpx.get(f"{base}/dev/outbox").json()["messages"]
    text = [m["text"] for m in box if m["to"] == mobile][-1]
    return re.search(r"\d{6}", to_ascii(text)).group(0)
