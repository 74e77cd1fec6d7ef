"""Where the project's data files are: the one place ``TAMIN_DATA_DIR`` is read."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def data_dir() -> Path:
    """``TAMIN_DATA_DIR`` when set, else the repository's ``data/``."""
    return Path(os.environ.get("TAMIN_DATA_DIR") or REPO_DATA)
