"""scoring/tfidf.py: the embedding fallback ranks near-duplicate READMEs above unrelated ones."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.tfidf import tfidf_matrix, tokens

HTTP_A = "A small HTTP client for Python with retries, timeouts and connection pooling."
HTTP_B = "Small HTTP client library for Python: retries, timeouts, connection pooling."
PLOTS = "Draw bar charts and sparklines in the terminal from CSV files."


def test_rows_are_unit_length_and_near_duplicates_score_highest():
    matrix = tfidf_matrix([HTTP_A, HTTP_B, PLOTS])
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    assert norms == pytest.approx([1.0, 1.0, 1.0])
    sims = (matrix @ matrix.T).toarray()
    assert sims[0, 1] > 0.5
    assert sims[0, 2] < 0.1
    assert sims[1, 2] < 0.1


def test_empty_texts_give_zero_rows():
    matrix = tfidf_matrix(["", "the and of", HTTP_A])
    assert matrix.shape[0] == 3
    assert matrix[0].nnz == 0
    assert matrix[1].nnz == 0  # stop words only
    assert tfidf_matrix([]).shape[0] == 0


def test_tokens_drop_stop_words_and_single_letters():
    assert tokens("The HTTP client, v2 & a b") == ["http", "client", "v2"]


def test_one_l2_normalisation_for_dense_and_sparse_rows():
    from scipy import sparse

    from scoring.unit_rows import l2_normalised

    dense = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = l2_normalised(dense)
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert np.allclose(l2_normalised(sparse.csr_matrix(dense)).toarray(), out)
    matrix = tfidf_matrix(["alpha beta beta", "gamma"])
    assert np.allclose(l2_normalised(matrix).toarray(), matrix.toarray())  # already unit rows
