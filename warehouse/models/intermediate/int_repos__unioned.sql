-- Every repository globallm knows of, local checkouts and GitHub repositories alike, in one
-- shape: each source fills the columns it can see and leaves the others null.
--
-- A local checkout whose remote is a GitHub repository that was also fetched stays its own row
-- (repo_id local:<path> beside github:<owner>/<name>): the checkout is what campaigns change,
-- the GitHub row is what stars, CI and issues describe. Both carry the same canonical_url and
-- the same package_id, so they are one node of the dependency graph and share its impact.
with local_repos as (
    select * from {{ ref('stg_local__repos') }}
),

github_repos as (
    select * from {{ ref('stg_github__repositories') }}
),

-- The package a repository publishes: a local checkout's own manifest names it, else the
-- metadata of an installed distribution or a registry package points at the repository.
checkout_packages as (
    select canonical_url, min(package_id) as package_id
    from local_repos
    where package_id is not null and canonical_url is not null
    group by canonical_url
),

-- One package per repository URL: the one whose repository URL it is, before one that only
-- links to it (an issue tracker, a home page); then the one named like the repository
url_packages as (
    select canonical_url, package_id
    from {{ ref('int_package_repository_urls') }}
    qualify row_number() over (
        partition by canonical_url
        order by is_repository_url desc, named_like_repository desc, package_id
    ) = 1
),

local_rows as (
    select
        repo_id,
        name,
        'local' as source,
        path,
        remote_url,
        local_repos.canonical_url,
        -- its own manifest's name (pyproject.toml, setup.cfg, setup.py...), else by its remote
        coalesce(local_repos.package_id, url_packages.package_id) as package_id,
        primary_language,
        languages,
        file_count,
        loc,
        has_tests,
        has_ci,
        ci_systems,
        null::varchar as ci_state,
        has_ci as ci_signal,
        commits_90d,
        commits_365d,
        commits_total,
        authors_90d,
        authors_365d,
        first_commit_at,
        last_commit_at,
        days_since_last_commit,
        tag_count,
        latest_tag,
        head_sha,
        null::varchar as description,
        null::varchar[] as topics,
        null::timestamptz as created_at,
        null::timestamptz as pushed_at,
        null::integer as stars,
        null::integer as forks,
        null::boolean as archived,
        null::boolean as is_fork,
        null::varchar as license,
        null::varchar as default_branch,
        null::integer as open_issues,
        null::integer as closed_issues,
        null::integer as issues_closed_90d,
        null::integer as releases,
        null::timestamptz as latest_release_at,
        null::boolean as has_security_policy,
        null::boolean as has_codeowners,
        crawled_at
    from local_repos
    left join url_packages on local_repos.canonical_url = url_packages.canonical_url
),

github_rows as (
    select
        gh.repo_id,
        gh.full_name as name,
        'github' as source,
        null::varchar as path,
        gh.url as remote_url,
        gh.canonical_url,
        coalesce(checkout_packages.package_id, url_packages.package_id) as package_id,
        gh.primary_language,
        null::json as languages,
        null::integer as file_count,
        null::bigint as loc,
        null::boolean as has_tests,
        gh.ci_state is not null as has_ci,
        null::varchar[] as ci_systems,
        gh.ci_state,
        gh.ci_passing as ci_signal,
        gh.commits_90d,
        null::integer as commits_365d,
        null::integer as commits_total,
        gh.authors_90d,
        null::integer as authors_365d,
        null::timestamptz as first_commit_at,
        gh.pushed_at as last_commit_at,  -- the last push: GitHub's nearest to a last commit
        gh.days_since_push as days_since_last_commit,
        null::integer as tag_count,
        null::varchar as latest_tag,
        null::varchar as head_sha,
        gh.description,
        gh.topics,
        gh.created_at,
        gh.pushed_at,
        gh.stars,
        gh.forks,
        gh.archived,
        gh.is_fork,
        gh.license,
        gh.default_branch,
        gh.open_issues,
        gh.closed_issues,
        gh.issues_closed_90d,
        gh.releases,
        gh.latest_release_at,
        gh.has_security_policy,
        gh.has_codeowners,
        gh.fetched_at as crawled_at
    from github_repos as gh
    left join checkout_packages on gh.canonical_url = checkout_packages.canonical_url
    left join url_packages on gh.canonical_url = url_packages.canonical_url
),

final as (
    select * from local_rows
    union all by name
    select * from github_rows
)

select * from final
