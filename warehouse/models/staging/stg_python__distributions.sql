with source as (
    select * from {{ source('raw', 'raw_python_distributions') }}
),

latest as (
    -- one row per package: the most recently crawled environment wins
    select *
    from source
    qualify row_number() over (partition by name order by crawled_at desc, environment) = 1
),

final as (
    select
        {{ package_id("'pypi'", 'name') }} as package_id,
        'pypi' as ecosystem,
        name as package_name,
        version,
        summary,
        home_page,
        repository_url,
        {{ normalise_repo_url('repository_url') }} as canonical_repository_url,
        project_urls,
        license,
        environment,
        crawled_at
    from latest
)

select * from final
