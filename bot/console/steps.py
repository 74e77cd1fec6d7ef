"""What a flow's step asks, short, for the supervisor's charts: «تاریخ انجام آزمایش کرونا را بفرستید.»
instead of the step's internal name «test_date»."""

from __future__ import annotations

import re

from bot.engine.catalog import has, t, texts

MAX_CHARS = 42
_PAREN = re.compile(r"\([^()]*\)|«[^«»]*\{[^«»]*»")
_CLAUSE = re.compile(r"[^.؟?:!\n،]+[.؟?:!،]?")
_PLEASE = re.compile(r"^(لطفاً|لطفا)\s+")
_EXAMPLE = re.compile(r"^(مانند|مثلاً|مثلا|مثل)\s")


def short_question(template: str) -> str | None:
    """The question of a prompt template: its last clause without a placeholder, ``MAX_CHARS`` at most."""
    text = _PAREN.sub(" ", template)
    clauses = [" ".join(c.split()) for c in _CLAUSE.findall(text)]
    clauses = [c.replace(" .", ".").replace(" ؟", "؟") for c in clauses
               if "{" not in c and "}" not in c and len(c.split()) >= 2 and not _EXAMPLE.match(c)]
    if not clauses:
        return None
    asks = [c for c in clauses if c.endswith(("؟", "?"))]
    text = _PLEASE.sub("", (asks or clauses)[-1]).rstrip("،:")
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def _prompt_of(flow, step: str) -> str | None:
    for item in getattr(flow, "steps", None) or []:
        if getattr(item, "name", None) == step:
            key = getattr(item, "prompt", "") or ""
            if not key:
                return None
            catalog = texts()
            for template in (catalog.get(f"{key}.sms"), catalog.get(key) or catalog.get(f"{key}.text")):
                question = short_question(template) if template else None
                if question:
                    return question
            return None
    return None


def step_question(flows: dict, flow: str, step: str) -> str:
    """The question a person left at: a console label for the flow's step, the step's own prompt (its
    short SMS wording), a console label for steps of every flow (identity, «confirm»), or the name."""
    if has(f"console.step.{flow}.{step}"):
        return t(f"console.step.{flow}.{step}")
    question = _prompt_of(flows.get(flow), step)
    if question:
        return question
    if has(f"console.step.{step}"):
        return t(f"console.step.{step}")
    return step
