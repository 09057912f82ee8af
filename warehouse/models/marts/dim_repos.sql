with repos as (
    select * from {{ ref('stg_local__repos') }}
),

findings as (
    select repo_id, count(*) as finding_count
    from {{ ref('stg_local__findings') }}
    group by repo_id
),

manifests as (
    select repo_id, count(*) as manifest_count
    from {{ ref('stg_local__manifests') }}
    group by repo_id
),

final as (
    select
        repos.repo_id,
        repos.name,
        'local' as source,
        repos.path,
        repos.remote_url,
        repos.package_id,
        repos.primary_language,
        repos.languages,
        repos.file_count,
        repos.loc,
        repos.has_tests,
        repos.has_ci,
        repos.ci_systems,
        repos.commits_90d,
        repos.commits_365d,
        repos.commits_total,
        repos.authors_90d,
        repos.authors_365d,
        repos.first_commit_at,
        repos.last_commit_at,
        repos.days_since_last_commit,
        repos.tag_count,
        repos.latest_tag,
        repos.head_sha,
        coalesce(manifests.manifest_count, 0) as manifest_count,
        coalesce(findings.finding_count, 0) as finding_count,
        repos.crawled_at
    from repos
    left join manifests on repos.repo_id = manifests.repo_id
    left join findings on repos.repo_id = findings.repo_id
)

select * from final
