"""Every service flow the bot offers, in the order of its menu."""

from __future__ import annotations

import importlib

from bot.flows.model import Flow

# module names under bot.flows, in menu order; a module that is not there yet is skipped
SERVICE_MODULES = [
    "pension", "insurance", "sick_pay", "military", "voluntary", "dependents", "fractional",
    "debt", "objection", "e_notice", "article38", "my_status",
]


def load_flows() -> dict[str, Flow]:
    """The flows by name (their NLU intent), in menu order."""
    flows: dict[str, Flow] = {}
    for module in SERVICE_MODULES:
        try:
            mod = importlib.import_module(f"bot.flows.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bot.flows.{module}":
                continue
            raise
        flow: Flow = mod.FLOW
        flows[flow.name] = flow
    return flows
