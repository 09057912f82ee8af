{#
  The canonical form of a repository URL, so that a package's repository_url, a checkout's git
  remote and a GitHub repository's url meet on one key: https://host/owner/name, lowercased,
  without scheme variants (git+https, git://, ssh://, scp-like git@host:o/n), credentials,
  port, www., query, fragment, trailing slash or .git. On GitHub hosts only owner/name is kept
  (https://github.com/o/n/tree/main/docs -> https://github.com/o/n). Null stays null.
#}
{% macro normalise_repo_url(url) -%}
nullif(
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(
                            regexp_replace(
                                regexp_replace(
                                    lower(trim({{ url }})),
                                    '^[a-z0-9_.-]+@([^:/]+):', 'https://\1/'
                                ),
                                '^(git\+)?(https?|ssh|git)://', 'https://'
                            ),
                            '^https://[^/@]+@', 'https://'
                        ),
                        '^https://([^/:]+):\d*/', 'https://\1/'
                    ),
                    '^https://www\.', 'https://'
                ),
                '[?#].*$', ''
            ),
            '(\.git)?/*$', ''
        ),
        '^(https://github\.[a-z.]+/[^/]+/[^/]+)/.*$', '\1'
    ),
    ''
)
{%- endmacro %}
