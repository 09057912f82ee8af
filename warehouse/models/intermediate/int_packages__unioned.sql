-- Every package the warehouse knows of: installed, declared by a repo, required by another
-- package, published by a local repository, or crawled from a registry (with what the
-- registry says of it: latest version, summary, repository URL, dependents counts).
with installed as (
    select package_id, ecosystem, package_name from {{ ref('stg_python__distributions') }}
),

declared as (
    select package_id, ecosystem, package_name from {{ ref('stg_local__dependencies') }}
),

required as (
    select target_package_id as package_id, 'pypi' as ecosystem,
        target_package_name as package_name
    from {{ ref('stg_python__requirements') }}
),

published as (
    select package_id, package_ecosystem as ecosystem, package_name
    from {{ ref('stg_local__repos') }}
    where package_id is not null
),

registry_packages as (
    select * from {{ ref('stg_registry__packages') }}
),

crawled as (
    select package_id, ecosystem, package_name from registry_packages
),

registry_required as (
    select target_package_id as package_id, ecosystem, target_package_name as package_name
    from {{ ref('stg_registry__dependencies') }}
),

unioned as (
    select * from installed
    union all select * from declared
    union all select * from required
    union all select * from published
    union all select * from crawled
    union all select * from registry_required
),

ids as (
    select package_id, min(ecosystem) as ecosystem, min(package_name) as package_name
    from unioned
    group by package_id
),

final as (
    select
        ids.package_id,
        ids.ecosystem,
        ids.package_name,
        registry_packages.version as registry_version,
        registry_packages.summary as registry_summary,
        registry_packages.license as registry_license,
        registry_packages.repository_url as registry_repository_url,
        registry_packages.canonical_repository_url as registry_canonical_repository_url,
        registry_packages.dependent_packages,
        registry_packages.dependent_repos,
        registry_packages.dependents_source
    from ids
    left join registry_packages on ids.package_id = registry_packages.package_id
)

select * from final
