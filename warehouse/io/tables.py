"""DDL of the raw landing tables and the ledger: the contract between tasks and dbt sources.

Tables only ever gain columns: `store.ensure_schema` adds the ones an older warehouse lacks.
Raw tables are keyed by natural keys so that landing the same crawl twice changes no row count.
"""

import re

RAW_TABLES: dict[str, str] = {
    "raw_local_repos": """
        repo_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        remote_url VARCHAR,
        package_name VARCHAR,
        package_ecosystem VARCHAR,
        languages JSON,
        primary_language VARCHAR,
        file_count INTEGER,
        loc BIGINT,
        has_tests BOOLEAN,
        has_ci BOOLEAN,
        ci_systems VARCHAR[],
        commits_90d INTEGER,
        commits_365d INTEGER,
        commits_total INTEGER,
        authors_90d INTEGER,
        authors_365d INTEGER,
        first_commit_at TIMESTAMPTZ,
        last_commit_at TIMESTAMPTZ,
        tag_count INTEGER,
        latest_tag VARCHAR,
        head_sha VARCHAR,
        as_of TIMESTAMPTZ NOT NULL,
        crawled_at TIMESTAMPTZ NOT NULL,
        readme_excerpt VARCHAR
    """,
    # Redundancy (flows/redundancy.py): one row per assessed project, with its evidence
    "raw_redundancy_scores": """
        entity_id VARCHAR PRIMARY KEY,
        language VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        cluster_id INTEGER,
        cluster_size INTEGER NOT NULL,
        similarity DOUBLE,
        api_overlap DOUBLE,
        keep_entity_id VARCHAR,
        last_activity_at TIMESTAMPTZ,
        days_inactive DOUBLE,
        stars INTEGER,
        dependents INTEGER,
        recommendation VARCHAR,
        redundancy DOUBLE NOT NULL,
        method VARCHAR NOT NULL,
        api_files_parsed INTEGER,
        api_files_skipped INTEGER,
        computed_at TIMESTAMPTZ NOT NULL
    """,
    "raw_local_manifests": """
        repo_id VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        manifest_kind VARCHAR NOT NULL,
        ecosystem VARCHAR NOT NULL,
        parsed BOOLEAN NOT NULL,
        dependency_count INTEGER NOT NULL,
        PRIMARY KEY (repo_id, path)
    """,
    "raw_local_dependencies": """
        repo_id VARCHAR NOT NULL,
        manifest_path VARCHAR NOT NULL,
        ecosystem VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        dependency_kind VARCHAR NOT NULL,
        extra VARCHAR NOT NULL,
        version_constraint VARCHAR NOT NULL,
        PRIMARY KEY (repo_id, manifest_path, ecosystem, name, dependency_kind, extra,
                     version_constraint)
    """,
    "raw_local_findings": """
        repo_id VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        finding_kind VARCHAR NOT NULL,
        detail VARCHAR NOT NULL,
        PRIMARY KEY (repo_id, path, finding_kind)
    """,
    "raw_python_distributions": """
        environment VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        summary VARCHAR,
        home_page VARCHAR,
        repository_url VARCHAR,
        project_urls JSON,
        license VARCHAR,
        crawled_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (environment, name)
    """,
    "raw_python_requirements": """
        environment VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        target_name VARCHAR NOT NULL,
        dependency_kind VARCHAR NOT NULL,
        extra VARCHAR NOT NULL,
        version_constraint VARCHAR NOT NULL,
        PRIMARY KEY (environment, name, target_name, dependency_kind, extra, version_constraint)
    """,
    # GitHub repositories: discovery and health signals (GraphQL), one row per repository
    "raw_github_repositories": """
        repo_id VARCHAR PRIMARY KEY,
        full_name VARCHAR NOT NULL,
        node_id VARCHAR,
        url VARCHAR,
        description VARCHAR,
        primary_language VARCHAR,
        topics VARCHAR[],
        stars INTEGER,
        forks INTEGER,
        archived BOOLEAN,
        is_fork BOOLEAN,
        license VARCHAR,
        default_branch VARCHAR,
        created_at TIMESTAMPTZ,
        pushed_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ,
        open_issues INTEGER,
        closed_issues INTEGER,
        issues_closed_90d INTEGER,
        commits_90d INTEGER,
        authors_90d INTEGER,
        releases INTEGER,
        latest_release_at TIMESTAMPTZ,
        ci_state VARCHAR,
        has_security_policy BOOLEAN,
        has_codeowners BOOLEAN,
        payload JSON,
        fetched_at TIMESTAMPTZ NOT NULL
    """,
    # What could not be fetched (retried on the next crawl), and crawl checkpoints and cursors
    "raw_github_fetch_failures": """
        scope VARCHAR PRIMARY KEY,
        error VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        failed_at TIMESTAMPTZ NOT NULL
    """,
    "raw_github_cursors": """
        scope VARCHAR PRIMARY KEY,
        cursor VARCHAR,
        since TIMESTAMPTZ,
        done BOOLEAN NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    """,
    # Conditional REST: the validators of each URL last read, so an unchanged one costs nothing
    "raw_http_cache": """
        url VARCHAR PRIMARY KEY,
        etag VARCHAR,
        last_modified VARCHAR,
        body JSON,
        fetched_at TIMESTAMPTZ NOT NULL
    """,
    # GitHub issues (filled by the GitHub source; the bench lands synthetic ones the same way)
    "raw_github_issues": """
        issue_id VARCHAR PRIMARY KEY,
        repo_full_name VARCHAR NOT NULL,
        number INTEGER NOT NULL,
        title VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        labels VARCHAR[],
        reactions INTEGER,
        comments INTEGER,
        author_association VARCHAR,
        linked_pull_requests INTEGER,
        url VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        closed_at TIMESTAMPTZ,
        payload JSON,
        fetched_at TIMESTAMPTZ NOT NULL,
        -- [{number, state, url}] of the first 10 pull requests that would close the issue
        linked_pulls JSON
    """,
    # Package registries (tasks/registries/models.py): each package's latest version and its edges
    "raw_registry_packages": """
        ecosystem VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        summary VARCHAR,
        license VARCHAR,
        repository_url VARCHAR,
        homepage VARCHAR,
        dependent_packages INTEGER,
        dependent_repos INTEGER,
        dependents_source VARCHAR,
        registry_url VARCHAR,
        fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ecosystem, name)
    """,
    "raw_registry_dependencies": """
        ecosystem VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        target_name VARCHAR NOT NULL,
        dependency_kind VARCHAR NOT NULL,
        extra VARCHAR NOT NULL,
        version_constraint VARCHAR NOT NULL,
        marker VARCHAR,
        fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ecosystem, name, target_name, dependency_kind, extra, version_constraint)
    """,
    "raw_registry_fetch_failures": """
        ecosystem VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        error VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        failed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ecosystem, name)
    """,
    # A registry crawl's checkpoint: its BFS queue (pending, done, failed), kept until it ends
    "raw_registry_crawl_queue": """
        crawl_id VARCHAR NOT NULL,
        ecosystem VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        depth INTEGER NOT NULL,
        state VARCHAR NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (crawl_id, name)
    """,
}

LEDGER_TABLES: dict[str, str] = {
    "ledger_runs": """
        run_id VARCHAR PRIMARY KEY,
        parent_run_id VARCHAR,
        kind VARCHAR NOT NULL,
        recipe VARCHAR,
        actor VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        config JSON,
        summary JSON,
        summary_confidence DOUBLE,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    """,
    "ledger_plan_items": """
        plan_item_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        repo VARCHAR NOT NULL,
        repo_path VARCHAR,
        file_path VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        reason VARCHAR,
        source VARCHAR,
        recipe VARCHAR,
        rules VARCHAR[],
        confidence DOUBLE,
        risk VARCHAR,
        status VARCHAR NOT NULL,
        change_id VARCHAR,
        lines_added INTEGER,
        lines_removed INTEGER,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ
    """,
    "ledger_changes": """
        change_id VARCHAR PRIMARY KEY,
        run_id VARCHAR,
        plan_item_id VARCHAR,
        repo VARCHAR,
        batch_key VARCHAR,
        branch VARCHAR,
        base_branch VARCHAR,
        base_sha VARCHAR,
        commit_sha VARCHAR,
        provider VARCHAR,
        pr_url VARCHAR,
        pr_body VARCHAR,
        files_changed INTEGER,
        lines_added INTEGER,
        lines_removed INTEGER,
        state VARCHAR NOT NULL,
        gate_merge BOOLEAN,
        gate_reasons VARCHAR[],
        merged BOOLEAN NOT NULL DEFAULT false,
        merge_sha VARCHAR,
        reverted BOOLEAN NOT NULL DEFAULT false,
        reverts_change_id VARCHAR,
        generated_by VARCHAR,
        diff VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ
    """,
    "ledger_verifications": """
        change_id VARCHAR PRIMARY KEY,
        tests_before INTEGER,
        tests_after INTEGER,
        passed_before INTEGER,
        passed_after INTEGER,
        failed_before INTEGER,
        failed_after INTEGER,
        errors_before INTEGER,
        errors_after INTEGER,
        new_failures VARCHAR[],
        preexisting_failures VARCHAR[],
        flaky VARCHAR[],
        coverage_before DOUBLE,
        coverage_after DOUBLE,
        coverage_delta DOUBLE,
        timed_out BOOLEAN,
        lint VARCHAR,
        isolation VARCHAR,
        duration_s DOUBLE
    """,
    "ledger_events": """
        event_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        subject_kind VARCHAR NOT NULL,
        subject_id VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL,
        detail VARCHAR
    """,
    "ledger_llm_calls": """
        call_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        prompt_name VARCHAR NOT NULL,
        prompt_sha VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        tokens_in INTEGER,
        tokens_out INTEGER,
        cost DOUBLE,
        cache_hit BOOLEAN,
        latency_s DOUBLE,
        called_at TIMESTAMPTZ NOT NULL
    """,
}

ALL_TABLES = {**RAW_TABLES, **LEDGER_TABLES}

# The ledger's one-query answer: every file touched, why, when, by whom, with what confidence.
LEDGER_VIEWS: dict[str, str] = {
    "ledger_files_touched": """
        SELECT
            p.repo,
            p.file_path,
            p.reason AS why,
            coalesce(c.updated_at, p.updated_at, p.created_at) AS touched_at,
            coalesce(c.generated_by, p.source) AS by_whom,
            r.actor,
            p.confidence,
            p.risk,
            p.status,
            c.state AS change_state,
            c.branch,
            c.pr_url,
            c.commit_sha,
            p.run_id,
            p.plan_item_id,
            c.change_id
        FROM ledger_plan_items AS p
        LEFT JOIN ledger_changes AS c ON p.change_id = c.change_id
        LEFT JOIN ledger_runs AS r ON p.run_id = r.run_id
    """,
}

_COLUMN = re.compile(r"^\s*(?!PRIMARY\b)([a-z_][a-z0-9_]*)\s+([A-Z]+(?:\[\])?)", re.MULTILINE)


def columns(table: str) -> list[tuple[str, str]]:
    """(name, type) of each column a table's DDL declares, constraints left out."""
    return _COLUMN.findall(ALL_TABLES[table])


_INLINE_KEY = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s+[A-Z]+(?:\[\])?\s+PRIMARY KEY", re.MULTILINE)
_TABLE_KEY = re.compile(r"PRIMARY KEY\s*\(([^)]*)\)")


def primary_key(table: str) -> list[str]:
    """The primary-key columns a table's DDL declares (inline or as a table constraint)."""
    ddl = ALL_TABLES[table]
    found = _TABLE_KEY.search(ddl)
    if found:
        return [name.strip() for name in found.group(1).split(",")]
    return _INLINE_KEY.findall(ddl)
