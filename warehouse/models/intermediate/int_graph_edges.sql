with edges as (
    select * from {{ ref('int_dependency_edges') }}
),

-- a checkout that publishes a package (named by its manifest, or linked by its remote URL)
-- depends on things as that package's node
repos as (
    select repo_id, package_id from {{ ref('int_repos__unioned') }} where source = 'local'
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
