-- Graph nodes: a repository that publishes a package is the same node as that package, so
-- its own dependencies and its dependents meet in one place (a GitHub repository is that
-- package's node when the package's repository URL, or a checkout of it, names it).
with packages as (
    select package_id as node_id from {{ ref('int_packages__unioned') }}
),

repos as (
    select coalesce(package_id, repo_id) as node_id from {{ ref('int_repos__unioned') }}
),

final as (
    select distinct node_id as entity_id from (
        select * from packages union all select * from repos
    )
)

select * from final
