"""A small sparse TF-IDF: the embedding fallback when sentence-transformers is not installed.

Pure (scipy only), so it runs wherever globallm does. Rows are L2-normalised, so a dot product
of two rows is their cosine similarity, like the MiniLM embeddings it stands in for.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from scoring.unit_rows import l2_normalised

_TOKEN = re.compile(r"[a-z0-9]{2,}")

# The commonest English words carry no signal about what a project does.
STOP_WORDS = frozenset(
    [
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "you",
        "your",
        "can",
        "use",
        "using",
        "used",
        "which",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-case words of two or more letters or digits, stop words left out."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


def tfidf_matrix(texts: list[str]) -> sparse.csr_matrix:
    """One L2-normalised row per text: sublinear term frequency times smoothed IDF.

    IDF is scikit-learn's smooth form, log((1 + n) / (1 + df)) + 1, so a word in every text
    still counts a little; an empty text is an all-zero row (similar to nothing).
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    counts: list[float] = []
    for row, text in enumerate(texts):
        bag: dict[int, int] = {}
        for token in tokens(text):
            col = vocabulary.setdefault(token, len(vocabulary))
            bag[col] = bag.get(col, 0) + 1
        rows += [row] * len(bag)
        cols += list(bag)
        counts += list(bag.values())
    shape = (len(texts), max(len(vocabulary), 1))
    tf = sparse.csr_matrix(
        (1.0 + np.log(np.asarray(counts, dtype=np.float64)), (rows, cols)), shape=shape
    )
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
    idf = np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0
    return l2_normalised(tf.multiply(idf[np.newaxis, :]).tocsr())
