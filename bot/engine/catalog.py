"""The Persian text catalog: every user-facing sentence, read from ``data/texts/*.fa.yml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from basics import paths
from basics.yamlload import load_yaml


def data_dir() -> Path:
    """Where the project's data files are: ``TAMIN_DATA_DIR`` or the repository's ``data/``."""
    return paths.data_dir()


def _flatten(prefix: str, node: object, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):  # «yes:» read by YAML as True: quote such keys
                raise ValueError(f"catalog key {key!r} under {prefix!r} is not text; quote it in the YAML")
            _flatten(f"{prefix}.{key}" if prefix else key, value, out)
    elif node is not None:
        out[prefix] = str(node).rstrip("\n") if isinstance(node, str) else str(node)


@lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    """All catalog entries, flattened to dotted keys."""
    out: dict[str, str] = {}
    for path in sorted((data_dir() / "texts").glob("*.fa.yml")):
        _flatten("", load_yaml(path.read_text(encoding="utf-8")) or {}, out)
    return out


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def has(key: str) -> bool:
    """Whether the catalog holds ``key`` (as a plain text or with variants)."""
    catalog = texts()
    return key in catalog or f"{key}.text" in catalog


def variant_for(channel: str) -> str | None:
    """The catalog variant a channel reads (``sms`` for the SMS door, the plain text elsewhere)."""
    return "sms" if channel == "sms" else None


def t(key: str, variant: str | None = None, /, **fields: object) -> str:
    """The sentence at ``key`` (or its ``key.variant``, e.g. ``.sms``) with ``fields`` filled in."""
    catalog = texts()
    template = None
    if variant:
        template = catalog.get(f"{key}.{variant}")
    if template is None:
        template = catalog.get(key)
    if template is None:
        template = catalog.get(f"{key}.text")
    if template is None:
        raise KeyError(f"missing catalog text: {key}")
    return template.format_map(_Blank(fields))


def menu_title(title_key: str, variant: str | None) -> str:
    """A service's line in the menu: on SMS its shortest title (``btn``), so twelve lines fit in two parts."""
    if variant == "sms" and has(f"{title_key}.btn"):
        return t(f"{title_key}.btn")
    return t(title_key, variant)
