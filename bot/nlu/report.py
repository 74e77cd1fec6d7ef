"""`rasa test nlu`-style reports: per-intent precision/recall/F1, confusions, errors, cross-validation."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .data import Example, TrainingData


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1-score": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def classification_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """scikit-learn's report shape, as Rasa writes it to intent_report.json."""
    labels = sorted(set(gold) | set(predicted))
    tp, fp, fn, support = Counter(), Counter(), Counter(), Counter(gold)
    confused: dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
            confused[g][p] += 1
    report: dict[str, Any] = {}
    for label in labels:
        report[label] = {**_prf(tp[label], fp[label], fn[label]), "support": support[label],
                         "confused_with": dict(confused[label].most_common(3))}
    n = len(gold)
    present = [lab for lab in labels if support[lab]]
    macro = {k: round(sum(report[lab][k] for lab in present) / len(present), 4) if present else 0.0
             for k in ("precision", "recall", "f1-score")}
    weighted = {k: round(sum(report[lab][k] * support[lab] for lab in present) / n, 4) if n else 0.0
                for k in ("precision", "recall", "f1-score")}
    report["accuracy"] = round(sum(tp.values()) / n, 4) if n else 0.0
    report["macro avg"] = {**macro, "support": n}
    report["weighted avg"] = {**weighted, "support": n}
    return report


def entity_report(gold: Sequence[set[tuple[int, int, str]]], got: Sequence[set[tuple[int, int, str]]]) -> dict[str, Any]:
    """Exact-span entity precision/recall/F1 per entity type."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, o in zip(gold, got, strict=True):
        for *_, e in g & o:
            tp[e] += 1
        for *_, e in o - g:
            fp[e] += 1
        for *_, e in g - o:
            fn[e] += 1
    types = sorted(set(tp) | set(fp) | set(fn))
    out: dict[str, Any] = {e: {**_prf(tp[e], fp[e], fn[e]), "support": tp[e] + fn[e]} for e in types}
    out["micro avg"] = {**_prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
                        "support": sum(tp.values()) + sum(fn.values())}
    return out


def test_examples(parse: Callable[[str], dict[str, Any]], examples: Sequence[Example]) -> dict[str, Any]:
    """Parse every example; the intent and entity reports and the list of intent errors."""
    results = [parse(ex.text) for ex in examples]
    gold = [ex.intent for ex in examples]
    predicted = [r["intent"]["name"] for r in results]
    errors = [{"text": ex.text, "intent": ex.intent,
               "intent_prediction": {"name": r["intent"]["name"], "confidence": r["intent"]["confidence"]}}
              for ex, r in zip(examples, results, strict=True) if r["intent"]["name"] != ex.intent]
    ents = entity_report([{(e.start, e.end, e.entity) for e in ex.entities} for ex in examples],
                         [{(e["start"], e["end"], e["entity"]) for e in r["entities"]} for r in results])
    return {"intent_report": classification_report(gold, predicted), "intent_errors": errors,
            "entity_report": ents}


def folds(examples: Sequence[Example], k: int, seed: int = 13) -> list[tuple[list[Example], list[Example]]]:
    """Stratified k folds (every intent spread over the folds), as Rasa's cross-validation does."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_intent[ex.intent].append(ex)
    rng = random.Random(seed)
    buckets: list[list[Example]] = [[] for _ in range(k)]
    for intent in sorted(by_intent):
        items = by_intent[intent][:]
        rng.shuffle(items)
        for i, ex in enumerate(items):
            buckets[i % k].append(ex)
    return [([e for j, b in enumerate(buckets) if j != i for e in b], buckets[i]) for i in range(k)]


def cross_validate(train: Callable[[TrainingData], Any], data: TrainingData, k: int = 5) -> dict[str, Any]:
    """Train on k-1 folds, test on the held-out one, k times; the reports over all held-out examples."""
    held: list[Example] = []
    results: list[dict[str, Any]] = []
    per_fold: list[float] = []
    for train_part, test_part in folds(data.examples, k):
        model = train(TrainingData(examples=train_part, synonyms=data.synonyms))
        out = [model.parse(ex.text) for ex in test_part]
        per_fold.append(sum(o["intent"]["name"] == ex.intent for o, ex in zip(out, test_part, strict=True))
                        / max(len(test_part), 1))
        held += test_part
        results += out
    it = iter(results)
    report = test_examples(lambda _text: next(it), held)
    report["folds"] = {"k": k, "accuracy_per_fold": [round(a, 4) for a in per_fold]}
    return report


def write_results(report: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write intent_report.json, intent_errors.json and entity report files, as `rasa test nlu` does."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, key in (("intent_report.json", "intent_report"), ("intent_errors.json", "intent_errors"),
                      ("TaminEntityExtractor_report.json", "entity_report")):
        path = out / name
        path.write_text(json.dumps(report[key], ensure_ascii=False, indent=2), encoding="utf-8")
        written.append(path)
    return written


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A short human summary: accuracy, macro F1, the intents that suffer most, top confusions."""
    ir = report["intent_report"]
    lines = [f"intent accuracy {ir['accuracy']:.4f}  macro-F1 {ir['macro avg']['f1-score']:.4f}  "
             f"examples {ir['macro avg']['support']}"]
    if "folds" in report:
        lines.append(f"{report['folds']['k']}-fold accuracy per fold: {report['folds']['accuracy_per_fold']}")
    intents = [(k, v) for k, v in ir.items() if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg")]
    lines.append(f"{'intent':<28} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}  confused with")
    for name, row in sorted(intents, key=lambda kv: kv[1]["f1-score"]):
        conf = ", ".join(f"{k}×{v}" for k, v in row["confused_with"].items())
        lines.append(f"{name:<28} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1-score']:>6.3f} "
                     f"{row['support']:>5}  {conf}")
    ents = report["entity_report"].get("micro avg")
    if ents:
        lines.append(f"entities micro P/R/F1 {ents['precision']:.4f}/{ents['recall']:.4f}/{ents['f1-score']:.4f}")
    lines.append(f"intent errors: {len(report['intent_errors'])}")
    return lines
