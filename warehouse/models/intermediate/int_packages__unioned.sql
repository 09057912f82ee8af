-- Every package the warehouse knows of: installed, declared by a repo, required by another
-- package, or published by a local repository.
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

unioned as (
    select * from installed
    union all select * from declared
    union all select * from required
    union all select * from published
),

final as (
    select package_id, min(ecosystem) as ecosystem, min(package_name) as package_name
    from unioned
    group by package_id
)

select * from final
