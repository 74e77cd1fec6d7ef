"""Tagger internals: the fast sentence encoder, pruned Viterbi, and the SVM intent model."""

import itertools
import random

import numpy as np
import pytest

from bot.nlu.classifier import IntentClassifier
from bot.nlu.tagger import Tagger, spans

WORDS = "از به تا بوستون دنور سن فرانسیسکو پرواز صبح بعد ظهر ساعت 5 را نشان بده کرایه".split()


def _corpus(n: int, seed: int = 1) -> tuple[list[list[str]], list[list[str]]]:
    """Random sentences tagged by a simple rule (city after از/به)."""
    rng = random.Random(seed)
    sents, tags = [], []
    for _ in range(n):
        toks = [rng.choice(WORDS) for _ in range(rng.randint(1, 14))]
        ts = ["O"] * len(toks)
        for i in range(1, len(toks)):
            if toks[i] in ("بوستون", "دنور", "سن") and toks[i - 1] in ("از", "به"):
                ts[i] = ("B-fromloc" if toks[i - 1] == "از" else "B-toloc")
                if toks[i] == "سن" and i + 1 < len(toks) and toks[i + 1] == "فرانسیسکو":
                    ts[i + 1] = "I-" + ts[i][2:]
        sents.append(toks)
        tags.append(ts)
    return sents, tags


def test_fast_encoder_matches_feature_function() -> None:
    sents, tags = _corpus(300)
    tg = Tagger(epochs=1).fit(sents, tags)
    for toks in [*_corpus(100, seed=2)[0], ["x"], ["ناشناخته", "کلمه"]]:
        f1, o1 = tg._encode_default(toks)
        f2, o2 = tg._encode_generic(toks)
        e1, e2 = [*o1[1:], len(f1)], [*o2[1:], len(f2)]
        for i in range(len(toks)):
            assert set(f1[o1[i]:e1[i]]) == set(f2[o2[i]:e2[i]])


def test_pruned_viterbi_is_exact_over_allowed_labels() -> None:
    rng = np.random.default_rng(0)
    tg = Tagger()
    L = 9
    for _ in range(200):
        n = int(rng.integers(1, 5))
        E = rng.normal(size=(n, L)).astype(np.float32)
        T = rng.normal(size=(L + 1, L)).astype(np.float32)
        allowed = [np.sort(rng.choice(L, size=int(rng.integers(1, L + 1)), replace=False)) for _ in range(n)]

        def score(p: tuple[int, ...], E: np.ndarray = E, T: np.ndarray = T) -> float:
            return float(E[np.arange(len(p)), list(p)].sum() + T[L, p[0]]
                         + sum(T[p[i - 1], p[i]] for i in range(1, len(p))))

        best = max(itertools.product(*[a.tolist() for a in allowed]), key=score)
        got = tg._viterbi(E, T, allowed)
        assert all(g in a for g, a in zip(got, allowed, strict=True))
        assert score(tuple(got)) == pytest.approx(score(best), abs=1e-4)
        assert tg._viterbi(E, T, [np.arange(L)] * n) == tg._viterbi(E, T)


def test_tagger_learns_and_prunes() -> None:
    sents, tags = _corpus(400)
    tg = Tagger(epochs=5).fit(sents, tags)
    assert tg.tagdict and all(tg.labels.index("O") in a for a in tg.tagdict.values())
    test_s, test_t = _corpus(100, seed=3)
    pred = [tg.predict(s) for s in test_s]
    ok = sum(set(spans(p)) == set(spans(g)) for p, g in zip(pred, test_t, strict=True))
    assert ok >= 95
    assert tg.predict([]) == []


def test_svm_intents_rank() -> None:
    texts = ["بدهی کارگاه", "بدهی کارفرما", "bedehi kargah", "سلام", "سلام خوبی", "درود", "salam"]
    labels = ["debt", "debt", "debt", "greet", "greet", "greet", "greet"]
    clf = IntentClassifier(C=1.0, model="svm").fit(texts, labels)
    assert clf.rank("بدهی کارگاهم", 1)[0][0] == "debt"
    assert clf.rank("سلام علیکم", 1)[0][0] == "greet"
    assert abs(sum(p for _, p in clf.rank("سلام", 10)) - 1) < 1e-5
    with pytest.raises(ValueError):
        IntentClassifier(model="tree")


_CUE = {"fromloc": ["از"], "toloc": ["به"], "stoploc": ["با", "توقف", "در"]}


def _legs(names: list[str], n: int) -> tuple[list[list[str]], list[list[str]]]:
    """«پرواز از/به/با توقف در [فرودگاه] X»: every role × kind often, except one stop-over airport (once)."""
    rng = random.Random(1)
    sents, tags = [], []
    rare_seen = False
    while len(sents) < n:
        role, kind = rng.choice(list(_CUE)), rng.choice(["city_name", "airport_name"])
        if (role, kind) == ("stoploc", "airport_name"):
            if rare_seen:
                continue
            rare_seen = True
        toks = ["پرواز", *_CUE[role]] + (["فرودگاه"] if kind == "airport_name" else [])
        sents.append([*toks, rng.choice(names), "را", "بده"])
        tags.append(["O"] * len(toks) + [f"B-{role}.{kind}", "O", "O"])
    return sents, tags


def test_a_slot_seen_once_is_found_from_its_role_and_kind_seen_elsewhere() -> None:
    names = [f"شهر{i}" for i in range(60)]
    tg = Tagger(epochs=8).fit(*_legs(names[:40], 800))
    for name in names[40:]:  # unseen names: «stop over at the airport X» read from «با توقف در» + «فرودگاه»
        assert tg.predict(["پرواز", "با", "توقف", "در", "فرودگاه", name, "را", "بده"])[5] == "B-stoploc.airport_name"
