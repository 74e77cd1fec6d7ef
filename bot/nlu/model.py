"""The embedded NLU: intent ranking + learned and validated entities in Rasa's parse shape."""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from basics import cachedir, paths

from .classifier import IntentClassifier
from .data import Example, TrainingData, load_data
from .encoder import SemanticHead, SentenceEncoder, encoder_id, load_encoder
from .extract import VALIDATORS, find_spans, rasa_date, validate
from .normalize import normalize, normalize_with_offsets
from .posters import PosterIndex
from .tagger import Tagger, spans

OUT_OF_SCOPE = "out_of_scope"
TOKEN = re.compile(r"\d+|[^\W\d_]+(?:\u200c[^\W\d_]+)*|[^\w\s]")
TEN_DIGIT = {"national_code", "workshop_code", "insurance_number"}
MODEL_VERSION = 4
DEFAULT_SVM_SCALE = 5.0  # softmax scale of SVM margins when the data is too small to fit one


def _tokens(norm: str) -> list[re.Match[str]]:
    """Tagger tokens of normalized text."""
    return list(TOKEN.finditer(norm))


def bio_example(ex: Example) -> tuple[list[str], list[str]]:
    """Normalized tokens of an example and their BIO tags from its entity spans."""
    norm, idx = normalize_with_offsets(ex.text)
    toks, tags = [], []
    prev: Any = None
    for m in _tokens(norm):
        s, e = idx[m.start()], idx[m.end() - 1] + 1
        ent = next((x for x in ex.entities if s < x.end and e > x.start), None)
        toks.append(m.group())
        tags.append("O" if ent is None else ("I-" if ent is prev else "B-") + ent.entity)
        prev = ent
    return toks, tags


class NLU:
    """Trained intent classifier + entity tagger + validating extractors."""

    posters: PosterIndex | None = None  # the organization's service numbers, attached by default_nlu()

    def __init__(self, classifier: IntentClassifier, tagger: Tagger | None, synonyms: dict[str, str],
                 threshold: float | Doubt) -> None:
        self.classifier = classifier
        self.tagger = tagger
        self.synonyms = synonyms
        self.doubt = threshold if isinstance(threshold, Doubt) else Doubt(float(threshold), 1.0, 1.0)
        self.threshold = self.doubt.floor  # no accepted intent is less sure than this (the engine's cut)
        self.semantic: SemanticHead | None = None  # over sentence embeddings, asked only when unsure
        self.cascade = Cascade(0.0, 0.0)
        self.encoder_name = "none"
        self._encoder: SentenceEncoder | None = None  # the one trained with (not pickled)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the live encoder: a loaded model finds the installed one, or runs without it."""
        state = self.__dict__.copy()
        state.pop("_encoder", None)
        return state

    @classmethod
    def train(cls, examples: Sequence[Example] | TrainingData, threshold: float | None = None,
              C: float = 1.0, encoder: SentenceEncoder | None | bool = True, model: str = "svm") -> NLU:
        """Train from examples (or a TrainingData with synonyms); the intent model's probability scale, the
        out-of-scope rule and the encoder cascade (when an encoder is installed, or given) are chosen by
        cross-validation."""
        data = examples if isinstance(examples, TrainingData) else TrainingData(examples=list(examples))
        exs = [e for e in data.examples if e.text.strip()]
        texts = [normalize(e.text) for e in exs]
        labels = [e.intent for e in exs]
        enc = load_encoder() if encoder is True else (encoder or None)
        semantic, cascade = None, Cascade(0.0, 0.0)
        scale = DEFAULT_SVM_SCALE
        big = len(texts) >= 50 and len(set(labels)) >= 3
        if big:
            z, classes, _ = out_of_fold(texts, labels, C, k=5 if len(texts) < 3000 else 3, model=model)
            scale = fit_scale(z, classes, labels) if model == "svm" else 1.0
            logp = np.log(np.maximum(_softmax(z * scale), 1e-12))
            if enc is not None:
                E = enc.encode(texts)
                cascade, logp = choose_cascade(logp, E, labels, classes)
                if cascade.alpha > 0:
                    semantic = SemanticHead().fit(E, labels, classes)
            doubt: float | Doubt = choose_doubt_oof(logp, classes, labels) if threshold is None else threshold
        else:
            doubt = threshold if threshold is not None else Doubt(0.3, 1.0, 1.0)
        clf = IntentClassifier(C=C, model=model, svm_scale=scale).fit(texts, labels)
        tagger = None
        if any(e.entities for e in exs):
            pairs = [bio_example(e) for e in exs]
            pairs = [p for p in pairs if p[0]]
            tagger = Tagger(epochs=10).fit([p[0] for p in pairs], [p[1] for p in pairs])
        syn = {normalize(k): v for k, v in data.synonyms.items()}
        nlu = cls(clf, tagger, syn, doubt)
        if semantic is not None and enc is not None:
            nlu.semantic, nlu.cascade, nlu.encoder_name, nlu._encoder = semantic, cascade, enc.name, enc
        return nlu

    @classmethod
    def from_yaml(cls, path: str | Path, threshold: float | None = None) -> NLU:
        """Train from a Rasa NLU YAML file."""
        return cls.train(load_data(path), threshold=threshold)

    def save(self, path: str | Path) -> None:
        """Pickle the model to a file."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f"{p.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one each: writers never mix
        with open(tmp, "wb") as f:
            pickle.dump({"version": MODEL_VERSION, "nlu": self}, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, p)

    @classmethod
    def load(cls, path: str | Path) -> NLU:
        """Load a model saved by save() (trusted files only: this is pickle)."""
        with open(path, "rb") as f:
            obj = pickle.load(f)  # noqa: S301 - our own model files
        if not isinstance(obj, dict) or obj.get("version") != MODEL_VERSION or not isinstance(obj.get("nlu"), cls):
            raise ValueError(f"not an NLU model of version {MODEL_VERSION}: {path}")
        return obj["nlu"]

    def intents(self) -> list[str]:
        """Intent names the model knows."""
        return list(self.classifier.classes)

    def entity_types(self) -> frozenset[str]:
        """Entity types the training data annotates (empty when it annotates none: then every rule type)."""
        got = self.__dict__.get("_types")
        if got is None:
            got = frozenset() if self.tagger is None else frozenset(lab[2:] for lab in self.tagger.labels if lab != "O")
            self._types = got
        return got

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse: text, intent, intent_ranking (10), entities (offsets in the original text), plus
        ``margin`` (first minus second intent) and ``clarify`` (the three likeliest real intents when unsure)."""
        text = text if isinstance(text, str) else str(text)
        norm, idx = normalize_with_offsets(text)
        ranking = self.rank(norm)
        p1 = ranking[0][1]
        margin = p1 - (ranking[1][1] if len(ranking) > 1 else 0.0)
        name = ranking[0][0]
        unsure = name != OUT_OF_SCOPE and self.doubt.unsure(p1, margin)
        if unsure:
            ranking = [(OUT_OF_SCOPE, self.doubt.floor)] + [r for r in ranking if r[0] != OUT_OF_SCOPE][:9]
        name, conf = ranking[0]
        return {
            "text": text,
            "intent": {"name": name, "confidence": round(float(conf), 4)},
            "intent_ranking": [{"name": n, "confidence": round(float(c), 4)} for n, c in ranking],
            "entities": self.entities(text, norm, idx),
            "margin": round(float(margin), 4),
            "clarify": [n for n, _ in ranking if n != OUT_OF_SCOPE][:3] if unsure else [],
        }

    def rank(self, norm: str) -> list[tuple[str, float]]:
        """Calibrated intent ranking (10) of normalized text, a poster number ranked first."""
        if not norm:
            return [(OUT_OF_SCOPE, 1.0)]
        p = self.classifier.scores(norm)
        if self.semantic is not None and _margin(p) < self.cascade.margin:
            enc = getattr(self, "_encoder", None) or load_encoder()
            if enc is not None and enc.name == self.encoder_name:  # absent: the pure model alone
                p = (1 - self.cascade.alpha) * p + self.cascade.alpha * self.semantic.proba(enc.encode([norm]))[0]
        if self.doubt.temperature != 1.0:
            p = _softmax(np.log(np.maximum(p, 1e-12))[None, :] / self.doubt.temperature)[0]
        order = np.argsort(-p)[:10]
        ranking = [(self.classifier.classes[i], float(p[i])) for i in order]
        named = self.posters.service(norm) if self.posters is not None else None
        if named is not None:  # «خدمت شماره ۱۲»: the organization's own number is an exact answer
            ranking = [(named, 1.0)] + [(n, c) for n, c in ranking if n != named][:9]
        return ranking

    def entities(self, text: str, norm: str, idx: list[int]) -> list[dict[str, Any]]:
        """Validated rule entities of the types the data annotates, then learned ones that do not clash."""
        def orig(s: int, e: int) -> tuple[int, int]:
            return idx[s], idx[e - 1] + 1

        rules = []
        known = self.entity_types()
        for s, e, ent, value in find_spans(norm):
            if known and ent not in known:  # a type this data never annotates (ATIS has no national codes)
                continue
            a, b = orig(s, e)
            rules.append({"start": a, "end": b, "value": value, "entity": ent, "confidence_entity": 1.0,
                          "extractor": "TaminRegexExtractor"})
        learned = []
        if self.tagger is not None and norm:
            toks = _tokens(norm)
            tags = self.tagger.predict([m.group() for m in toks])
            for i, j, ent in spans(tags):
                a, b = orig(toks[i].start(), toks[j - 1].end())
                surface = text[a:b]
                if ent in VALIDATORS:
                    value = validate(ent, surface)
                    if value is None:
                        continue
                else:
                    value = self.synonyms.get(normalize(surface), surface)
                learned.append({"start": a, "end": b, "value": value, "entity": ent, "confidence_entity": 0.9,
                                "extractor": "TaminTagger"})
        out = list(rules)
        for le in learned:
            clash = [r for r in rules if le["start"] < r["end"] and le["end"] > r["start"]]
            if not clash:
                out.append(le)
            elif (len(clash) == 1 and clash[0]["entity"] == le["entity"] and le["start"] <= clash[0]["start"]
                  and le["end"] >= clash[0]["end"]):  # «دوشنبه ۱۲ مهر» around the rule's «۱۲ مهر»
                clash[0]["start"], clash[0]["end"] = le["start"], le["end"]  # the data's own span, the rule's value
            elif le["entity"] in TEN_DIGIT and len(clash) == 1 and clash[0]["entity"] in TEN_DIGIT:
                clash[0]["entity"] = le["entity"]
                clash[0]["value"] = validate(le["entity"], text[clash[0]["start"]:clash[0]["end"]])
                if clash[0]["value"] is None:
                    out.remove(clash[0])
        return [rasa_date(e) for e in sorted(out, key=lambda e: e["start"])]


def alternatives(result: dict[str, Any], n: int = 2) -> list[str]:
    """The n likeliest real intents of a parse (for «did you mean A or B?»)."""
    return [r["name"] for r in result.get("intent_ranking", []) if r["name"] != OUT_OF_SCOPE][:n]


@dataclass(frozen=True)
class Doubt:
    """When a top intent is too unsure to act on: below ``threshold`` AND within ``margin`` of the runner-up,
    on probabilities softened by ``temperature`` (all three chosen by cross-validation)."""

    threshold: float
    margin: float
    temperature: float = 1.0

    @property
    def floor(self) -> float:
        """The lowest confidence an accepted intent can have."""
        return min(self.threshold, self.margin)

    def unsure(self, p1: float, margin: float) -> bool:
        """Too unsure to act on the top intent."""
        return p1 < self.threshold and margin < self.margin


def out_of_fold(texts: list[str], labels: list[str], C: float, k: int = 5,
                model: str = "svm") -> tuple[np.ndarray, list[str], list[int]]:
    """Out-of-fold logits (rows in ``order``): raw margins for "svm", log-probabilities for "lr"; the class
    names and the row order (seeded folds)."""
    order = list(range(len(texts)))
    random.Random(13).shuffle(order)
    classes = sorted(set(labels))
    z = np.full((len(texts), len(classes)), -30.0)
    for f in range(k):
        held = order[f::k]
        hs = set(held)
        tr = [i for i in order if i not in hs]
        clf = IntentClassifier(C=C, model=model, svm_scale=1.0).fit([texts[i] for i in tr], [labels[i] for i in tr])
        X = clf.vec.transform([texts[i] for i in held])
        rows = X @ clf.coef + clf.intercept
        if model != "svm":
            rows = np.log(np.maximum(_softmax(np.asarray(rows)), 1e-12))
        cols = [classes.index(c) for c in clf.classes]
        for r, i in enumerate(held):
            z[i, cols] = rows[r]
    return z, classes, order


SCALES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 10.0)


def fit_scale(z: np.ndarray, classes: list[str], labels: list[str]) -> float:
    """The softmax scale of SVM margins with the least out-of-fold log-loss (Platt-like, one parameter)."""
    y = np.asarray([classes.index(lab) for lab in labels])
    nll = [float(-np.log(_softmax(z * s)[np.arange(len(y)), y] + 1e-12).mean()) for s in SCALES]
    return SCALES[int(np.argmin(nll))]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def _margin(p: np.ndarray) -> float:
    """First minus second probability."""
    top2 = np.partition(p, -2)[-2:] if len(p) > 1 else np.array([0.0, p[0]])
    return float(top2.max() - top2.min())


@dataclass(frozen=True)
class Cascade:
    """Ask the sentence encoder only when the fast model's margin is below ``margin``; blend ``alpha`` of it."""

    alpha: float
    margin: float


def choose_cascade(logp: np.ndarray, E: np.ndarray, labels: list[str], classes: list[str],
                   k: int = 5) -> tuple[Cascade, np.ndarray]:
    """The (alpha, margin) with the best out-of-fold accuracy (ties: fewer encoder calls), and the blended
    out-of-fold log-probabilities."""
    order = list(range(len(labels)))
    random.Random(13).shuffle(order)
    sem = np.zeros_like(logp)
    for f in range(k):
        held = order[f::k]
        hs = set(held)
        tr = [i for i in order if i not in hs]
        head = SemanticHead().fit(E[tr], [labels[i] for i in tr], classes)
        sem[held] = head.proba(E[held])
    fast = _softmax(logp)
    y = np.asarray([classes.index(lab) for lab in labels])
    gaps = np.asarray([_margin(r) for r in fast])
    best, best_acc, best_p = Cascade(0.0, 0.0), float((fast.argmax(1) == y).mean()), fast
    for margin in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01):
        ask = (gaps < margin)[:, None]
        for alpha in (0.3, 0.5, 0.7):
            p = np.where(ask, (1 - alpha) * fast + alpha * sem, fast)
            acc = float((p.argmax(1) == y).mean())
            if acc > best_acc + 1e-9:
                best, best_acc, best_p = Cascade(alpha, margin), acc, p
    return best, np.log(np.maximum(best_p, 1e-12))


def choose_doubt(texts: list[str], labels: list[str], C: float = 1.0, default: float = 0.3,
                 oos_weight: float = 0.25) -> Doubt:
    """The out-of-scope rule of the fast model alone, from its out-of-fold probabilities."""
    if len(texts) < 50 or len(set(labels)) < 3:
        return Doubt(default, 1.0, 1.0)
    z, classes, _ = out_of_fold(texts, labels, C)
    logp = np.log(np.maximum(_softmax(z * fit_scale(z, classes, labels)), 1e-12))
    return choose_doubt_oof(logp, classes, labels, default, oos_weight)


def choose_doubt_oof(logp: np.ndarray, classes: list[str], labels: list[str], default: float = 0.3,
                     oos_weight: float = 0.25) -> Doubt:
    """Temperature by out-of-fold log-loss, then the (threshold, margin) pair that maximises out-of-fold
    accuracy with out-of-scope examples weighted ``oos_weight`` against in-scope ones."""
    y = np.asarray([classes.index(lab) for lab in labels])
    # soften only: out-of-fold rows are nearer their training rows than live messages are, and a sharper
    # softmax pushes unseen short words («فردا») over the engine's fixed switch/command cuts
    temps = [1.0, 1.2, 1.5, 2.0, 2.5, 3.0]
    nll = [float(-np.log(_softmax(logp / t)[np.arange(len(y)), y] + 1e-12).mean()) for t in temps]
    temp = temps[int(np.argmin(nll))]
    p = _softmax(logp / temp)
    top2 = np.sort(p, 1)[:, -2:]
    p1, gap = top2[:, 1], top2[:, 1] - top2[:, 0]
    pred = p.argmax(1)
    oos = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else -1
    is_oos = y == oos
    w = np.where(is_oos, oos_weight / max(is_oos.sum(), 1), (1 - oos_weight) / max((~is_oos).sum(), 1))
    best, best_score = Doubt(default, 1.0, temp), -1.0
    for t in np.arange(0.05, 0.71, 0.01):
        for m in np.arange(0.0, 0.61, 0.02):
            unsure = (p1 < t) & (gap < m) & (pred != oos)
            final = np.where(unsure, oos, pred)
            score = float((w * (final == y)).sum())
            if score > best_score + 1e-9:
                best, best_score = Doubt(round(float(t), 2), round(float(m), 2), temp), score
    return best


def data_path() -> Path:
    """The project's NLU training file: $TAMIN_DATA_DIR/nlu.yml or <repo>/data/nlu.yml."""
    return paths.data_dir() / "nlu.yml"


def _code_hash() -> str:
    """Hash of this package's source so a disk cache never outlives a code change."""
    h = hashlib.sha256()
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


CACHE_DIR_ENV = cachedir.CACHE_DIR_ENV
TRAIN_WAIT = 600.0  # seconds a start waits for another process training the same model, then trains itself


def _cache_file(data: Path) -> Path | None:
    """Per-user private cache path keyed by the data file's and the code's hashes."""
    try:
        digest = hashlib.sha256(data.read_bytes()).hexdigest()[:16]
    except OSError:
        return None
    d = cachedir.private_dir("tamin-nlu")
    if d is None:
        return None
    return d / f"nlu-{digest}-{_code_hash()}-{encoder_id()}.pkl"


def _train_shared(data: Path, cache: Path | None) -> NLU:
    """Train and save to ``cache``; processes starting at once train once: the first holds a file lock
    while it trains, the others wait for it (up to ``TRAIN_WAIT``) and load what it saved."""
    if cache is None:
        return NLU.from_yaml(data)
    try:
        import fcntl

        fd = os.open(cache.with_name(cache.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):
        fd = -1
    try:
        if fd >= 0:
            deadline = time.monotonic() + TRAIN_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break  # the trainer is stuck: train here as well
                    time.sleep(0.1)
            if cache.exists():  # trained by the process that held the lock
                try:
                    return NLU.load(cache)
                except Exception:
                    pass
        nlu = NLU.from_yaml(data)
        try:
            nlu.save(cache)  # written aside and renamed: a reader sees the whole file or none
        except OSError:
            pass
        return nlu
    finally:
        if fd >= 0:
            os.close(fd)  # releases the lock


_lock = threading.Lock()
_cache: dict[str, NLU] = {}


def default_nlu(path: str | Path | None = None, disk_cache: bool = True) -> NLU:
    """The project's NLU, trained once per process from data/nlu.yml (and cached on disk)."""
    data = Path(path) if path else data_path()
    key = str(data.resolve())
    with _lock:
        if key in _cache:
            return _cache[key]
        cache = _cache_file(data) if disk_cache else None
        nlu = None
        if cache is not None and cache.exists():
            try:
                nlu = NLU.load(cache)
            except Exception:
                nlu = None
        if nlu is None:
            nlu = _train_shared(data, cache)
        nlu.posters = PosterIndex.from_knowledge(data.parent / "knowledge" / "services.fa.yml")
        _cache[key] = nlu
        return nlu
