with source as (
    select * from {{ source('raw', 'raw_local_findings') }}
),

final as (
    select repo_id, path, finding_kind, detail
    from source
)

select * from final
