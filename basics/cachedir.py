"""The private disk cache folder shared by start-up caches (the NLU model, the flows' load-time checks)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_DIR_ENV = "TAMIN_NLU_CACHE_DIR"


def cache_root() -> Path:
    """``TAMIN_NLU_CACHE_DIR``, else the system's temporary folder: not ``TMPDIR``, which differs between
    servers started in different environments (each would miss the others' cache and train again)."""
    explicit = os.environ.get(CACHE_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit)
    for folder in ("/tmp", "/var/tmp"):  # noqa: S108 - a private sub-folder is made and checked below
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return Path(folder)
    return Path(tempfile.gettempdir())


def private_dir(name: str) -> Path | None:
    """``<root>/<name>-<uid>``, made readable by this user only; None when it cannot be trusted or made."""
    try:
        root = cache_root()
        root.mkdir(parents=True, exist_ok=True)
        d = root / f"{name}-{os.getuid()}"
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        return d
    except OSError:
        return None
