with edges as (
    select * from {{ ref('int_dependency_edges') }}
),

repos as (
    select repo_id, package_id from {{ ref('stg_local__repos') }}
),

final as (
    select
        coalesce(repos.package_id, edges.source_id) as source_id,
        edges.target_id,
        edges.dependency_kind
    from edges
    left join repos on edges.source_id = repos.repo_id
)

select * from final
