with source as (
    select * from {{ source('raw', 'raw_local_dependencies') }}
),

renamed as (
    select
        repo_id,
        manifest_path,
        ecosystem,
        name as package_name,
        {{ package_id('ecosystem', 'name') }} as package_id,
        dependency_kind,
        extra,
        version_constraint
    from source
),

final as (
    select * from renamed
)

select * from final
