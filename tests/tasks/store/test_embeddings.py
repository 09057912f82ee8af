"""The cache of issue embeddings on a real DuckDB file: a vector landed for an issue version
is read back for that version and text only, in the order asked, and an edit is a miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from tasks.store.embeddings import land_embeddings, read_embeddings
from warehouse.io import store

AT = datetime(2026, 11, 1, tzinfo=UTC)


def issues(*rows: tuple[str, datetime]) -> pl.DataFrame:
    return pl.DataFrame(
        {"issue_id": [r[0] for r in rows], "updated_at": [r[1] for r in rows]},
        schema={"issue_id": pl.String, "updated_at": pl.Datetime("us", "UTC")},
    )


def test_a_landed_vector_is_read_for_its_issue_version_text_and_model_only(tmp_path):
    db = tmp_path / "w.duckdb"
    vectors = np.arange(8, dtype=np.float32).reshape(2, 4) / 10
    landed = issues(("I_1", AT), ("I_2", AT))
    assert land_embeddings.fn(db, landed, ["one", "two"], vectors, "mini") == 2

    wanted = issues(("I_3", AT), ("I_2", AT), ("I_1", AT), ("I_1", AT + timedelta(days=1)))
    found = read_embeddings.fn(db, wanted, ["three", "two", "one", "one"], "mini")
    assert found[0] is None and found[3] is None  # never embedded; a newer version of I_1
    np.testing.assert_array_equal(found[1], vectors[1])
    np.testing.assert_array_equal(found[2], vectors[0])
    assert found[1].dtype == np.float32
    assert read_embeddings.fn(db, landed, ["one", "edited"], "mini")[1] is None  # another text
    assert read_embeddings.fn(db, landed, ["one", "two"], "other") == [None, None]

    again = land_embeddings.fn(db, landed[:1], ["one"], vectors[1:], "mini")  # an upsert
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT issue_id, model, dim, len(vector) FROM raw_issue_embeddings ORDER BY 1"
        ).fetchall()
    assert again == 1 and rows == [("I_1", "mini", 4, 4), ("I_2", "mini", 4, 4)]
    np.testing.assert_array_equal(read_embeddings.fn(db, landed, ["one"] * 2, "mini")[0],
                                  vectors[1])  # fmt: skip
