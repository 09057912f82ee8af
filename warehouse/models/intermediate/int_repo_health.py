"""Health of every local repository, computed by scoring/health.py."""

from scoring.health import HealthConfig, score_health


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    config = HealthConfig.model_validate_json(dbt.config.get("health_json") or "{}")
    repos = dbt.ref("stg_local__repos").pl().rename({"repo_id": "entity_id"})
    return score_health(repos, config)
