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
        installed.summary,
        installed.home_page,
        installed.repository_url,
        installed.canonical_repository_url,
        installed.license,
        installed.environment,
        publishers.local_repo_id,
        publishers.github_repo_id
    from packages
    left join installed on packages.package_id = installed.package_id
    left join publishers on packages.package_id = publishers.package_id
)

select * from final
