with edges as (
    select * from {{ ref('int_dependency_edges') }}
),

final as (
    select
        edge_id,
        source_id,
        source_kind,
        target_id,
        ecosystem,
        dependency_kind,
        nullif(extra, '') as extra,
        nullif(version_constraint, '') as version_constraint,
        declared_in
    from edges
)

select * from final
