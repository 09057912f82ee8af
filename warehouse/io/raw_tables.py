"""DDL of the raw landing tables (raw_*): the contract between the crawl tasks and dbt's sources.

Keyed by natural keys, so that landing the same crawl twice changes no row count.
"""

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
    # Triage (flows/triage.py): one row per issue version and triage method version, so an
    # unchanged issue is never triaged twice by the same method
    "raw_issue_triage": """
        issue_id VARCHAR NOT NULL,
        issue_updated_at TIMESTAMPTZ NOT NULL,
        -- heuristic-<n>, classifier-<training sha>, llm-<model>-<prompt sha>
        model_version VARCHAR NOT NULL,
        -- heuristic, classifier, llm:<model>
        method VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        complexity INTEGER NOT NULL,
        scope VARCHAR[],
        breaking_risk VARCHAR NOT NULL,
        solvable BOOLEAN NOT NULL,
        solvable_reason VARCHAR NOT NULL,
        confidence DOUBLE NOT NULL,
        triaged_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (issue_id, issue_updated_at, model_version)
    """,
    # Sentence embeddings of issues (flows/triage.py's classifier): one row per issue version
    # and model, so an unchanged issue is embedded once; text_sha is of the text embedded
    # (scoring/issue_classifier.py's issue_text), a vector of another text is not reused
    "raw_issue_embeddings": """
        issue_id VARCHAR NOT NULL,
        issue_updated_at TIMESTAMPTZ NOT NULL,
        model VARCHAR NOT NULL,
        dim INTEGER NOT NULL,
        text_sha VARCHAR NOT NULL,
        vector FLOAT[] NOT NULL,
        embedded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (issue_id, issue_updated_at, model)
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
        body VARCHAR,
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
