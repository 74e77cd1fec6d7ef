"""Command-line entry points: `tamin-bot nlu train|evaluate|test|parse`."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .data import load_data
from .model import NLU, data_path, default_nlu


def train(data: str | Path, out: str | Path) -> NLU:
    """Train on a Rasa NLU file and save the model."""
    nlu = NLU.from_yaml(data)
    nlu.save(out)
    return nlu


def _f1(p: float, r: float) -> float:
    """Harmonic mean, 0 when both are 0."""
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(model: str | Path | NLU, data: str | Path) -> dict[str, Any]:
    """Score a model on a Rasa NLU file: intent accuracy/macro-F1, entity P/R/F1, confusions, speed."""
    nlu = model if isinstance(model, NLU) else NLU.load(model)
    examples = load_data(data).examples
    confusions: Counter[tuple[str, str]] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    etp = efp = efn = 0
    t0 = time.perf_counter()
    results = [nlu.parse(ex.text) for ex in examples]
    elapsed = time.perf_counter() - t0
    for ex, res in zip(examples, results, strict=True):
        pred = res["intent"]["name"]
        if pred == ex.intent:
            tp[ex.intent] += 1
        else:
            fp[pred] += 1
            fn[ex.intent] += 1
            confusions[(ex.intent, pred)] += 1
        gold = {(e.start, e.end, e.entity) for e in ex.entities}
        got = {(e["start"], e["end"], e["entity"]) for e in res["entities"]}
        etp += len(gold & got)
        efp += len(got - gold)
        efn += len(gold - got)
    labels = sorted({ex.intent for ex in examples})
    f1s = [_f1(tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0, tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0)
           for c in labels]
    n = len(examples)
    ep = etp / (etp + efp) if etp + efp else 0.0
    er = etp / (etp + efn) if etp + efn else 0.0
    return {
        "examples": n,
        "intent_accuracy": round(sum(tp.values()) / n, 4) if n else 0.0,
        "intent_macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "entity_precision": round(ep, 4),
        "entity_recall": round(er, 4),
        "entity_f1": round(_f1(ep, er), 4),
        "top_confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(10)],
        "ms_per_utterance": round(1000 * elapsed / n, 3) if n else 0.0,
    }


def parse(text: str, model: str | Path | None = None) -> dict[str, Any]:
    """Parse one message with a saved model, or with the project's default NLU."""
    nlu = NLU.load(model) if model else default_nlu()
    return nlu.parse(text)


def _print(obj: Any) -> None:
    """Pretty JSON to stdout."""
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _cmd_train(args: argparse.Namespace) -> int:
    """`nlu train`."""
    nlu = train(args.data, args.out)
    _print({"model": str(args.out), "intents": len(nlu.intents()), "threshold": nlu.threshold,
            "doubt": {"threshold": nlu.doubt.threshold, "margin": nlu.doubt.margin, "temperature": nlu.doubt.temperature},
            "encoder": nlu.encoder_name, "cascade": {"alpha": nlu.cascade.alpha, "below_margin": nlu.cascade.margin}})
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    """`nlu evaluate`."""
    _print(evaluate(args.model, args.data))
    return 0


def _cmd_test(args: argparse.Namespace) -> int:
    """`nlu test`: like `rasa test nlu` (a saved model on a test file, or --cross-validation)."""
    from . import report as rep

    data = load_data(args.data)
    if args.cross_validation:
        result = rep.cross_validate(lambda part: NLU.train(part), data, args.folds)
    else:
        nlu = NLU.load(args.model) if args.model else default_nlu()
        result = rep.test_examples(nlu.parse, data.examples)
    written = rep.write_results(result, args.out)
    print("\n".join(rep.summary_lines(result)))
    print("written: " + ", ".join(str(p) for p in written))
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    """`nlu parse`."""
    _print(parse(args.text, args.model))
    return 0


def add_arguments(subparsers: Any) -> argparse.ArgumentParser:
    """Register `nlu train|evaluate|parse` on an argparse subparsers object; each sets args.func."""
    nlu = subparsers.add_parser("nlu", help="train, evaluate or try the Persian NLU")
    sub = nlu.add_subparsers(dest="nlu_command", required=True)
    p = sub.add_parser("train", help="train a model from a Rasa NLU YAML file")
    p.add_argument("--data", required=True, help="Rasa NLU YAML")
    p.add_argument("--out", required=True, help="model file to write")
    p.set_defaults(func=_cmd_train)
    p = sub.add_parser("evaluate", help="score a model on a Rasa NLU YAML file (JSON report)")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("test", help="per-intent report, errors file and confusions, like `rasa test nlu`")
    p.add_argument("--data", default=str(data_path()), help="Rasa NLU YAML to test on (or to cross-validate)")
    p.add_argument("--model", default=None, help="saved model (default: the project's model)")
    p.add_argument("--cross-validation", action="store_true", help="k-fold cross-validation on --data")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--out", default="results", help="folder for intent_report.json, intent_errors.json, …")
    p.set_defaults(func=_cmd_test)
    p = sub.add_parser("parse", help="parse one message")
    p.add_argument("text")
    p.add_argument("--model", default=None, help="saved model (default: train from data/nlu.yml)")
    p.set_defaults(func=_cmd_parse)
    return nlu


def main(argv: list[str] | None = None) -> int:
    """Standalone entry: python -m bot.nlu.cli nlu ..."""
    ap = argparse.ArgumentParser(prog="tamin-bot")
    add_arguments(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
