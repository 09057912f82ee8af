-- Declared dependencies of each registry package's latest version (names already normalised
-- by the crawl, so ids match stg_python__requirements' and manifests').
with source as (
    select * from {{ source('raw', 'raw_registry_dependencies') }}
),

final as (
    select
        {{ package_id('ecosystem', 'name') }} as source_package_id,
        {{ package_id('ecosystem', 'target_name') }} as target_package_id,
        ecosystem,
        name as package_name,
        target_name as target_package_name,
        dependency_kind,
        extra,
        version_constraint,
        marker,
        fetched_at
    from source
)

select * from final
