-- One triage per issue: of its current version (updated_at) when there is one, else the last
-- one made; among those the best method (an LLM's, then the classifier's, then the
-- heuristic's), then the newest.
with triage as (
    select * from {{ source('raw', 'raw_issue_triage') }}
),

issues as (
    select issue_id, updated_at from {{ source('raw', 'raw_github_issues') }}
),

ranked as (
    select
        triage.*,
        row_number() over (
            partition by triage.issue_id
            order by
                (triage.issue_updated_at = issues.updated_at) desc nulls last,
                case
                    when triage.method like 'llm%' then 0
                    when triage.method = 'classifier' then 1
                    else 2
                end,
                triage.triaged_at desc,
                triage.model_version
        ) as pick
    from triage
    inner join issues using (issue_id)
)

select
    issue_id,
    issue_updated_at as triaged_version,
    model_version as triage_version,
    method as triage_method,
    category,
    complexity,
    coalesce(scope, []::varchar[]) as scope,
    breaking_risk,
    solvable,
    solvable_reason,
    confidence as triage_confidence,
    triaged_at
from ranked
where pick = 1
