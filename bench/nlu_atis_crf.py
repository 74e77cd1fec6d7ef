"""Persian ATIS slots with a linear-chain CRF (python-crfsuite, L-BFGS) on the perceptron tagger's features.

Usage: PYTHONPATH=<dir with pycrfsuite> python bench/nlu_atis_crf.py [PATH] [--split dev|test] [--c1 0.05 --c2 0.01]
An experiment beside bench/nlu_atis.py (same features, same span F1), not the default tagger.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pycrfsuite  # noqa: E402
from nlu_atis import load, norm_tokens, span_f1  # noqa: E402

from bot.nlu.tagger import token_features  # noqa: E402


def feats(toks: list[str]) -> list[list[str]]:
    """The perceptron's features of every token."""
    return [token_features(toks, i) for i in range(len(toks))]


def main(argv: list[str] | None = None) -> int:
    """Train on train, score one split, print one table row."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", nargs="?", default="../shared/benchmarks/persian-atis")
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iterations", type=int, default=150)
    args = ap.parse_args(argv)
    root = Path(args.path)
    toks, tags, _ = load(root, "train")
    etoks, etags, _ = load(root, args.split)
    t0, c0 = time.perf_counter(), time.process_time()
    trainer = pycrfsuite.Trainer(verbose=False)
    for t, y in zip(toks, tags, strict=True):
        trainer.append(feats(norm_tokens(t)), y)
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    model = "/tmp/nlu-atis-crf.crfsuite"
    trainer.train(model)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    tagger = pycrfsuite.Tagger()
    tagger.open(model)
    c0 = time.process_time()
    pred = [tagger.tag(feats(norm_tokens(t))) for t in etoks]
    parse_s = time.process_time() - c0
    f1 = span_f1(pred, etags)
    print(f"| {args.split} | CRF c1={args.c1} c2={args.c2} it={args.iterations} | slot F1 {100 * f1:.2f} "
          f"| train {train_s:.1f} s wall / {train_cpu:.1f} s CPU | {len(pred) / parse_s:.0f} taggings/s/core |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
