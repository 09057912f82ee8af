"""The LLM answer cache in the warehouse (`llm_cache`), and the retention of LLM texts.

An answer is keyed by what decides it: the prompt's name and template sha256, the model, the
sha256 of the rendered and redacted prompt, and the temperature. So a second run of the same
fix costs no tokens, across processes and restarts, and a changed file, template or model asks
again. Only redacted prompts are hashed and only answers to them are kept.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel

from warehouse.io import store

TABLE = "llm_cache"


class CacheKey(BaseModel):
    prompt_name: str
    prompt_sha: str
    model: str
    text_sha: str
    temperature: float

    @property
    def digest(self) -> str:
        """One sha256 over the key's parts, the table's primary key."""
        parts = (
            self.prompt_name,
            self.prompt_sha,
            self.model,
            self.text_sha,
            f"{self.temperature:g}",
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class CachedAnswer(BaseModel):
    answer: str
    tokens_in: int | None
    tokens_out: int | None


class LlmCache:
    """Answers already paid for; each call holds a warehouse connection briefly."""

    def __init__(self, db_path: Path | str, max_age_days: float = 30.0) -> None:
        self.db_path, self.max_age_days = db_path, max_age_days

    def get(self, key: CacheKey) -> CachedAnswer | None:
        """The stored answer for `key` if younger than `max_age_days`, else None."""
        oldest = store.now() - timedelta(days=self.max_age_days)
        with store.connect(self.db_path) as con:
            row = con.execute(
                f"SELECT answer, tokens_in, tokens_out FROM {TABLE}"
                " WHERE cache_key = ? AND created_at >= ?",
                [key.digest, oldest],
            ).fetchone()
        if row is None:
            return None
        return CachedAnswer(answer=row[0], tokens_in=row[1], tokens_out=row[2])

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        row = key.model_dump() | answer.model_dump()
        row |= {"cache_key": key.digest, "created_at": store.now()}
        with store.connect(self.db_path) as con:
            store.land(con, TABLE, [row])


class Purged(BaseModel):
    """What a purge removed: LLM texts of calls, and cached answers."""

    calls: int
    cached_answers: int


# What a purge removes: the texts of calls older than the cutoff, and cached answers as old.
_OLD_TEXTS = "called_at < $cutoff AND (prompt_text IS NOT NULL OR response_text IS NOT NULL)"
_OLD_ANSWERS = "created_at < $cutoff"


def purge_llm_texts(db_path: Path | str, older_than_days: float) -> Purged:
    """Forget the prompts and answers of LLM calls older than the limit (the call rows stay,
    with tokens and cost) and the cached answers as old. Nothing else is touched."""
    cutoff = {"cutoff": store.now() - timedelta(days=older_than_days)}
    with store.connect(db_path) as con:
        calls = con.execute(
            "UPDATE ledger_llm_calls SET prompt_text = NULL, response_text = NULL"
            f" WHERE {_OLD_TEXTS}",
            cutoff,
        ).fetchone()[0]
        cached = con.execute(f"DELETE FROM {TABLE} WHERE {_OLD_ANSWERS}", cutoff).fetchone()[0]
    return Purged(calls=int(calls), cached_answers=int(cached))


def count_llm_texts(db_path: Path | str, older_than_days: float) -> Purged:
    """What `purge_llm_texts` would remove now, read-only (`runs purge --dry-run`). A missing
    warehouse raises FileNotFoundError, a DuckDB file without the ledger CatalogException."""
    cutoff = {"cutoff": store.now() - timedelta(days=older_than_days)}
    with store.connect(db_path, read_only=True) as con:
        calls = con.execute(
            f"SELECT count(*) FROM ledger_llm_calls WHERE {_OLD_TEXTS}", cutoff
        ).fetchone()[0]
        cached = con.execute(
            f"SELECT count(*) FROM {TABLE} WHERE {_OLD_ANSWERS}", cutoff
        ).fetchone()[0]
    return Purged(calls=int(calls), cached_answers=int(cached))
