with source as (
    select * from {{ source('raw', 'raw_github_issues') }}
),

renamed as (
    select
        issue_id,
        'github:' || lower(repo_full_name) as repo_id,
        repo_full_name,
        number,
        title,
        coalesce(body, '') as body,
        lower(state) as state,
        coalesce(labels, []::varchar[]) as labels,
        coalesce(reactions, 0) as reactions,
        coalesce(comments, 0) as comments,
        author_association,
        coalesce(linked_pull_requests, 0) as linked_pull_requests,
        coalesce(
            from_json(
                linked_pulls, '[{"number": "INTEGER", "state": "VARCHAR", "url": "VARCHAR"}]'
            ),
            []
        ) as linked_pulls,
        url,
        created_at,
        updated_at,
        closed_at,
        fetched_at
    from source
)

select * from renamed
