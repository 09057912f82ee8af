{# The node id of a package: a purl without version, e.g. pkg:pypi/requests. #}
{% macro package_id(ecosystem, name) -%}
'pkg:' || {{ ecosystem }} || '/' || {{ name }}
{%- endmacro %}
