"""L2 row normalisation: after it, a dot product of two rows is their cosine similarity.

One place for it, shared by the TF-IDF fallback (scoring/tfidf.py) and the pair search
(scoring/redundancy.py), so both treat an all-zero row (no text) the same way: it stays zero
and is similar to nothing.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def l2_normalised(matrix: np.ndarray | sparse.spmatrix) -> np.ndarray | sparse.csr_matrix:
    """Each row scaled to unit length; all-zero rows stay zero. Sparse stays sparse (float64);
    dense comes back float32 (half the memory per block of the pair search)."""
    if sparse.issparse(matrix):
        csr = sparse.csr_matrix(matrix, dtype=np.float64)
        norms = np.sqrt(np.asarray(csr.multiply(csr).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ csr)
    dense = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return dense / norms
