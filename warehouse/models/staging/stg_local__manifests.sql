with source as (
    select * from {{ source('raw', 'raw_local_manifests') }}
),

final as (
    select repo_id, path as manifest_path, manifest_kind, ecosystem, parsed, dependency_count
    from source
)

select * from final
