with source as (
    select * from {{ source('raw', 'raw_python_requirements') }}
),

current_env as (
    -- edges of the environment each distribution was last read from
    select source.*
    from source
    inner join {{ ref('stg_python__distributions') }} as dists
        on source.name = dists.package_name and source.environment = dists.environment
),

final as (
    select
        {{ package_id("'pypi'", 'name') }} as source_package_id,
        {{ package_id("'pypi'", 'target_name') }} as target_package_id,
        target_name as target_package_name,
        dependency_kind,
        extra,
        version_constraint,
        environment
    from current_env
)

select * from final
