"""YAML read with libyaml's C loader when PyYAML has it (the catalogs load several times faster)."""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream: str | bytes | IO[str]) -> Any:
    """``yaml.safe_load``, on the C loader where there is one."""
    return yaml.load(stream, Loader=_LOADER)  # noqa: S506 - a safe loader
