"""Reading Rasa 3 NLU training data (YAML): intents, entity annotations, synonyms, regexes, lookups."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from basics.yamlload import load_yaml


@dataclass(frozen=True, slots=True)
class Entity:
    """One annotated entity span in an example's plain text."""

    start: int
    end: int
    entity: str
    value: str


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance: plain text, its intent and entity spans."""

    text: str
    intent: str
    entities: tuple[Entity, ...] = ()


@dataclass(slots=True)
class TrainingData:
    """Everything a Rasa NLU file holds that this package uses."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # surface form (normalized later) → value
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    def intents(self) -> list[str]:
        """Sorted intent names."""
        return sorted({e.intent for e in self.examples})


_ANNOT = re.compile(r"\[(?P<text>[^\]\n]+)\](?:\((?P<ent>[^)\n]+)\)|(?P<json>\{[^}\n]*\}))")


def parse_example(line: str, intent: str) -> Example:
    """Strip `[value](entity)` / `[value]{"entity": ..}` annotations, keeping their spans."""
    out: list[str] = []
    ents: list[Entity] = []
    pos = 0
    length = 0
    for m in _ANNOT.finditer(line):
        before = line[pos:m.start()]
        out.append(before)
        length += len(before)
        surface = m.group("text")
        entity, value = "", surface
        if m.group("ent"):
            entity, _, syn = m.group("ent").partition(":")
            value = syn or surface
        else:
            try:
                meta: Any = json.loads(m.group("json"))
            except ValueError:
                meta = {}
            if isinstance(meta, dict):
                entity = str(meta.get("entity", ""))
                value = str(meta.get("value", surface))
        if entity:
            ents.append(Entity(length, length + len(surface), entity.strip(), value))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(line[pos:])
    return Example("".join(out), intent, tuple(ents))


def _lines(block: Any) -> list[str]:
    """Example lines of an `examples:` block (string with '- ' items, or a list)."""
    if isinstance(block, str):
        items = []
        for raw in block.splitlines():
            s = raw.strip()
            if s.startswith("- "):
                items.append(s[2:].strip())
            elif s == "-":
                continue
        return items
    if isinstance(block, list):
        return [str(x.get("text", "")) if isinstance(x, dict) else str(x) for x in block]
    return []


def load_data(source: str | Path | dict[str, Any]) -> TrainingData:
    """Parse a Rasa NLU YAML file (path, YAML text or already loaded dict); unknown blocks are ignored."""
    if isinstance(source, dict):
        doc: Any = source
    else:
        p = Path(source) if not isinstance(source, str) or "\n" not in source else None
        text = p.read_text(encoding="utf-8") if p is not None else str(source)
        doc = load_yaml(text) or {}
    data = TrainingData()
    items = doc.get("nlu", []) if isinstance(doc, dict) else []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        examples = _lines(item.get("examples", ""))
        if "intent" in item:
            intent = str(item["intent"]).strip()
            data.examples.extend(parse_example(line, intent) for line in examples if line)
        elif "synonym" in item:
            for line in examples:
                data.synonyms[line] = str(item["synonym"])
        elif "regex" in item:
            data.regexes.setdefault(str(item["regex"]), []).extend(examples)
        elif "lookup" in item:
            data.lookups.setdefault(str(item["lookup"]), []).extend(examples)
    for ex in data.examples:  # inline synonyms from [surface](entity:value) or {"value": ...}
        for e in ex.entities:
            surface = ex.text[e.start:e.end]
            if e.value != surface:
                data.synonyms.setdefault(surface, e.value)
    return data
