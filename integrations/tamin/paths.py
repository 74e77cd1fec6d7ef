"""Where the back-end's data files live: TAMIN_DATA_DIR, or <repo>/data."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """TAMIN_DATA_DIR or <repo>/data."""
    return Path(os.environ.get("TAMIN_DATA_DIR") or Path(__file__).resolve().parents[2] / "data")
