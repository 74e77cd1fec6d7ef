"""Intent classifier: TF-IDF over char n-grams, word n-grams and a Finglish skeleton → logistic regression."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from .finglish import skeleton
from .normalize import ZWNJ

_WORD = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)*|\d+")


def _char_ngrams(text: str, lo: int, hi: int, prefix: str) -> list[str]:
    """Word-bounded character n-grams (like sklearn's char_wb)."""
    out: list[str] = []
    for w in text.split():
        w = f" {w} "
        n = len(w)
        for k in range(lo, hi + 1):
            if k > n:
                break
            out.extend(prefix + w[i:i + k] for i in range(n - k + 1))
    return out


def default_views(norm: str) -> list[list[str]]:
    """Feature views of a normalized text: chars (1–5), words (1–2), skeleton chars (2–4) + words."""
    flat = norm.replace(ZWNJ, "")
    words = _WORD.findall(norm)
    wv = ["w:" + w for w in words] + ["w:" + a + " " + b for a, b in zip(words, words[1:], strict=False)]
    sk = skeleton(norm)
    sv = _char_ngrams(sk, 2, 4, "s:") + ["sw:" + w for w in sk.split()]
    return [_char_ngrams(flat, 1, 5, "c:"), wv, sv]


ViewFn = Callable[[str], list[list[str]]]


class Vectorizer:
    """Multi-view sublinear TF-IDF with one L2-normalised block per view and a fast single-text path."""

    def __init__(self, views: ViewFn = default_views, weights: Sequence[float] = (1.0, 1.0, 0.6),
                 min_df: int = 1) -> None:
        self.views = views
        self.weights = list(weights)
        self.min_df = min_df
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    def fit(self, texts: Sequence[str]) -> Vectorizer:
        """Learn vocabulary and IDF."""
        df: Counter[str] = Counter()
        for t in texts:
            for view in self.views(t):
                df.update(set(view))
        feats = [f for f, c in df.items() if c >= self.min_df]
        self.vocab = {f: i for i, f in enumerate(feats)}
        n = len(texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in feats], dtype=np.float32)
        return self

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature ids and weights of one text."""
        ids: list[int] = []
        vals: list[float] = []
        get = self.vocab.get
        for view, wt in zip(self.views(text), self.weights, strict=False):
            counts: Counter[int] = Counter()
            for f in view:
                k = get(f)
                if k is not None:
                    counts[k] += 1
            if not counts:
                continue
            keys = list(counts)
            v = (1 + np.log(np.fromiter(counts.values(), np.float32, len(keys)))) * self.idf[keys]
            v *= wt / (float(np.sqrt((v * v).sum())) or 1.0)
            ids.extend(keys)
            vals.extend(v.tolist())
        return np.asarray(ids, dtype=np.int64), np.asarray(vals, dtype=np.float32)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Sparse matrix for many texts."""
        rows, cols, data = [], [], []
        for r, t in enumerate(texts):
            ids, vals = self.encode(t)
            rows.extend([r] * len(ids))
            cols.extend(ids.tolist())
            data.extend(vals.tolist())
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), len(self.vocab)), dtype=np.float32)


class IntentClassifier:
    """Multinomial logistic regression over Vectorizer features; probabilities for a ranking."""

    def __init__(self, C: float = 20.0, vectorizer: Vectorizer | None = None) -> None:
        self.C = C
        self.vec = vectorizer or Vectorizer()
        self.classes: list[str] = []
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0, dtype=np.float32)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        """Train on normalized texts."""
        X = self.vec.fit(texts).transform(texts)
        self.classes = sorted(set(labels))
        if len(self.classes) == 1:
            self.coef = np.zeros((X.shape[1], 1), dtype=np.float32)
            self.intercept = np.zeros(1, dtype=np.float32)
            return self
        lr = LogisticRegression(C=self.C, max_iter=500, solver="newton-cg")
        lr.fit(X, labels)
        coef, icpt = lr.coef_, lr.intercept_
        if len(self.classes) == 2:  # binary LR keeps one row; spread it as a softmax pair
            coef = np.vstack([-coef / 2, coef / 2])
            icpt = np.array([-icpt[0] / 2, icpt[0] / 2])
        self.classes = [str(c) for c in lr.classes_]
        self.coef = np.ascontiguousarray(coef.T, dtype=np.float32)  # (features, classes)
        self.intercept = icpt.astype(np.float32)
        return self

    def scores(self, text: str) -> np.ndarray:
        """Class probabilities of one normalized text (in self.classes order)."""
        ids, vals = self.vec.encode(text)
        z = self.intercept + (vals @ self.coef[ids] if len(ids) else 0.0)
        z = np.exp(z - z.max())
        return z / z.sum()

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of many texts (rows)."""
        X = self.vec.transform(texts)
        z = X @ self.coef + self.intercept
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    def rank(self, text: str, n: int = 10) -> list[tuple[str, float]]:
        """The n likeliest intents with probabilities, best first."""
        p = self.scores(text)
        order = np.argsort(-p)[:n]
        return [(self.classes[i], float(p[i])) for i in order]
