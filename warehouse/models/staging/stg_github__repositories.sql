-- One row per GitHub repository with its health signals as fetched (GraphQL), repo_id in
-- dim_repos' form ('github:' || lower(full_name)) and the canonical URL the graph joins on.
with source as (
    select * from {{ source('raw', 'raw_github_repositories') }}
),

renamed as (
    select
        repo_id,
        full_name,
        node_id,
        coalesce(url, 'https://github.com/' || full_name) as url,
        {{ normalise_repo_url("coalesce(url, 'https://github.com/' || full_name)") }}
            as canonical_url,
        description,
        primary_language,
        coalesce(topics, []::varchar[]) as topics,
        stars,
        forks,
        coalesce(archived, false) as archived,
        is_fork,
        license,
        default_branch,
        created_at,
        pushed_at,
        updated_at,
        open_issues,
        closed_issues,
        issues_closed_90d,
        commits_90d,
        authors_90d,
        releases,
        latest_release_at,
        upper(ci_state) as ci_state,
        -- the head's combined CI state; pending, expected or no CI at all is not a verdict
        case
            when upper(ci_state) = 'SUCCESS' then true
            when upper(ci_state) in ('FAILURE', 'ERROR') then false
        end as ci_passing,
        has_security_policy,
        has_codeowners,
        case when pushed_at is not null
            then greatest(date_diff('day', pushed_at, fetched_at), 0)
        end as days_since_push,
        fetched_at
    from source
),

final as (
    select * from renamed
)

select * from final
