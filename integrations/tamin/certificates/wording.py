"""The certificate's labels: the back-end's own data file (data/simulator/certificate.fa.yml), not the bot's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from basics.paths import data_dir
from basics.yamlload import load_yaml
from integrations.tamin.certificates.formatting import CertificateError

FILE = Path("simulator") / "certificate.fa.yml"


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from _flatten(value, full)
        else:
            yield full, str(value)


@lru_cache(maxsize=4)
def _load(path: Path, stamp: float) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return dict(_flatten(load_yaml(fh) or {}))


def labels_path() -> Path:
    """Where the labels live under the data directory."""
    return data_dir() / FILE


class Labels:
    """Lookup of `certificate.*` labels with `str.format` fields."""

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    @classmethod
    def load(cls, path: Path | None = None) -> Labels:
        """The labels of ``path`` (default: the data directory's), re-read when the file changes."""
        path = path or labels_path()
        return cls(_load(path, path.stat().st_mtime))

    def __call__(self, key: str, **fields: str) -> str:
        full = f"certificate.{key}"
        try:
            template = self._table[full]
        except KeyError:
            raise CertificateError(f"missing label {full!r} in {FILE}") from None
        return template.format(**fields) if fields else template

    def has(self, key: str) -> bool:
        """Whether a label exists."""
        return f"certificate.{key}" in self._table
