"""Every service flow the bot offers, in the order of its menu."""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from basics.yamlload import load_yaml
from bot.engine.catalog import data_dir
from bot.engine.checks import check_once
from bot.engine.flow import Flow

# module names under bot.flows, in menu order; a module that is not there yet is skipped
SERVICE_MODULES = [
    "pension", "insurance", "sick_pay", "military", "voluntary", "dependents", "fractional",
    "debt", "objection", "e_notice", "article38", "my_status",
]


def load_flows(modules: list[str] | None = None) -> dict[str, Flow]:
    """The flows by name (their NLU intent), in menu order, checked (``FlowError`` if they do not hold)."""
    flows: dict[str, Flow] = {}
    names: list[str] = []
    for module in modules or SERVICE_MODULES:
        try:
            mod = importlib.import_module(module if "." in module else f"bot.flows.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bot.flows.{module}":
                continue
            raise
        flow: Flow = mod.FLOW
        flows[flow.name] = flow
        names.append(mod.__name__)
    check_once(flows, modules=names, files=checked_files(), intents=nlu_intents, guide=guide_ids)
    return flows


def checked_files() -> list[Path]:
    """The files the checks read besides the flows' modules: this package, the catalog, nlu.yml, the guide."""
    data = data_dir()
    return [*Path(__file__).parent.glob("*.py"), *sorted((data / "texts").glob("*.fa.yml")),
            data / "nlu.yml", data / "knowledge" / "services.fa.yml"]


@cache
def nlu_intents() -> frozenset[str]:
    """The intents data/nlu.yml has examples for."""
    data = load_yaml((data_dir() / "nlu.yml").read_text(encoding="utf-8")) or {}
    return frozenset(item["intent"] for item in data.get("nlu", []) if isinstance(item, dict) and "intent" in item)


@cache
def guide_ids() -> frozenset[str]:
    """The services the guide (data/knowledge/services.fa.yml) describes."""
    data = load_yaml((data_dir() / "knowledge" / "services.fa.yml").read_text(encoding="utf-8")) or {}
    return frozenset(str(s["id"]) for s in data.get("services", []) if isinstance(s, dict) and "id" in s)
