"""The engine points nowhere: it imports nothing of the flows, the channels or the back-end."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "bot" / "engine"
FORBIDDEN = ("bot.flows", "bot.channels", "bot.console", "bot.notify", "bot.app", "integrations")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_engine_imports_no_flow_channel_or_backend() -> None:
    bad = {
        f"{path.name}: {name}"
        for path in ENGINE.glob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN)
    }
    assert not bad, bad


def test_the_step_model_lives_in_the_engine() -> None:
    assert (ENGINE / "flow.py").exists()
    assert not (ENGINE.parent / "flows" / "model.py").exists()
