"""Health of every repository, local or GitHub, computed by scoring/health.py.

Each source brings the signals it has: a checkout its git history, tests and CI files; a GitHub
repository its commits and authors in 90 days, the CI state of its default branch head and its
issue resolution. `ci_signal` becomes health's `has_ci` input (a local checkout: CI is set up;
GitHub: the head's CI passed, null when there is no verdict, so it drops out).
"""

from scoring.health import HealthConfig, score_health

INPUTS = ["repo_id", "commits_90d", "authors_365d", "authors_90d", "days_since_last_commit",
          "has_tests", "ci_signal", "issues_closed_90d", "open_issues"]  # fmt: skip


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    # dbt hands a Python model only the config keys it finds in a plain dbt.config.get(...)
    health_json = dbt.config.get("health_json")
    config = HealthConfig.model_validate_json(health_json or "{}")
    repos = dbt.ref("int_repos__unioned").pl().select(INPUTS)
    repos = repos.rename({"repo_id": "entity_id", "ci_signal": "has_ci"})
    return score_health(repos, config)
