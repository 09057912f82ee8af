-- One row per repository: local checkouts (source 'local') and GitHub repositories ('github').
-- A checkout of a fetched GitHub repository keeps its own row; canonical_url links the two.
with repos as (
    select * from {{ ref('int_repos__unioned') }}
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
        repos.source,
        repos.path,
        repos.remote_url,
        repos.canonical_url,
        repos.package_id,
        repos.primary_language,
        repos.languages,
        repos.file_count,
        repos.loc,
        repos.has_tests,
        repos.has_ci,
        repos.ci_systems,
        repos.ci_state,
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
        repos.description,
        repos.topics,
        repos.stars,
        repos.forks,
        repos.archived,
        repos.is_fork,
        repos.license,
        repos.default_branch,
        repos.created_at,
        repos.pushed_at,
        repos.open_issues,
        repos.closed_issues,
        repos.issues_closed_90d,
        repos.releases,
        repos.latest_release_at,
        repos.has_security_policy,
        repos.has_codeowners,
        coalesce(manifests.manifest_count, 0) as manifest_count,
        coalesce(findings.finding_count, 0) as finding_count,
        repos.crawled_at
    from repos
    left join manifests on repos.repo_id = manifests.repo_id
    left join findings on repos.repo_id = findings.repo_id
)

select * from final
