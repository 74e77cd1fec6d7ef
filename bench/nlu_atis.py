"""Persian ATIS benchmark for bot.nlu: intent accuracy, span slot F1, train time, parses/s/core.

Usage: python bench/nlu_atis.py [PATH] [--split dev|test] [--system bench|default]
(PATH defaults to ../shared/benchmarks/persian-atis). Trains on train; --split dev is for tuning, test only for
the reported figure. ``--system default`` trains what `tamin-bot nlu train` trains (``NLU.train`` on the split
as Rasa examples, doubt and all) and scores ``NLU.parse``: its intent and every entity it returns.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.nlu.classifier import IntentClassifier, default_views  # noqa: E402
from bot.nlu.data import Entity, Example, TrainingData  # noqa: E402
from bot.nlu.model import NLU  # noqa: E402
from bot.nlu.normalize import normalize  # noqa: E402
from bot.nlu.tagger import Tagger, spans  # noqa: E402


def load(root: Path, split: str) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Tokens, BIO tags and intents of one split."""
    d = root / split
    toks = [line.split() for line in (d / "seq.in").read_text(encoding="utf-8").splitlines()]
    tags = [line.split() for line in (d / "seq.out").read_text(encoding="utf-8").splitlines()]
    intents = [line.strip() for line in (d / "label").read_text(encoding="utf-8").splitlines()]
    assert len(toks) == len(tags) == len(intents)
    return toks, tags, intents


def span_f1(pred: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]) -> float:
    """seqeval-style micro F1 over exact (start, end, type) spans."""
    tp = fp = fn = 0
    for p, g in zip(pred, gold, strict=True):
        sp, sg = set(spans(p)), set(spans(g))
        tp += len(sp & sg)
        fp += len(sp - sg)
        fn += len(sg - sp)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


@lru_cache(maxsize=100_000)
def _norm_token(t: str) -> str:
    """Normalized token (never empty)."""
    return normalize(t) or t


def norm_tokens(toks: list[str]) -> list[str]:
    """Normalize token by token (keeps the 1:1 alignment with the tags)."""
    return [_norm_token(t) for t in toks]


def intent_views(text: str) -> list[list[str]]:
    """Classifier views for ATIS: the default ones."""
    return default_views(text)


class AtisModel:
    """Intent classifier + slot tagger trained on the ATIS splits."""

    def __init__(self, C: float, epochs: int, model: str = "svm", prune_min: int = 3) -> None:
        self.clf = IntentClassifier(C=C, model=model)
        self.tagger = Tagger(epochs=epochs, prune_min=prune_min)

    def fit(self, toks: list[list[str]], tags: list[list[str]], intents: list[str]) -> AtisModel:
        """Train both parts."""
        ntoks = [norm_tokens(t) for t in toks]
        self.tagger.fit(ntoks, tags)
        self.clf.fit([" ".join(t) for t in ntoks], intents)
        return self

    def parse(self, toks: list[str]) -> tuple[str, list[str]]:
        """Intent and tags of one utterance."""
        nt = norm_tokens(toks)
        return self.clf.rank(" ".join(nt), 1)[0][0], self.tagger.predict(nt)


def as_example(toks: list[str], tags: list[str], intent: str) -> Example:
    """One ATIS utterance as a Rasa example: tokens joined by spaces, BIO spans as character spans."""
    text, starts = _joined(toks)
    ents = tuple(Entity(starts[i], starts[j - 1] + len(toks[j - 1]), typ, " ".join(toks[i:j]))
                 for i, j, typ in spans(tags))
    return Example(text, intent, ents)


def _joined(toks: list[str]) -> tuple[str, list[int]]:
    """Space-joined text and each token's start offset."""
    starts, pos = [], 0
    for t in toks:
        starts.append(pos)
        pos += len(t) + 1
    return " ".join(toks), starts


class DefaultModel:
    """`tamin-bot nlu train`'s model (NLU.train) on ATIS, scored through NLU.parse."""

    def fit(self, toks: list[list[str]], tags: list[list[str]], intents: list[str]) -> DefaultModel:
        """Train exactly as the CLI does, from examples."""
        exs = [as_example(t, g, i) for t, g, i in zip(toks, tags, intents, strict=True)]
        self.nlu = NLU.train(TrainingData(examples=exs))
        return self

    def parse(self, toks: list[str]) -> tuple[str, list[str]]:
        """Intent and BIO tags (from the parse's character spans) of one utterance."""
        text, starts = _joined(toks)
        res = self.nlu.parse(text)
        tags = ["O"] * len(toks)
        for e in res["entities"]:
            inside = [k for k, s in enumerate(starts) if s < e["end"] and s + len(toks[k]) > e["start"]]
            for n, k in enumerate(inside):
                tags[k] = ("B-" if n == 0 else "I-") + e["entity"]
        return res["intent"]["name"], tags


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table row."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", nargs="?", default="../shared/benchmarks/persian-atis")
    ap.add_argument("--split", default="test", choices=["dev", "test"])
    ap.add_argument("--C", type=float, default=1.0, help="intent model's C (1 for svm, 100 for lr)")
    ap.add_argument("--model", default="svm", choices=["svm", "lr"], help="intent model")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--prune-min", type=int, default=3,
                    help="decode a word seen this often in training only over its training labels (0: never)")
    ap.add_argument("--system", default="bench", choices=["bench", "default"],
                    help="bench: this script's SVM + tagger; default: `tamin-bot nlu train`'s NLU.train + parse")
    args = ap.parse_args(argv)
    root = Path(args.path)
    train = load(root, "train")
    evals = load(root, args.split)
    t0, c0 = time.perf_counter(), time.process_time()
    model: AtisModel | DefaultModel
    if args.system == "default":
        model = DefaultModel().fit(*train)
    else:
        model = AtisModel(args.C, args.epochs, args.model, args.prune_min).fit(*train)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    times = []
    for _ in range(3):  # one at a time, one thread: CPU seconds = core seconds; median of 3 passes
        c0 = time.process_time()
        out = [model.parse(t) for t in evals[0]]
        times.append(time.process_time() - c0)
    parse_s = sorted(times)[1]
    acc = sum(p[0] == g for p, g in zip(out, evals[2], strict=True)) / len(out)
    f1 = span_f1([p[1] for p in out], evals[1])
    rate = len(out) / parse_s
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| system | split | intent acc | slot F1 | train s (wall / CPU) | parses/s/core | max RSS MB | cores |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.system} | {args.split} | {100 * acc:.2f} | {100 * f1:.2f} | {train_s:.1f} / {train_cpu:.1f} | {rate:.0f} "
          f"| {rss:.0f} | {os.cpu_count()} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
