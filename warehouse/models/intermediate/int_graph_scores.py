"""Impact of every graph node, computed by scoring/ (PageRank, dependents, downstream reach)."""

from scoring.graph import graph_metrics
from scoring.impact import ImpactConfig, score_impact


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    config = ImpactConfig.model_validate_json(dbt.config.get("impact_json") or "{}")
    nodes = dbt.ref("int_graph_nodes").pl()
    edges = dbt.ref("int_graph_edges").pl()
    metrics = graph_metrics(nodes, edges, damping=config.pagerank_damping)
    return score_impact(metrics, config)
