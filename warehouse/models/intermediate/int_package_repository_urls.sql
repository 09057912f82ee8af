-- The repository each package's metadata points at, one row per repository URL: the one URL a
-- repository is expected under (`is_repository_url`: the installed distribution's Source /
-- Repository / ... Project-URL, else its Home-page; the registry's repository URL), and every
-- other URL it names that normalises to a repository (an installed distribution's other
-- Project-URLs and Home-page, a registry's homepage: github.com/o/n/issues is o/n). A checkout
-- or GitHub repository with that canonical URL publishes the package (int_repos__unioned).
with distributions as (
    select * from {{ ref('stg_python__distributions') }}
),

registry_packages as (
    select * from {{ ref('stg_registry__packages') }}
),

-- Labels of URLs that point at someone else's page (a sponsor's profile, a funding platform)
project_urls as (
    select distributions.package_id, distributions.package_name, url.value ->> '$' as url
    from distributions, json_each(distributions.project_urls) as url
    where not regexp_matches(lower(url.key), 'fund|donat|sponsor|tidelift|patreon')
),

candidates as (
    select package_id, package_name, repository_url as url, true as is_repository_url
    from distributions
    union all
    select package_id, package_name, home_page, false from distributions
    union all
    select package_id, package_name, url, false from project_urls
    union all
    select package_id, package_name, repository_url, true from registry_packages
    union all
    select package_id, package_name, homepage, false from registry_packages
),

normalised as (
    select
        package_id,
        package_name,
        {{ normalise_repo_url('url') }} as canonical_url,
        is_repository_url
    from candidates
    where url is not null
),

final as (
    select
        package_id,
        canonical_url,
        bool_or(is_repository_url) as is_repository_url,
        -- the package is named like the repository (github.com/acme/url-lib and url_lib)
        regexp_replace(lower(min(package_name)), '[-_.]+', '-', 'g')
            = regexp_replace(regexp_extract(canonical_url, '[^/]+$'), '[-_.]+', '-', 'g')
            as named_like_repository
    from normalised
    where canonical_url is not null
        -- a repository is a path below the host, never a bare site (https://example.org)
        and regexp_matches(canonical_url, '^https://[^/]+/.+')
    group by package_id, canonical_url
)

select * from final
