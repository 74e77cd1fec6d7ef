"""Intent classifier: TF-IDF over char n-grams, word n-grams and a Finglish skeleton → linear SVM (or LR)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

from .finglish import skeleton
from .normalize import ZWNJ

_WORD = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)*|\d+")


def _char_ngrams(w: str, lo: int, hi: int, prefix: str) -> list[str]:
    """Character n-grams of one word padded with spaces (like sklearn's char_wb)."""
    w = f" {w} "
    n = len(w)
    out: list[str] = []
    for k in range(lo, min(hi, n) + 1):
        out.extend(prefix + w[i:i + k] for i in range(n - k + 1))
    return out


def chars_1_5(word: str) -> list[str]:
    """Char 1–5-grams of a word."""
    return _char_ngrams(word, 1, 5, "c:")


def as_word(unit: str) -> list[str]:
    """A word or word bigram as its own feature."""
    return ["w:" + unit]


def skeleton_grams(word: str) -> list[str]:
    """Char 2–4-grams of a skeleton word, plus the whole skeleton word."""
    return _char_ngrams(word, 2, 4, "s:") + ["sw:" + word]


def default_views(norm: str) -> list[list[str]]:
    """Units of each feature view: words (for chars), words+bigrams, skeleton words."""
    words = _WORD.findall(norm)
    return [norm.replace(ZWNJ, "").split(), words + [a + " " + b for a, b in zip(words, words[1:], strict=False)],
            skeleton(norm).split()]


DEFAULT_EXPANDERS = (chars_1_5, as_word, skeleton_grams)
ViewFn = Callable[[str], list[list[str]]]


class Vectorizer:
    """Multi-view sublinear TF-IDF, one L2-normalised block per view; units' feature ids are cached."""

    def __init__(self, views: ViewFn = default_views,
                 expanders: Sequence[Callable[[str], list[str]]] = DEFAULT_EXPANDERS,
                 weights: Sequence[float] = (1.0, 1.0, 0.6), min_df: int = 1) -> None:
        self.views = views
        self.expanders = list(expanders)
        self.weights = list(weights)
        self.min_df = min_df
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self._cache: list[dict[str, list[int]]] = [{} for _ in self.expanders]

    def fit(self, texts: Sequence[str]) -> Vectorizer:
        """Learn vocabulary and IDF."""
        df: Counter[str] = Counter()
        per_view: list[set[str]] = [set() for _ in self.expanders]
        for t in texts:
            feats: set[str] = set()
            for view, (units, expand) in enumerate(zip(self.views(t), self.expanders, strict=True)):
                for u in units:
                    fs = expand(u)
                    feats.update(fs)
                    per_view[view].update(fs)
            df.update(feats)
        view_of = {f: v for v in range(len(per_view) - 1, -1, -1) for f in per_view[v]}
        if sum(map(len, per_view)) != len(view_of):
            raise ValueError("two views produced the same feature; prefix their features apart")
        kept = [f for f, c in df.items() if c >= self.min_df]
        self.vocab = {f: i for i, f in enumerate(kept)}
        self._view_of = np.asarray([view_of[f] for f in kept], dtype=np.int64)
        self._wts = np.asarray(self.weights, dtype=np.float64)
        n = len(texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in kept], dtype=np.float32)
        self._cache = [{} for _ in self.expanders]
        return self

    def _ids(self, view: int, unit: str) -> list[int]:
        """Known feature ids of one unit (cached)."""
        cache = self._cache[view]
        ids = cache.get(unit)
        if ids is None:
            get = self.vocab.get
            ids = [k for k in (get(f) for f in self.expanders[view](unit)) if k is not None]
            if len(cache) < 200_000:
                cache[unit] = ids
        return ids

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature ids and weights of one text (views' ids are disjoint: one sort, per-view norms)."""
        ids: list[int] = []
        for view, units in enumerate(self.views(text)):
            if view >= len(self.weights):
                break
            get = self._cache[view].get
            for u in units:
                got = get(u)
                ids.extend(self._ids(view, u) if got is None else got)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        uniq, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        v = (1 + np.log(counts.astype(np.float32))) * self.idf[uniq]
        of = self._view_of[uniq]
        norms = np.sqrt(np.bincount(of, weights=v * v, minlength=len(self.weights)))
        norms[norms == 0] = 1.0
        v *= (self._wts / norms)[of]
        return uniq, v.astype(np.float32)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Sparse matrix for many texts (scipy imported here: serving one text at a time needs numpy alone)."""
        from scipy import sparse
        indptr = [0]
        cols: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for t in texts:
            ids, vals = self.encode(t)
            cols.append(ids)
            data.append(vals)
            indptr.append(indptr[-1] + len(ids))
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        dat = np.concatenate(data) if data else np.zeros(0, dtype=np.float32)
        return sparse.csr_matrix((dat, col, indptr), shape=(len(texts), len(self.vocab)), dtype=np.float32)

    def __getstate__(self) -> dict[str, object]:
        """Pickle without the unit cache."""
        state = self.__dict__.copy()
        state["_cache"] = [{} for _ in self.expanders]
        return state


class IntentClassifier:
    """Linear model over Vectorizer features: a one-vs-rest linear SVM ("svm", the default: softmax of margins ×
    svm_scale, the scale fitted by out-of-fold log-loss in NLU.train) or multinomial logistic regression ("lr")."""

    def __init__(self, C: float = 1.0, vectorizer: Vectorizer | None = None, model: str = "svm",
                 svm_scale: float = 5.0) -> None:
        if model not in ("lr", "svm"):
            raise ValueError(f"model must be 'lr' or 'svm', not {model!r}")
        self.C = C
        self.model = model
        self.svm_scale = svm_scale
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
        from sklearn.linear_model import LogisticRegression  # training only: a loaded model needs numpy alone
        from sklearn.svm import LinearSVC

        if self.model == "svm":
            lr = LinearSVC(C=self.C)
        else:
            lr = LogisticRegression(C=self.C, max_iter=500, solver="newton-cg")
        lr.fit(X, labels)
        coef, icpt = lr.coef_, lr.intercept_
        if self.model == "svm":
            coef, icpt = coef * self.svm_scale, icpt * self.svm_scale
        if len(self.classes) == 2:  # binary LR keeps one row; spread it as a softmax pair
            coef = np.vstack([-coef / 2, coef / 2])
            icpt = np.array([-icpt[0] / 2, icpt[0] / 2])
        self.classes = [str(c) for c in lr.classes_]
        self.coef = np.ascontiguousarray(coef.T, dtype=np.float32)  # (features, classes)
        self.intercept = icpt.astype(np.float32)
        return self

    def scores(self, text: str, temperature: float = 1.0) -> np.ndarray:
        """Class probabilities of one normalized text (in self.classes order), softened by a temperature."""
        ids, vals = self.vec.encode(text)
        z = self.intercept + (vals @ self.coef[ids] if len(ids) else 0.0)
        if temperature != 1.0:
            z = z / temperature
        z = np.exp(z - z.max())
        return z / z.sum()

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of many texts (rows)."""
        X = self.vec.transform(texts)
        z = X @ self.coef + self.intercept
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    def rank(self, text: str, n: int = 10, temperature: float = 1.0) -> list[tuple[str, float]]:
        """The n likeliest intents with probabilities, best first."""
        p = self.scores(text, temperature)
        order = np.argsort(-p)[:n]
        return [(self.classes[i], float(p[i])) for i in order]
