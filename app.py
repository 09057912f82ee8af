"""globallm's Streamlit app: the navigation and the shared sidebar (`globallm app`, `make app`).

It reads the warehouse's published snapshot and never writes, so it stays usable while flows
run. Pages live in app_pages/ (UI only); their data comes from app_pages/app_cache.py.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

import settings as config
from app_pages import app_cache
from flows.cli.budget import budget_limits

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/priorities.py", title="Priorities", icon=":material/format_list_numbered:"),
    st.Page("app_pages/issues.py", title="Issues", icon=":material/bug_report:"),
    st.Page("app_pages/repositories.py", title="Repositories", icon=":material/hub:"),
    st.Page("app_pages/campaigns.py", title="Campaigns", icon=":material/rocket_launch:"),
    st.Page("app_pages/sql.py", title="SQL", icon=":material/terminal:"),
]


def sidebar(current: str | None) -> None:
    """Which warehouse, how fresh the snapshot is, and a way to re-read it."""
    with st.sidebar:
        st.caption(f"Warehouse: `{app_cache.warehouse()}`")
        if current is not None:
            published = datetime.fromtimestamp(
                int(current.name.rsplit("-", 1)[1].split(".")[0]) / 1e9
            )
            st.caption(f"Data as of {published:%Y-%m-%d %H:%M:%S} (published by the last flow)")
        if st.button("Refresh", help="Read the newest snapshot now instead of within a minute"):
            app_cache.clear()
            st.rerun()


def empty_warehouse() -> None:
    st.title("globallm")
    st.info(
        f"The warehouse `{app_cache.warehouse()}` is empty. Fill it with\n\n"
        "```bash\ngloballm run --path ~/src\n```\n\n"
        "(offline: your git repositories and the installed Python packages), or with\n\n"
        "```bash\ngloballm discover --language python      # GitHub, GITHUB_TOKEN set\n"
        "globallm discover --source registries --ecosystem pypi --packages NAME\n```\n\n"
        "(both build and score what they find), then come back."
    )


settings = config.load_settings()
app_cache.use_warehouse(settings.db, budgets=budget_limits(settings))
st.set_page_config(page_title="globallm", page_icon=":material/bolt:", layout="wide")
page = st.navigation(PAGES)
snapshot_file = app_cache.current_snapshot()
sidebar(snapshot_file)
if snapshot_file is None:
    empty_warehouse()
else:
    page.run()
