"""Offline issue triage: which kind of issue a title and body describe, learned from labels.

Supervision is free: the issues a repository has already labelled (`label_category` maps GitHub
labels such as "type: bug" or "enhancement" onto CATEGORIES) train a classifier for the ones it
has not. The model is scikit-learn's: TF-IDF over word 1-2-grams and character n-grams (within
words) feeding a LinearSVC, its decision scores softmaxed into a confidence; when sentence
embeddings of the texts are passed in (the caller makes them, this module loads no model), a
logistic regression over them is blended with it. bench/triage.py measures it on the NLBSE'24
issue report classification data. Pure: no IO.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Literal

import numpy as np
import sklearn
from pydantic import BaseModel, ConfigDict, Field
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from scoring.issue_labels import CATEGORIES

TITLE_REPEATS = 2  # the title says most about an issue's kind; repeated, it weighs more
CODE_CHARS = 200  # of a fenced code block, the head stays (a traceback's first line tells)

_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)  # issue templates' hidden instructions
_FENCE = re.compile(r"```[^\n]*\n?(.*?)(```|$)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"https?://([^/\s)>\]\"']+)[^\s)>\]\"']*")
_TAG = re.compile(r"</?[a-z][^>]*>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _code(match: re.Match[str]) -> str:
    return f" codeblock {match.group(1)[:CODE_CHARS]} "


def _url(match: re.Match[str]) -> str:
    host = match.group(1).lower().removeprefix("www.")
    return f" url {host} "


def clean_body(body: str | None) -> str:
    """The body without template comments, images and HTML tags, each fenced code block cut
    to its head and marked "codeblock", each URL reduced to "url" and its host."""
    if not body:
        return ""
    text = _COMMENT.sub(" ", body)
    text = _FENCE.sub(_code, text)
    text = _IMAGE.sub(" image ", text)
    text = _URL.sub(_url, text)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def issue_text(title: str, body: str | None, max_chars: int = 2000) -> str:
    """What the classifier reads: the title TITLE_REPEATS times, then the cleaned body, cut to
    `max_chars` characters."""
    title = _SPACE.sub(" ", title or "").strip()
    text = " ".join([title] * TITLE_REPEATS + [clean_body(body)]).strip()
    return text[:max_chars]


class ClassifierConfig(BaseModel):
    """How much labelled data training needs, and the model's hyper-parameters."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    min_examples: int = Field(20, ge=2)  # labelled issues in the categories trained on
    min_per_category: int = Field(5, ge=1)  # a category with fewer is left out of training
    word_ngram_max: int = Field(2, ge=1, le=3)
    char_ngrams: tuple[int, int] | None = (2, 5)  # within words; None: words only
    min_df: int = Field(1, ge=1)
    sublinear_tf: bool = True
    c: float = Field(0.5, gt=0)  # LinearSVC's C over the TF-IDF features
    class_weight: Literal["balanced"] | None = "balanced"
    # confidence: softmax(softmax_scale * LinearSVC decision scores)
    softmax_scale: float = Field(3.0, gt=0)
    embedding_c: float = Field(4.0, gt=0)  # LogisticRegression's C over the embeddings
    # with embeddings: P = (1 - w) * P(TF-IDF) + w * P(embeddings)
    embedding_weight: float = Field(0.4, ge=0, le=1)


class NotEnoughLabels(ValueError):
    """Too few labelled issues, or too few categories with enough of them, to train on."""

    def __init__(self, labelled: int, counts: dict[str, int], config: ClassifierConfig) -> None:
        self.labelled = labelled
        self.counts = counts
        self.needed = config.min_examples
        shown = ", ".join(f"{c} {n}" for c, n in counts.items()) or "none"
        super().__init__(
            f"{labelled} labelled issues ({shown}); training needs at least "
            f"{config.min_examples} in categories with at least {config.min_per_category} "
            "each, and at least two such categories"
        )


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _digest(embeddings: np.ndarray | None) -> str | None:
    if embeddings is None:
        return None
    rounded = np.round(np.asarray(embeddings, dtype=np.float64), 5)
    return hashlib.sha256(rounded.tobytes() + str(rounded.shape).encode()).hexdigest()


def training_version(
    texts: list[str],
    categories: list[str],
    config: ClassifierConfig,
    embeddings: np.ndarray | None = None,
) -> str:
    """12 hex digits over the training examples (as a set: order does not matter), the config,
    the embeddings and scikit-learn's version: the same training set gives the same version."""
    order = sorted(range(len(texts)), key=lambda i: (texts[i], categories[i]))
    rows = None if embeddings is None else np.asarray(embeddings)[order]
    payload = {
        "examples": [[texts[i], categories[i]] for i in order],
        "config": config.model_dump(mode="json"),
        "sklearn": sklearn.__version__,
        "embeddings": _digest(rows),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


class IssueClassifier:
    """A trained classifier: `predict` gives each text's category and a confidence in 0-1."""

    def __init__(
        self,
        version: str,
        categories: tuple[str, ...],
        counts: dict[str, int],
        config: ClassifierConfig,
        vectorizers: list[TfidfVectorizer],
        text_model: LinearSVC,
        embedding_model: LogisticRegression | None,
    ) -> None:
        self.version = version
        self.categories = categories  # what it can answer, in CATEGORIES order
        self.counts = counts  # labelled issues per category it was trained on
        self.config = config
        self._vectorizers = vectorizers
        self._text_model = text_model
        self._embedding_model = embedding_model

    @property
    def uses_embeddings(self) -> bool:
        return self._embedding_model is not None

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([v.transform(texts) for v in self._vectorizers], format="csr")

    def probabilities(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """One row per text, one column per `categories`, each row summing to 1. A model
        trained with embeddings blends them in when they are given, else uses TF-IDF alone."""
        if not texts:
            return np.zeros((0, len(self.categories)))
        scores = self._text_model.decision_function(self._features(texts))
        if scores.ndim == 1:  # two categories: the score is the second one's
            scores = np.column_stack([-scores, scores]) / 2
        text_p = _softmax(self.config.softmax_scale * scores)
        if self._embedding_model is None or embeddings is None:
            return text_p
        embeddings = np.asarray(embeddings)
        if embeddings.shape[0] != len(texts):
            raise ValueError(f"{embeddings.shape[0]} embeddings for {len(texts)} texts")
        weight = self.config.embedding_weight
        return (1 - weight) * text_p + weight * self._embedding_model.predict_proba(embeddings)

    def predict(
        self, texts: list[str], embeddings: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(category, confidence) per text; confidence is the category's blended probability."""
        p = self.probabilities(texts, embeddings)
        best = p.argmax(axis=1)
        return [(self.categories[i], float(p[row, i])) for row, i in enumerate(best)]


def check_trainable(categories: list[str], config: ClassifierConfig | None = None) -> None:
    """NotEnoughLabels unless `categories` (one per labelled text) train a classifier: at
    least `min_examples` of them in at least two categories of `min_per_category` each. What
    train_classifier checks, without training (before embedding the texts, say)."""
    config = config or ClassifierConfig()
    tally = Counter(categories)
    kept = [c for c in CATEGORIES if tally[c] >= config.min_per_category]
    if len(kept) < 2 or sum(tally[c] for c in kept) < config.min_examples:
        counts = {c: tally[c] for c in CATEGORIES if tally[c]}
        raise NotEnoughLabels(len(categories), counts, config)


def train_classifier(
    texts: list[str],
    categories: list[str],
    config: ClassifierConfig | None = None,
    embeddings: np.ndarray | None = None,
) -> IssueClassifier:
    """Train on labelled issue texts (issue_text's) and their categories.

    Categories with fewer than `min_per_category` examples are left out (the classifier never
    answers them); NotEnoughLabels when fewer than `min_examples` remain or fewer than two
    categories. `embeddings`, one row per text, adds the embedding model to the blend.
    """
    config = config or ClassifierConfig()
    if len(texts) != len(categories):
        raise ValueError(f"{len(texts)} texts but {len(categories)} categories")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; known: {', '.join(CATEGORIES)}")
    if embeddings is not None and np.asarray(embeddings).shape[0] != len(texts):
        raise ValueError(f"{np.asarray(embeddings).shape[0]} embeddings for {len(texts)} texts")
    tally = Counter(categories)
    counts = {c: tally[c] for c in CATEGORIES if tally[c]}
    kept = tuple(c for c in CATEGORIES if tally[c] >= config.min_per_category)
    # a set of examples, whatever order it came in: sorted, the fit is the same every time
    order = sorted(
        (i for i, c in enumerate(categories) if c in kept), key=lambda i: (texts[i], categories[i])
    )
    if len(kept) < 2 or len(order) < config.min_examples:
        raise NotEnoughLabels(len(texts), counts, config)
    train_texts = [texts[i] for i in order]
    labels = np.array([kept.index(categories[i]) for i in order])
    vectorizers = [
        TfidfVectorizer(
            ngram_range=(1, config.word_ngram_max),
            min_df=config.min_df,
            sublinear_tf=config.sublinear_tf,
            token_pattern=r"(?u)\b\w\w+\b",
            dtype=np.float32,
        )
    ]
    if config.char_ngrams is not None:
        vectorizers.append(
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=config.char_ngrams,
                min_df=config.min_df,
                sublinear_tf=config.sublinear_tf,
                dtype=np.float32,
            )
        )
    features = sparse.hstack([v.fit_transform(train_texts) for v in vectorizers], format="csr")
    text_model = LinearSVC(C=config.c, class_weight=config.class_weight, random_state=0)
    text_model.fit(features, labels)
    embedding_model = None
    if embeddings is not None:
        embedding_model = LogisticRegression(
            C=config.embedding_c, class_weight=config.class_weight, max_iter=2000
        )
        embedding_model.fit(np.asarray(embeddings)[order], labels)
    version = training_version(texts, categories, config, embeddings)
    return IssueClassifier(
        version,
        kept,
        {c: counts[c] for c in kept},
        config,
        vectorizers,
        text_model,
        embedding_model,
    )
