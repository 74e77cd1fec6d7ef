"""Out-of-scope rules compared on the project hold-outs: plain threshold vs CV-chosen confidence+margin.

Usage: TAMIN_NLU_ENCODER=off python bench/nlu_doubt.py
Prints, per rule: hold-out accuracy, right intents overridden to out_of_scope, out-of-scope caught, and how
often the right service is among the three offered when the bot asks «منظورتان … است یا …؟».
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.data import load_data  # noqa: E402
from bot.nlu.model import NLU, Doubt  # noqa: E402
from bot.nlu.posters import PosterIndex  # noqa: E402


def score(nlu: NLU, examples: list) -> dict[str, object]:
    """Accuracy and the doubt's effects on one set."""
    ok = overridden = oos_hit = oos_n = unsure = offered = 0
    for e in examples:
        r = nlu.parse(e.text)
        name = r["intent"]["name"]
        ok += name == e.intent
        if e.intent == "out_of_scope":
            oos_n += 1
            oos_hit += name == "out_of_scope"
            continue
        raw_top = next(x["name"] for x in r["intent_ranking"] if x["name"] != "out_of_scope") if r["clarify"] else name
        overridden += name == "out_of_scope" and raw_top == e.intent
        if r["clarify"]:
            unsure += 1
            offered += e.intent in r["clarify"]
    return {"accuracy": round(ok / len(examples), 4), "right_top_overridden": overridden,
            "oos_caught": f"{oos_hit}/{oos_n}", "asked": unsure, "right_among_three_offered": offered}


def main() -> None:
    nlu = NLU.train(load_data(ROOT / "data" / "nlu.yml"))
    nlu.posters = PosterIndex.from_knowledge(ROOT / "data" / "knowledge" / "services.fa.yml")
    chosen = nlu.doubt
    sets = {p.name: load_data(p).examples for p in (ROOT / "tests" / "nlu" / "holdout_citizens.yml",
                                                     ROOT / "tests" / "nlu" / "heldout.yml")}
    for label, doubt in (("cv confidence+margin", chosen), ("threshold 0.31 alone (before)", Doubt(0.31, 1.0))):
        nlu.doubt = doubt
        print(json.dumps({"rule": label, "doubt": vars(doubt),
                          **{k: score(nlu, v) for k, v in sets.items()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
