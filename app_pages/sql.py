"""SQL: read-only ad-hoc queries over the warehouse snapshot, with a results table and CSV.

A statement that would write (INSERT, DROP, ATTACH, SET...) is refused before anything runs.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from app_pages import app_cache
from warehouse.readers import adhoc

EXAMPLE = """\
SELECT rank, kind, name, language, round(priority, 3) AS priority
FROM fct_priority
ORDER BY rank
LIMIT 20"""
QUERY_KEY = "sql_page_query"


def results(sql: str) -> None:
    """Run `sql` if it only reads, and show the first rows with a CSV of exactly those rows."""
    try:
        statement = adhoc.statement_to_run(sql)
    except ValueError as refused:  # queries.WriteRefused, adhoc.SeveralStatements
        st.error(str(refused))
        return
    try:
        frame = app_cache.read(adhoc.run_select, statement, adhoc.MAX_ROWS)
    except duckdb.Error as error:
        st.error(f"DuckDB could not run this query:\n\n```\n{error}\n```")
        return
    capped = frame.height > adhoc.MAX_ROWS
    shown = frame.head(adhoc.MAX_ROWS)
    if capped:
        st.caption(
            f"Showing the first {adhoc.MAX_ROWS:,} rows; add a LIMIT or a filter to see others."
        )
    else:
        st.caption(f"{shown.height:,} rows")
    st.dataframe(shown, hide_index=True)
    st.download_button(
        "Download CSV",
        shown.write_csv(),
        file_name="globallm-query.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )


st.title("SQL")
st.caption(
    "Read-only SQL over the warehouse (DuckDB dialect). Marts: `dim_repos`, `dim_packages`, "
    "`fct_priority`, `fct_repo_scores`, `fct_issues`, `fct_dependency_edges`; the ledger: "
    "`ledger_runs`, `ledger_changes`, `ledger_files_touched`, ..."
)
with st.form("sql"):
    sql = st.text_area("SQL", value=EXAMPLE, height=160, key="sql_text")
    if st.form_submit_button("Run", type="primary", icon=":material/play_arrow:", key="sql_run"):
        st.session_state[QUERY_KEY] = sql
if st.session_state.get(QUERY_KEY):
    results(st.session_state[QUERY_KEY])
with st.expander("Tables and their columns"):
    st.dataframe(app_cache.read(adhoc.table_columns), hide_index=True)
