with issues as (
    select * from {{ ref('stg_github__issues') }}
),

categorised as (
    select
        *,
        lower(array_to_string(labels, ' ')) as label_text
    from issues
),

final as (
    select
        issue_id,
        repo_id,
        repo_full_name,
        number,
        title,
        state,
        labels,
        case
            when regexp_matches(label_text, 'security|vulnerab') then 'security'
            when regexp_matches(label_text, 'bug|defect|crash') then 'bug'
            when regexp_matches(label_text, 'feature|enhancement') then 'feature'
            else 'other'
        end as category,
        reactions,
        comments,
        author_association,
        linked_pull_requests,
        url,
        created_at,
        updated_at,
        closed_at,
        date_diff('day', created_at, coalesce(closed_at, fetched_at)) as age_days
    from categorised
)

select * from final
