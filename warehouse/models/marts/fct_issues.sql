-- One row per GitHub issue with the inputs urgency needs (category, age, engagement), its
-- triage (int_issue_triage: complexity, scope, breaking risk, solvable, method; null until
-- `globallm triage` reads it) and the dim_repos row it belongs to: the GitHub repository if
-- fetched, else a local checkout of it. The category is the triage's, else the labels'.
with issues as (
    select
        *,
        -- the host the issue lives on (GitHub Enterprise too); with owner/name, its repository
        coalesce(nullif(split_part(url, '/', 3), ''), 'github.com') as issue_host
    from {{ ref('stg_github__issues') }}
),

triage as (
    select * from {{ ref('int_issue_triage') }}
),

repos as (
    select repo_id, source, archived, canonical_url from {{ ref('dim_repos') }}
),

-- one dim_repos row per canonical URL: the GitHub repository first, then the first checkout
repo_by_url as (
    select
        canonical_url as repo_canonical_url,
        arg_min(repo_id, (case source when 'github' then 0 else 1 end, repo_id)) as dim_repo_id
    from repos
    where canonical_url is not null
    group by canonical_url
),

-- each issue's repository URL, normalised once per repository rather than once per issue
issue_repos as (
    select
        repo_full_name,
        issue_host,
        {{ normalise_repo_url("'https://' || issue_host || '/' || repo_full_name") }}
            as repo_canonical_url
    from (select distinct repo_full_name, issue_host from issues)
),

categorised as (
    select
        issues.*,
        lower(array_to_string(issues.labels, ' ')) as label_text,
        issue_repos.repo_canonical_url
    from issues
    left join issue_repos using (repo_full_name, issue_host)
),

final as (
    select
        issue_id,
        categorised.repo_id,
        repo_full_name,
        number,
        title,
        state,
        state = 'open' as is_open,
        labels,
        coalesce(
            triage.category,
            case
                when regexp_matches(label_text, 'security|vulnerab') then 'security'
                when regexp_matches(label_text, 'bug|defect|crash') then 'bug'
                when regexp_matches(label_text, 'feature|enhancement') then 'feature'
                else 'other'
            end
        ) as category,
        triage.complexity,
        triage.scope,
        triage.breaking_risk,
        triage.solvable,
        triage.solvable_reason,
        triage.triage_confidence,
        triage.triage_method,
        triage.triage_version,
        triage.triaged_version = categorised.updated_at as triage_current,
        reactions,
        comments,
        reactions + comments as engagement,
        author_association,
        linked_pull_requests,
        linked_pulls,
        url,
        created_at,
        updated_at,
        closed_at,
        date_diff('day', created_at, coalesce(closed_at, fetched_at)) as age_days,
        repo_by_url.dim_repo_id,
        repos.source as repo_source,
        repos.archived as repo_archived
    from categorised
    left join triage using (issue_id)
    left join repo_by_url on categorised.repo_canonical_url = repo_by_url.repo_canonical_url
    left join repos on repo_by_url.dim_repo_id = repos.repo_id
)

select * from final
