with source as (
    select * from {{ source('raw', 'raw_local_repos') }}
),

renamed as (
    select
        repo_id,
        name,
        path,
        remote_url,
        {{ normalise_repo_url('remote_url') }} as canonical_url,
        case when package_name is not null
            then {{ package_id('package_ecosystem', 'package_name') }}
        end as package_id,
        package_name,
        package_ecosystem,
        languages,
        primary_language,
        file_count,
        loc,
        has_tests,
        has_ci,
        ci_systems,
        commits_90d,
        commits_365d,
        commits_total,
        authors_90d,
        authors_365d,
        first_commit_at,
        last_commit_at,
        date_diff('day', last_commit_at, as_of) as days_since_last_commit,
        tag_count,
        latest_tag,
        head_sha,
        as_of,
        crawled_at,
        readme_excerpt
    from source
),

final as (
    select * from renamed
)

select * from final
