"""Flows checked when the registry loads, not in front of a person.

Step names unique; every ``redo`` and ``Goto`` target a step of the flow; every catalog key named
by a step or written literally in a flow's code present; every flow with its menu title, its NLU
intent and its guide entry; every proof known.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from basics.cachedir import private_dir
from bot.engine.catalog import has
from bot.engine.flow import PROOFS, Ask, Confirm, Do, Flow, Review, Say, Step, proof_steps

_KEY = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")
_KEY_CALLS = {"Stop": 0, "Invalid": 0, "Goto": 1, "say": 0, "text": 0, "choice": 1}


class FlowError(Exception):
    """The flows do not hold together; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check(flows: dict[str, Flow], *, intents: Iterable[str], guide: Iterable[str]) -> None:
    """Raise ``FlowError`` naming every problem of ``flows``."""
    intents, guide = set(intents), set(guide)
    problems: list[str] = []
    for name, flow in flows.items():
        problems += [f"{name}: {p}" for p in _flow_problems(flow, intents, guide)]
    if problems:
        raise FlowError(problems)


ENGINE = Path(__file__).resolve().parent


def check_once(flows: dict[str, Flow], *, modules: Iterable[str], files: Iterable[Path],
               intents: Callable[[], Iterable[str]], guide: Callable[[], Iterable[str]]) -> None:
    """``check``, skipped when these very sources and files passed it before; any change checks again.

    A pass leaves a marker in the private disk cache named by a hash of the source of ``modules`` (the
    flows' own), of the modules their steps' functions live in, of the engine, and of ``files`` (the
    flows package, the catalog, nlu.yml, the guide). Only a pass is remembered: a failure raises each time.
    """
    marker = _marker(flows, set(modules), files)
    if marker is not None and marker.exists():
        return
    check(flows, intents=intents(), guide=guide())
    if marker is not None:
        try:
            marker.touch()
        except OSError:
            pass


def _marker(flows: dict[str, Flow], modules: set[str], files: Iterable[Path]) -> Path | None:
    """The pass marker of ``flows`` as their sources and ``files`` are now (None when unreadable or no cache)."""
    paths = set(ENGINE.glob("*.py")) | {Path(p).resolve() for p in files}
    for flow in flows.values():
        modules |= set(_modules(flow))
    for name in modules:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            paths.add(Path(path).resolve())
    h = hashlib.sha256(sys.version.encode())
    try:
        for path in sorted(paths):
            h.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        h.update(repr(list(flows)).encode())
    except OSError:
        return None
    folder = private_dir("tamin-checks")
    if folder is None:
        return None
    _prune(folder, keep=32)
    return folder / f"ok-{h.hexdigest()[:32]}"


def _prune(folder: Path, keep: int) -> None:
    """Forget the oldest markers beyond ``keep`` (each code change leaves one behind)."""
    try:
        markers = sorted(folder.glob("ok-*"), key=lambda p: p.stat().st_mtime)
        for old in markers[:-keep] if len(markers) > keep else []:
            os.unlink(old)
    except OSError:
        pass


def _flow_problems(flow: Flow, intents: set[str], guide: set[str]) -> list[str]:
    out: list[str] = []
    if flow.identity is not None and flow.identity not in PROOFS:
        try:
            proof_steps(flow.identity)
        except KeyError:
            return [f"no proof called {flow.identity!r}"]
    names = [s.name for s in flow.plan]
    out += [f"step {n!r} appears twice" for n in sorted({n for n in names if names.count(n) > 1})]
    if not has(flow.title):
        out.append(f"menu title {flow.title!r} missing from the catalog")
    if flow.name not in intents:
        out.append("no NLU intent of that name in data/nlu.yml")
    if flow.name not in guide:
        out.append("no entry in the services guide (data/knowledge/services.fa.yml)")
    for intent, key in flow.faq.items():
        if intent not in intents:
            out.append(f"faq intent {intent!r} not in data/nlu.yml")
        if not has(key):
            out.append(f"faq text {key!r} missing")
    for step in flow.plan:
        out += _step_problems(step, set(names))
    for review in (s for s in flow.steps if isinstance(s, Review)):
        out += [f"review {review.name!r}: {slot!r} names no step" for slot in review.items if slot not in names]
        out += [f"review {review.name!r}: text {k!r} missing" for k in
                [*review.items.values(), review.cancel, review.pick_one] if not has(k)]
    for module, fns in _modules(flow).items():
        targets, keys = _literals(module)
        if getattr(sys.modules[module], "FLOW", None) is not flow:  # a shared module: only the functions used
            targets = frozenset().union(*(_fn_targets(fn) for fn in fns))
        out += [f"Goto({t!r}) in {module} names no step" for t in sorted(targets - set(names))]
        out += [f"text {k!r} (in {module}) missing from the catalog" for k in sorted(keys) if not has(k)]
    return out


def _step_problems(step: Step, names: set[str]) -> list[str]:
    out = []
    keys = {Ask: "prompt", Confirm: "summary", Say: "key"}
    for kind, attr in keys.items():
        if isinstance(step, kind) and not has(getattr(step, attr)):
            out.append(f"step {step.name!r}: text {getattr(step, attr)!r} missing")
    if isinstance(step, Confirm) and step.redo is not None and step.redo not in names:
        out.append(f"step {step.name!r}: redo {step.redo!r} names no step")
    if isinstance(step, Do) and step.proof is not None:
        from bot.engine.consent import PROOFS as WRITE_PROOFS

        if step.proof not in WRITE_PROOFS:
            out.append(f"step {step.name!r}: unknown proof {step.proof!r}")
        out += [f"step {step.name!r}: text {step.proof_texts}.{k} missing"
                for k in ("ask_code", "code_locked", "too_many_codes") if not has(f"{step.proof_texts}.{k}")]
    return out


def _modules(flow: Flow) -> dict[str, list]:
    """The modules whose functions the flow's steps call, with those functions."""
    found: dict[str, list] = {}
    for step in flow.plan:
        for attr in ("action", "parse", "when", "fields", "choices"):
            fn = getattr(step, attr, None)
            module = getattr(fn, "__module__", None)
            if module and module in sys.modules and not module.startswith(("builtins", "functools")):
                found.setdefault(module, []).append(fn)
    return found


def _fn_targets(fn) -> frozenset[str]:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return frozenset()
    return _scan(source)[0]


@cache
def _literals(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """Goto targets and catalog keys written literally in ``module``."""
    try:
        return _scan(inspect.getsource(sys.modules[module]))
    except (OSError, TypeError):
        return frozenset(), frozenset()


def _scan(source: str) -> tuple[frozenset[str], frozenset[str]]:
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:  # a lambda's line cut out of a larger expression
        return frozenset(), frozenset()
    targets, keys = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "Goto" and node.args and isinstance(node.args[0], ast.Constant):
            targets.add(node.args[0].value)
        pos = _KEY_CALLS.get(name)
        if pos is not None and len(node.args) > pos:
            arg = node.args[pos]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _KEY.fullmatch(arg.value):
                keys.add(arg.value)
    return frozenset(targets), frozenset(keys)
