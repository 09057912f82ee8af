"""The triage classifier with MiniLM sentence embeddings (the real model, offline), each vector
cached per issue version: a second run embeds nothing, an edited issue is embedded again; and
what `auto`, `minilm` and `off` do without the `embeddings` extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import triage
from flows.triage import TriageMethod, TriageOptions, triage_flow
from scoring.issue_classifier import ClassifierConfig
from tasks.local.embeddings import MODEL_NAME, ModelNotInstalled, model_installed
from tests.flows.test_triage import NOW, WORDS, issue, labelled_history, land
from warehouse.io import store

OPEN = [
    issue(1, "Crash when saving a file", "Traceback (most recent call last):\nOSError", []),
    issue(2, "Add support for YAML files", "It would be nice to read YAML as well.", []),
    issue(3, "How do I configure the proxy?", "I could not find it in the docs.", []),
]


def small_history() -> list[dict]:
    """36 labelled issues: 12 bugs, 12 features, 12 questions."""
    return [row for row in labelled_history() if any(w in row["title"] for w in WORDS[:4])]


def cached(db: Path) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT issue_id, model, dim, len(vector) FROM raw_issue_embeddings ORDER BY 1"
        ).fetchall()


@pytest.mark.skipif(not model_installed(), reason="the `embeddings` extra is not installed")
def test_embeddings_are_computed_once_per_issue_version(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    land(db, small_history() + OPEN)
    options = TriageOptions(embeddings="minilm")
    first = triage_flow(db_path=db, rank=False, options=options)
    assert (first.method, first.triaged, first.embeddings) == ("classifier", 3, MODEL_NAME)
    assert (first.embeddings_cached, first.embeddings_computed) == (0, 39)
    assert f"TF-IDF + {MODEL_NAME} embeddings" in first.notice
    assert first.notice.endswith("embeddings: 0 from the cache, 39 computed")
    rows = cached(db)
    assert len(rows) == 39 and {r[1:] for r in rows} == {(MODEL_NAME, 384, 384)}
    tfidf = triage_flow(db_path=db, rank=False, options=TriageOptions(embeddings="off"))
    assert tfidf.version != first.version and tfidf.embeddings is None  # another model

    again = triage_flow(db_path=db, rank=False, options=options)  # the training set's, cached
    assert again.version == first.version and again.triaged == 0
    assert (again.embeddings_cached, again.embeddings_computed) == (36, 0)

    edited = issue(1, "Crash when saving a file", "Traceback:\nOSError: disk full", [])
    edited["updated_at"] = NOW
    land(db, [edited])
    retrained = TriageOptions(embeddings="minilm", classifier=ClassifierConfig(c=1.0))
    later = triage_flow(db_path=db, rank=False, options=retrained)  # all 3 issues again
    assert later.triaged == 3 and later.version != first.version
    assert (later.embeddings_cached, later.embeddings_computed) == (36 + 2, 1)  # the edit only
    assert len(cached(db)) == 40  # the old version's vector stays beside the new one's


def test_without_the_extra_auto_is_tfidf_and_says_so_and_minilm_fails(
    prefect_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(triage, "model_installed", lambda: False)
    db = tmp_path / "w.duckdb"
    land(db, small_history() + OPEN)
    auto = triage_flow(db_path=db, rank=False, options=TriageOptions(embeddings="auto"))
    assert auto.method == "classifier" and auto.triaged == 3 and auto.embeddings is None
    assert "TF-IDF only (install the `embeddings` extra" in auto.notice
    assert cached(db) == []
    with pytest.raises(ModelNotInstalled, match="embeddings` extra"):
        triage_flow(
            db_path=db,
            method=TriageMethod.classifier,
            rank=False,
            options=TriageOptions(embeddings="minilm", classifier=ClassifierConfig(c=1.0)),
        )


def test_the_default_comes_from_the_environment(monkeypatch):
    assert TriageOptions().embeddings == "off"  # tests/conftest.py's
    monkeypatch.delenv("GLOBALLM_TRIAGE__EMBEDDINGS")
    assert TriageOptions().embeddings == "auto"
    monkeypatch.setenv("GLOBALLM_TRIAGE__EMBEDDINGS", "minilm")
    assert TriageOptions().embeddings == "minilm"
    monkeypatch.setenv("GLOBALLM_TRIAGE__EMBEDDINGS", "yes")
    with pytest.raises(ValueError, match="auto"):
        TriageOptions()
