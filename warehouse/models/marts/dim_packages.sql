with packages as (
    select * from {{ ref('int_packages__unioned') }}
),

installed as (
    select * from {{ ref('stg_python__distributions') }}
),

publishers as (
    select
        package_id,
        min(repo_id) filter (where source = 'local') as local_repo_id,
        min(repo_id) filter (where source = 'github') as github_repo_id
    from {{ ref('int_repos__unioned') }}
    where package_id is not null
    group by package_id
),

final as (
    select
        packages.package_id,
        packages.ecosystem,
        packages.package_name as name,
        installed.version as installed_version,
        installed.package_id is not null as is_installed,
        packages.registry_version as latest_version,
        -- what the installed metadata says, else what the registry says
        coalesce(installed.summary, packages.registry_summary) as summary,
        installed.home_page,
        coalesce(installed.repository_url, packages.registry_repository_url) as repository_url,
        coalesce(
            installed.canonical_repository_url, packages.registry_canonical_repository_url
        ) as canonical_repository_url,
        coalesce(installed.license, packages.registry_license) as license,
        installed.environment,
        -- dependents as a dependents service counted them (null: none did, and
        -- fct_repo_scores.dependents is the crawled graph's count; where set, it is this one)
        packages.dependent_packages as service_dependent_packages,
        packages.dependent_repos as service_dependent_repos,
        packages.dependents_source,
        publishers.local_repo_id,
        publishers.github_repo_id
    from packages
    left join installed on packages.package_id = installed.package_id
    left join publishers on packages.package_id = publishers.package_id
)

select * from final
