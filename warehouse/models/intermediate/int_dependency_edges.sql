-- One row per edge dependent -> dependency, from repository manifests, installed metadata and
-- package registries.
with repo_edges as (
    select
        repo_id as source_id,
        'repo' as source_kind,
        package_id as target_id,
        ecosystem,
        dependency_kind,
        extra,
        version_constraint,
        manifest_path as declared_in
    from {{ ref('stg_local__dependencies') }}
),

package_edges as (
    select
        source_package_id as source_id,
        'package' as source_kind,
        target_package_id as target_id,
        'pypi' as ecosystem,
        dependency_kind,
        extra,
        version_constraint,
        'environment:' || environment as declared_in
    from {{ ref('stg_python__requirements') }}
),

registry_edges as (
    select
        source_package_id as source_id,
        'package' as source_kind,
        target_package_id as target_id,
        ecosystem,
        dependency_kind,
        extra,
        version_constraint,
        'registry:' || ecosystem as declared_in
    from {{ ref('stg_registry__dependencies') }}
),

unioned as (
    select * from repo_edges
    union all
    select * from package_edges
    union all
    select * from registry_edges
),

final as (
    select
        md5(concat_ws('|', source_id, target_id, dependency_kind, extra, version_constraint,
            declared_in)) as edge_id,
        *
    from unioned
)

select * from final
