-- The coverage each repository's tests measured at its last verified change (the ledger's), by
-- canonical URL: what solvability knows of a repository's safety net once globallm has run
-- its suite. Coverage is a percentage in the ledger, a 0-1 fraction here.
with verified as (
    select
        {{ normalise_repo_url('changes.repo') }} as canonical_url,
        verifications.coverage_after,
        coalesce(changes.updated_at, changes.created_at) as verified_at
    from {{ source('ledger', 'ledger_changes') }} as changes
    inner join {{ source('ledger', 'ledger_verifications') }} as verifications using (change_id)
    where verifications.coverage_after is not null and verifications.tests_after > 0
)

select
    canonical_url,
    arg_max(coverage_after, verified_at) / 100.0 as last_coverage,
    max(verified_at) as verified_at
from verified
where canonical_url is not null
group by canonical_url
