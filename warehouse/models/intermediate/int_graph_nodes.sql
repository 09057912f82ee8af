-- Graph nodes: a repository that publishes a package is the same node as that package, so
-- its own dependencies and its dependents meet in one place (a GitHub repository is that
-- package's node when the package's repository URL, or a checkout of it, names it).
-- `service_dependents`: the package's dependents as a dependents service counted them (null
-- when none did); int_graph_scores prefers it to the crawled graph's count.
with packages as (
    select package_id as node_id, dependent_packages::bigint as service_dependents
    from {{ ref('int_packages__unioned') }}
),

repos as (
    select coalesce(package_id, repo_id) as node_id, null::bigint as service_dependents
    from {{ ref('int_repos__unioned') }}
),

final as (
    select node_id as entity_id, max(service_dependents) as service_dependents from (
        select * from packages union all select * from repos
    )
    group by node_id
)

select * from final
