-- One row per scored entity: each repository (local or GitHub), and each package no known
-- repository publishes (a published package is scored as its repository). `dependents` is
-- a dependents service's count where one was configured, else the crawled graph's
-- (`dependents_source`: 'service' | 'graph'); impact's dependents component uses the same.
with repos as (
    select * from {{ ref('dim_repos') }}
),

packages as (
    select * from {{ ref('dim_packages') }}
),

health as (
    select * from {{ ref('int_repo_health') }}
),

graph as (
    select * from {{ ref('int_graph_scores') }}
),

repo_rows as (
    select
        repos.repo_id as entity_id,
        'repo' as kind,
        repos.name,
        repos.source,
        repos.primary_language as language,
        health.velocity,
        health.diversity,
        health.recency,
        health.tests,
        health.ci,
        health.resolution,
        health.health,
        graph.pagerank,
        graph.dependents,
        graph.dependents_source,
        graph.downstream_reach,
        graph.pagerank_component,
        graph.dependents_component,
        graph.reach_component,
        graph.impact,
        graph.betweenness,
        graph.betweenness_component,
        graph.reach_method,
        graph.betweenness_method,
        graph.betweenness_samples
    from repos
    left join health on repos.repo_id = health.entity_id
    left join graph on coalesce(repos.package_id, repos.repo_id) = graph.entity_id
),

package_rows as (
    select
        packages.package_id as entity_id,
        'package' as kind,
        packages.name,
        case
            when packages.is_installed then 'environment'
            when packages.latest_version is not null then 'registry'
            else 'manifest'
        end as source,
        case packages.ecosystem
            when 'pypi' then 'Python' when 'npm' then 'JavaScript'
            when 'golang' then 'Go' when 'cargo' then 'Rust'
        end as language,
        null::double as velocity,
        null::double as diversity,
        null::double as recency,
        null::double as tests,
        null::double as ci,
        null::double as resolution,
        null::double as health,
        graph.pagerank,
        graph.dependents,
        graph.dependents_source,
        graph.downstream_reach,
        graph.pagerank_component,
        graph.dependents_component,
        graph.reach_component,
        graph.impact,
        graph.betweenness,
        graph.betweenness_component,
        graph.reach_method,
        graph.betweenness_method,
        graph.betweenness_samples
    from packages
    inner join graph on packages.package_id = graph.entity_id
    where packages.local_repo_id is null and packages.github_repo_id is null
),

final as (
    select * from repo_rows
    union all
    select * from package_rows
)

select * from final
