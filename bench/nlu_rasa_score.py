"""Score a trained Rasa NLU model on Rasa YAML hold-outs (top intent with and without FallbackClassifier).

Runs under Rasa's own Python (3.10), not the bot's venv:
    python3.10 -m venv /tmp/rasa && /tmp/rasa/bin/pip install rasa==3.6.21
    RASA_TELEMETRY_ENABLED=false /tmp/rasa/bin/rasa train nlu --config bench/nlu_rasa_config.yml \
        --nlu data/nlu.yml --out /tmp/rasa-models --fixed-model-name diet
    RASA_TELEMETRY_ENABLED=false /tmp/rasa/bin/python bench/nlu_rasa_score.py /tmp/rasa-models/diet.tar.gz \
        tests/nlu/holdout_citizens.yml tests/nlu/heldout.yml
"""

import asyncio
import json
import sys
import time

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data


async def main() -> None:
    """Parse every example of every file; print one JSON line per file."""
    agent = Agent.load(sys.argv[1])
    for f in sys.argv[2:]:
        td = load_data(f)
        ok_fb = ok_top = 0
        n = 0
        t = time.perf_counter()
        for m in td.intent_examples:
            r = await agent.parse_message(m.get("text"))
            name = r["intent"]["name"]
            top = next((x["name"] for x in r.get("intent_ranking", []) if x["name"] != "nlu_fallback"), name)
            gold = m.get("intent")
            ok_fb += (name if name != "nlu_fallback" else "out_of_scope") == gold
            ok_top += top == gold
            n += 1
        print(json.dumps({"file": f, "n": n, "acc_with_fallback": round(ok_fb / n, 4),
                          "acc_top_intent": round(ok_top / n, 4),
                          "ms_per_parse": round((time.perf_counter() - t) * 1000 / n, 2)}))


if __name__ == "__main__":
    asyncio.run(main())
