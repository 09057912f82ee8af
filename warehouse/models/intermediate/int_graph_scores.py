"""Impact of every graph node, computed by scoring/: PageRank, dependents, downstream reach and
betweenness (exact on small graphs; estimated reach and sampled betweenness on large ones, with
the method and the sample size in their own columns). Dependents are a dependents service's
count where one was configured (int_graph_nodes.service_dependents), else the graph's; impact's
dependents component uses the same, and fct_repo_scores names the source."""

from scoring.graph import graph_metrics, prefer_service_dependents
from scoring.impact import ImpactConfig, score_impact


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    # dbt hands a Python model only the config keys it finds in a plain dbt.config.get(...)
    # call; nested in `x or "{}"` inside another call the key is missed and arrives empty
    impact_json = dbt.config.get("impact_json")
    config = ImpactConfig.model_validate_json(impact_json or "{}")
    nodes = dbt.ref("int_graph_nodes").select("entity_id, service_dependents").pl()
    edges = dbt.ref("int_graph_edges").select("source_id, target_id, dependency_kind").pl()
    metrics = graph_metrics(nodes.select("entity_id"), edges, config)
    return score_impact(prefer_service_dependents(metrics, nodes), config)
