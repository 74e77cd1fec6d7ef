"""The arrows point one way: channels → engine ← flows → integrations; nlu and basics import nothing of ours.

Read from the source (every import, inside functions too), so a late ``import`` cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "integrations", "basics")
COMPOSITION = {"bot.app", "bot.cli", "bot.serve", "bot.terminal", "bot.commands"}  # wire everything together

# what each part may import besides itself and basics (the composition root may import anything)
ALLOWED = {
    "basics": set(),
    "bot.nlu": set(),
    "bot.settings": set(),
    "bot.logs": set(),
    "integrations": set(),
    "bot.engine": {"bot.nlu", "bot.settings"},
    "bot.flows": {"bot.engine", "bot.nlu", "integrations"},
    "bot.channels": {"bot.engine", "bot.nlu", "bot.settings", "bot.logs", "bot.ops", "integrations.kavenegar"},
    "bot.ops": {"bot.engine", "bot.settings"},
    "bot.storage": {"bot.settings"},
    "bot.console": {"bot.engine", "bot.nlu", "bot.settings", "bot.storage", "bot.channels"},
    "bot.notify": {"bot.engine", "bot.nlu", "bot.settings", "bot.storage", "bot.channels", "integrations.kavenegar"},
}


def part_of(module: str) -> str:
    """``bot.engine.dialogue`` → ``bot.engine``; ``integrations.tamin.client`` → ``integrations``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else parts[0]


def imports() -> dict[str, set[str]]:
    """Every module of ours and the modules of ours it imports."""
    out: dict[str, set[str]] = defaultdict(set)
    for top in OURS:
        for path in (ROOT / top).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level \
                    else [a.name for a in node.names] if isinstance(node, ast.Import) else []
                out[module] |= {n for n in names if n.split(".")[0] in OURS}
    return out


def _allowed(src: str, dst: str) -> bool:
    """Whether part ``src`` may import module ``dst``."""
    if part_of(dst) in (src, "basics") or src in COMPOSITION:
        return True
    rules = ALLOWED.get(src)
    assert rules is not None, f"{src} has no rule: add it to ALLOWED"
    return any(dst == r or dst.startswith(r + ".") for r in rules)


def test_every_import_follows_the_arrows() -> None:
    bad = sorted(f"{m} imports {d}" for m, ds in imports().items() for d in ds if not _allowed(part_of(m), d))
    assert not bad, "\n".join(bad)


def test_no_cycle_between_parts() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for m, ds in imports().items():
        for d in ds:
            if part_of(m) != part_of(d):
                graph[part_of(m)].add(part_of(d))
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, "import cycle: " + " → ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_rules_catch_a_back_arrow() -> None:
    assert not _allowed("bot.engine", "bot.flows")
    assert not _allowed("bot.nlu", "bot.engine")
    assert not _allowed("bot.channels", "bot.app")
    assert not _allowed("integrations", "bot.engine")
