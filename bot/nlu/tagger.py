"""A BIO sequence tagger: averaged structured perceptron with first-order Viterbi (CRF-like, numpy)."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .finglish import skeleton_word

FeatureFn = Callable[[Sequence[str], int], list[str]]
_DIGIT = re.compile(r"\d")
WIDE = 10  # words this far away still count, as an unordered bag


@lru_cache(maxsize=65536)
def shape(w: str) -> str:
    """Coarse word shape: digits as D, Latin as a, Persian as f, runs squeezed beyond 4."""
    s = _DIGIT.sub("D", w)
    s = re.sub(r"[a-z]", "a", s)
    s = re.sub(r"[^\Wa-zD_]", "f", s)
    return re.sub(r"(.)\1{4,}", r"\1\1\1\1+", s)


@lru_cache(maxsize=65536)
def _word_features(w0: str) -> tuple[str, ...]:
    """Features of the word itself: affixes, shape, length, skeleton, digit count."""
    f = ["p2=" + w0[:2], "p3=" + w0[:3], "s2=" + w0[-2:], "s3=" + w0[-3:], "sh=" + shape(w0),
         "len=" + str(min(len(w0), 12)), "sk=" + skeleton_word(w0)]
    if w0[:1].isdigit():
        f.append("nd=" + str(len(_DIGIT.findall(w0))))
    return tuple(f)


def token_features(toks: Sequence[str], i: int) -> list[str]:
    """Context features of token i: words in a ±2 window, bigrams, affixes, shape, skeleton."""
    n = len(toks)

    def w(k: int) -> str:
        j = i + k
        return toks[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")

    w0 = toks[i]
    wm1, wp1, wm2, wp2 = w(-1), w(1), w(-2), w(2)
    f = [
        "b", "w=" + w0, "w-1=" + wm1, "w+1=" + wp1, "w-2=" + wm2, "w+2=" + wp2,
        "w-1|w=" + wm1 + "|" + w0, "w|w+1=" + w0 + "|" + wp1, "w-2|w-1=" + wm2 + "|" + wm1,
        "w+1|w+2=" + wp1 + "|" + wp2, "w-1|w+1=" + wm1 + "|" + wp1, "w-3=" + w(-3), "w+3=" + w(3),
        "sh-1=" + shape(wm1), "sh+1=" + shape(wp1),
    ]
    f.extend(_word_features(w0))
    f.extend("L=" + t for t in toks[max(0, i - WIDE):max(0, i - 3)])
    f.extend("R=" + t for t in toks[i + 4:i + 1 + WIDE])
    return f


class Tagger:
    """Sequence labeller over token lists; labels are BIO strings."""

    def __init__(self, features: FeatureFn = token_features, epochs: int = 12, min_count: int = 1,
                 seed: int = 7, prune_min: int = 3, share: bool = True) -> None:
        self.features = features
        self.share = share
        self.epochs = epochs
        self.min_count = min_count
        self.seed = seed
        self.prune_min = prune_min
        self.tagdict: dict[str, np.ndarray] = {}  # frequent word → its training labels (+ O), for pruning
        self._all = np.zeros(0, dtype=np.int64)
        self._wcache: dict[str, tuple[Any, ...]] = {}
        self.labels: list[str] = []
        self.fidx: dict[str, int] = {}
        self.W = np.zeros((0, 0), dtype=np.float32)
        self.T = np.zeros((0, 0), dtype=np.float32)
        self.mask = np.zeros((0, 0), dtype=np.float32)

    def _word_ids(self, w: str) -> tuple[Any, ...]:
        """Feature ids a word contributes in each role (itself, ±1..3 neighbour, shapes, bags); cached."""
        got = self._wcache.get(w)
        if got is None:
            get = self.fidx.get
            own = [k for k in map(get, ["w=" + w, *_word_features(w)]) if k is not None]
            sh = shape(w)
            got = (own, *map(get, ("w-1=" + w, "w+1=" + w, "w-2=" + w, "w+2=" + w, "w-3=" + w, "w+3=" + w,
                                   "sh-1=" + sh, "sh+1=" + sh, "L=" + w, "R=" + w)))
            if len(self._wcache) < 200_000:
                self._wcache[w] = got
        return got

    def _encode_default(self, toks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """token_features' ids for a whole sentence, from per-word cached ids (same set, much faster)."""
        get = self.fidx.get
        n = len(toks)
        R = [self._word_ids(t) for t in toks]
        S, Z = self._word_ids("<s>"), self._word_ids("</s>")
        bias = get("b")
        padded = ["<s>"] * 3 + list(toks) + ["</s>"] * 3
        rows = [S] * 3 + R + [Z] * 3
        bag_l = [r[9] for r in R]
        bag_r = [r[10] for r in R]
        flat: list[int] = []
        offs: list[int] = []
        for i in range(n):
            offs.append(len(flat))
            k = i + 3
            wm2, wm1, w0, wp1, wp2 = padded[k - 2:k + 3]
            ids = set(R[i][0])
            ids.update((bias, rows[k - 1][1], rows[k + 1][2], rows[k - 2][3], rows[k + 2][4], rows[k - 3][5],
                        rows[k + 3][6], rows[k - 1][7], rows[k + 1][8],
                        get("w-1|w=" + wm1 + "|" + w0), get("w|w+1=" + w0 + "|" + wp1),
                        get("w-2|w-1=" + wm2 + "|" + wm1), get("w+1|w+2=" + wp1 + "|" + wp2),
                        get("w-1|w+1=" + wm1 + "|" + wp1)))
            if i > 3:
                ids.update(bag_l[max(0, i - WIDE):i - 3])
            if i + 4 < n:
                ids.update(bag_r[i + 4:i + 1 + WIDE])
            ids.discard(None)
            flat.extend(ids)  # type: ignore[arg-type]
        return np.asarray(flat, dtype=np.int64), np.asarray(offs, dtype=np.int64)

    def _encode(self, toks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Flat feature ids and per-token offsets (every token has the bias feature)."""
        if self.features is token_features:
            return self._encode_default(toks)
        return self._encode_generic(toks)

    def _encode_generic(self, toks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Flat feature ids and per-token offsets through the feature function (any features)."""
        flat: list[int] = []
        offs: list[int] = []
        get = self.fidx.get
        for i in range(len(toks)):
            offs.append(len(flat))
            ids = set(map(get, self.features(toks, i)))
            ids.discard(None)
            flat.extend(ids)  # type: ignore[arg-type]
        return np.asarray(flat, dtype=np.int64), np.asarray(offs, dtype=np.int64)

    def _transition_mask(self) -> np.ndarray:
        """-inf where BIO forbids a transition (I-x after anything but B-x/I-x); last row is start."""
        L = len(self.labels)
        m = np.zeros((L + 1, L), dtype=np.float32)
        for j, lab in enumerate(self.labels):
            if lab.startswith("I-"):
                typ = lab[2:]
                for i in range(L + 1):
                    prev = self.labels[i] if i < L else "O"
                    if prev[2:] != typ or prev == "O":
                        m[i, j] = -1e9
        return m

    def _allowed(self, toks: Sequence[str]) -> list[np.ndarray] | None:
        """Per token the labels worth scoring: those seen with a frequent word in training, else all."""
        if not self.tagdict:
            return None
        get = self.tagdict.get
        out = [get(t) for t in toks]
        if all(a is None for a in out):
            return None
        full = self._all
        return [full if a is None else a for a in out]

    def _viterbi(self, E: np.ndarray, T: np.ndarray, allowed: list[np.ndarray] | None = None) -> list[int]:
        """Best label path given emissions E (n, L) and transitions T (L+1, L), optionally over allowed labels."""
        n, L = E.shape
        if allowed is not None:
            ar = np.arange(L)
            prev = allowed[0]
            score = E[0, prev] + T[L, prev]
            backs = []
            for i in range(1, n):
                cur = allowed[i]
                cand = T[prev[:, None], cur]
                cand += score[:, None]
                b = cand.argmax(0)
                backs.append(b)
                score = cand[b, ar[:len(cur)]] + E[i, cur]
                prev = cur
            k = int(score.argmax())
            path = [int(prev[k])]
            for i in range(n - 2, -1, -1):
                k = int(backs[i][k])
                path.append(int(allowed[i][k]))
            return path[::-1]
        score = E[0] + T[L]
        backs = []
        Tm = T[:L]
        for i in range(1, n):
            cand = Tm + score[:, None]
            b = cand.argmax(0)
            backs.append(b)
            score = cand.max(0) + E[i]
        j = int(score.argmax())
        path = [j]
        for b in reversed(backs):
            j = int(b[j])
            path.append(j)
        return path[::-1]

    def _components(self) -> np.ndarray:
        """(parts, labels) 0/1 matrix: a label's parts shared with other labels — its BIO prefix with the slot's
        kind («B-city_name» of «B-fromloc.city_name») and with its role («B-fromloc»), when two labels share it."""
        owners: dict[str, set[int]] = {}
        for j, lab in enumerate(self.labels):
            bio, _, typ = lab.partition("-")
            role, dot, kind = typ.rpartition(".")
            if not dot:
                continue
            owners.setdefault(f"{bio}-k:{kind}", set()).add(j)
            owners.setdefault(f"{bio}-r:{role}", set()).add(j)
        parts = [js for js in owners.values() if len(js) > 1]
        M = np.zeros((len(parts), len(self.labels)), dtype=np.float32)
        for g, js in enumerate(parts):
            M[g, sorted(js)] = 1.0
        return M

    def fit(self, sents: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> Tagger:
        """Train on token lists and their BIO tags."""
        counts: Counter[str] = Counter()
        for toks in sents:
            for i in range(len(toks)):
                counts.update(set(self.features(toks, i)))
        self.fidx = {f: k for k, f in enumerate(f for f, c in counts.items() if c >= self.min_count)}
        self._wcache = {}
        self.labels = sorted({t for ts in tags for t in ts} | {"O"})
        lid = {lab: k for k, lab in enumerate(self.labels)}
        L, F = len(self.labels), len(self.fidx)
        W = np.zeros((F, L), dtype=np.float32)
        U = np.zeros((F, L), dtype=np.float32)
        T = np.zeros((L + 1, L), dtype=np.float32)
        TU = np.zeros((L + 1, L), dtype=np.float32)
        M = self._components() if self.share else np.zeros((0, L), dtype=np.float32)
        G = M.shape[0]
        part_of = [np.nonzero(M[:, j])[0] for j in range(L)]
        V = np.zeros((F, G), dtype=np.float32)
        VU = np.zeros((F, G), dtype=np.float32)
        self.mask = self._transition_mask()
        self._all = np.arange(L)
        seen: dict[str, set[int]] = {}
        freq: Counter[str] = Counter()
        for toks, ts in zip(sents, tags, strict=True):
            for t, g in zip(toks, ts, strict=True):
                seen.setdefault(t, set()).add(lid[g])
                freq[t] += 1
        o = lid["O"]
        self.tagdict = {t: np.array(sorted(seen[t] | {o}), dtype=np.int64) for t, c in freq.items()
                        if self.prune_min and c >= self.prune_min}
        # training decodes over all labels (pruned training learns too little against rare labels);
        # prediction prunes with the tag dictionary, which is both faster and as accurate
        data = [(*self._encode(s), np.asarray([lid[t] for t in ts])) for s, ts in zip(sents, tags, strict=True) if s]
        rng = random.Random(self.seed)
        c = 1.0
        for _ in range(self.epochs):
            rng.shuffle(data)
            for flat, offs, gold in data:
                E = np.add.reduceat(W[flat], offs, axis=0) if len(flat) else np.zeros((len(offs), L), np.float32)
                if G and len(flat):
                    E += np.add.reduceat(V[flat], offs, axis=0) @ M
                pred = np.asarray(self._viterbi(E, T + self.mask))
                if not np.array_equal(pred, gold):
                    ends = np.append(offs[1:], len(flat))
                    for i in np.nonzero(pred != gold)[0]:
                        f = flat[offs[i]:ends[i]]
                        W[f, gold[i]] += 1
                        W[f, pred[i]] -= 1
                        U[f, gold[i]] += c
                        U[f, pred[i]] -= c
                        if G:
                            pg_, pp_ = part_of[gold[i]], part_of[pred[i]]
                            if len(pg_):
                                V[np.ix_(f, pg_)] += 1
                                VU[np.ix_(f, pg_)] += c
                            if len(pp_):
                                V[np.ix_(f, pp_)] -= 1
                                VU[np.ix_(f, pp_)] -= c
                    pg = np.append(L, gold[:-1])
                    pp = np.append(L, pred[:-1])
                    np.add.at(T, (pg, gold), 1)
                    np.add.at(T, (pp, pred), -1)
                    np.add.at(TU, (pg, gold), c)
                    np.add.at(TU, (pp, pred), -c)
                c += 1
        self.W = W - U / c
        if G:  # fold the shared parts into each label's weights: prediction costs the same
            self.W += (V - VU / c) @ M
        self.T = (T - TU / c) + self.mask
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the word cache."""
        state = self.__dict__.copy()
        state["_wcache"] = {}
        return state

    def predict(self, toks: Sequence[str]) -> list[str]:
        """BIO tags for one token list."""
        if not toks:
            return []
        flat, offs = self._encode(toks)
        if len(flat):
            E = np.add.reduceat(self.W[flat], offs, axis=0)
        else:
            E = np.zeros((len(toks), len(self.labels)), np.float32)
        return [self.labels[j] for j in self._viterbi(E, self.T, self._allowed(toks))]


def spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """BIO tags → (first token, last token + 1, type) spans, seqeval-style (stray I- starts a span)."""
    out: list[tuple[int, int, str]] = []
    start, typ = -1, ""
    for i, t in enumerate([*tags, "O"]):
        bio, _, name = t.partition("-")
        if start >= 0 and (bio != "I" or name != typ):
            out.append((start, i, typ))
            start = -1
        if bio == "B" or (bio == "I" and start < 0):
            start, typ = i, name
    return out
