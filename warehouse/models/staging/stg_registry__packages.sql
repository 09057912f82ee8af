-- Packages as their registry describes the latest version, one row per package.
with source as (
    select * from {{ source('raw', 'raw_registry_packages') }}
),

final as (
    select
        {{ package_id('ecosystem', 'name') }} as package_id,
        ecosystem,
        name as package_name,
        version,
        summary,
        license,
        repository_url,
        {{ normalise_repo_url('repository_url') }} as canonical_repository_url,
        homepage,
        dependent_packages,
        dependent_repos,
        dependents_source,
        registry_url,
        fetched_at
    from source
)

select * from final
