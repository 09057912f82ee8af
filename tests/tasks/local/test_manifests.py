"""Tests for tasks/local/manifests.py: dependency manifests parsed into declared dependencies."""

from __future__ import annotations

import pytest

from tasks.local.manifests import (
    ManifestError,
    ParsedManifest,
    parse_cargo_toml,
    parse_go_mod,
    parse_package_json,
    parse_pyproject,
    parse_requirements,
    parse_setup_cfg,
    parser_for,
)


def _deps(manifest: ParsedManifest) -> list[tuple[str, str, str, str]]:
    """(name, kind, extra, version_constraint) of each dependency, in order."""
    return [
        (d.name, d.dependency_kind, d.extra, d.version_constraint) for d in manifest.dependencies
    ]


# --- pyproject.toml -------------------------------------------------------------------------

PEP621 = """\
[project]
name = "My_Package"
version = "1.0"
dependencies = [
    "Requests>=2.0",
    "pydantic>=2; python_version >= '3.8'",
    "Foo_Bar[extra]~=1.0",
]

[project.optional-dependencies]
dev = ["pytest>=8"]
test = ["coverage"]
tests = ["hypothesis"]
lint = ["ruff"]
docs = ["sphinx"]
fast = ["orjson>=3"]

[dependency-groups]
typing = ["mypy>=1"]
ci = [{include-group = "typing"}, "nox"]
"""


def test_pyproject_pep621():
    manifest = parse_pyproject(PEP621)
    assert manifest.manifest_kind == "pyproject.toml"
    assert manifest.ecosystem == "pypi"
    assert manifest.package_name == "my-package"
    assert _deps(manifest) == [
        ("requests", "runtime", "", ">=2.0"),
        ("pydantic", "runtime", "", ">=2"),
        ("foo-bar", "runtime", "", "~=1.0"),
        ("pytest", "dev", "dev", ">=8"),
        ("coverage", "dev", "test", ""),
        ("hypothesis", "dev", "tests", ""),
        ("ruff", "dev", "lint", ""),
        ("sphinx", "dev", "docs", ""),
        ("orjson", "optional", "fast", ">=3"),
        ("mypy", "dev", "typing", ">=1"),
        ("nox", "dev", "ci", ""),
    ]
    assert {d.ecosystem for d in manifest.dependencies} == {"pypi"}


POETRY = """\
[tool.poetry]
name = "Poetry.App"

[tool.poetry.dependencies]
Python = "^3.11"
Django = "^4.2"
httpx = {version = "^0.27", extras = ["http2"]}
mylib = {git = "https://example.com/mylib.git"}

[tool.poetry.dev-dependencies]
pytest = "^8"
"""


def test_pyproject_poetry_skips_python():
    manifest = parse_pyproject(POETRY)
    assert manifest.package_name == "poetry-app"
    assert _deps(manifest) == [
        ("django", "runtime", "", "^4.2"),
        ("httpx", "runtime", "", "^0.27"),
        ("mylib", "runtime", "", ""),
        ("pytest", "dev", "", "^8"),
    ]


def test_pyproject_project_name_wins_over_poetry_name():
    text = '[project]\nname = "Real_Name"\n[tool.poetry]\nname = "other"\n'
    assert parse_pyproject(text).package_name == "real-name"


def test_pyproject_without_project_table():
    manifest = parse_pyproject("[tool.ruff]\nline-length = 100\n")
    assert manifest.package_name is None
    assert manifest.dependencies == []


def test_pyproject_invalid_toml():
    with pytest.raises(ManifestError, match="invalid TOML"):
        parse_pyproject("[project\nname = 'broken'\n")


def test_pyproject_invalid_requirement():
    with pytest.raises(ManifestError, match=r"invalid requirement 'not a valid \$\$ spec'"):
        parse_pyproject('[project]\ndependencies = ["not a valid $$ spec"]\n')


def test_manifest_error_is_a_value_error():
    assert issubclass(ManifestError, ValueError)


# --- requirements.txt -----------------------------------------------------------------------

REQUIREMENTS = """\
# top comment
Requests==2.31.0  # pinned for a reason
Foo_Bar>=1.0

-r base.txt
-c constraints.txt
-e .
--index-url https://pypi.example.com/simple
git+https://github.com/a/b.git
https://example.com/pkg-1.0.whl
file:///tmp/pkg
./local-package
pywin32; sys_platform == "win32"
   Django >= 4.2
"""


def test_requirements_parses_names_and_skips_non_registry_lines():
    manifest = parse_requirements(REQUIREMENTS)
    assert manifest.manifest_kind == "requirements.txt"
    assert manifest.ecosystem == "pypi"
    assert manifest.package_name is None
    assert _deps(manifest) == [
        ("requests", "runtime", "", "==2.31.0"),
        ("foo-bar", "runtime", "", ">=1.0"),
        ("pywin32", "runtime", "", ""),
        ("django", "runtime", "", ">=4.2"),
    ]


def test_requirements_direct_reference_keeps_package_name():
    manifest = parse_requirements("Some.Pkg @ https://example.com/some_pkg-1.0.whl\n")
    assert _deps(manifest) == [("some-pkg", "runtime", "", "")]


def test_requirements_surrounding_whitespace_and_crlf():
    manifest = parse_requirements("  Django >= 4.2  \r\n\tpytest\t\r\n")
    assert _deps(manifest) == [("django", "runtime", "", ">=4.2"), ("pytest", "runtime", "", "")]


def test_requirements_empty_and_comment_only():
    assert parse_requirements("").dependencies == []
    assert parse_requirements("# nothing\n\n   \n").dependencies == []


def test_requirements_invalid_line():
    with pytest.raises(ManifestError, match="invalid requirement 'foo=='"):
        parse_requirements("requests\nfoo==\n")


def test_requirements_line_continuation_with_hashes():
    text = "requests==2.31.0 \\\n    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b\n"
    assert _deps(parse_requirements(text)) == [("requests", "runtime", "", "==2.31.0")]


# --- setup.cfg ------------------------------------------------------------------------------

SETUP_CFG = """\
[metadata]
name = My.Lib

[options]
install_requires =
    requests>=2
    Foo_Bar

[options.extras_require]
fast = orjson>=3
yaml =
    PyYAML
    ruamel.yaml
"""


def test_setup_cfg_install_requires_and_extras():
    manifest = parse_setup_cfg(SETUP_CFG)
    assert manifest.manifest_kind == "setup.cfg"
    assert manifest.ecosystem == "pypi"
    assert manifest.package_name == "my-lib"
    assert _deps(manifest) == [
        ("requests", "runtime", "", ">=2"),
        ("foo-bar", "runtime", "", ""),
        ("orjson", "optional", "fast", ">=3"),
        ("pyyaml", "optional", "yaml", ""),
        ("ruamel-yaml", "optional", "yaml", ""),
    ]


def test_setup_cfg_without_options():
    manifest = parse_setup_cfg("[metadata]\nversion = 1.0\n")
    assert manifest.package_name is None
    assert manifest.dependencies == []


@pytest.mark.parametrize(
    "text",
    [
        "install_requires = requests\n",  # no section header
        "[options]\ninstall_requires = a\n[options]\ninstall_requires = b\n",  # duplicate
    ],
)
def test_setup_cfg_invalid_file(text):
    with pytest.raises(ManifestError, match=r"invalid setup\.cfg"):
        parse_setup_cfg(text)


def test_setup_cfg_invalid_requirement():
    with pytest.raises(ManifestError, match="invalid requirement"):
        parse_setup_cfg("[options]\ninstall_requires =\n    foo==\n")


def test_setup_cfg_percent_in_value():
    text = "[options]\ninstall_requires =\n    foo @ https://example.com/foo%2B1-1.0.whl\n"
    assert _deps(parse_setup_cfg(text)) == [("foo", "runtime", "", "")]


# --- package.json ---------------------------------------------------------------------------

PACKAGE_JSON = """\
{
  "name": "@acme/web",
  "dependencies": {"react": "^18.0.0"},
  "devDependencies": {"jest": "^29.0.0", "typescript": "5.4.2"},
  "peerDependencies": {"react-dom": "^18.0.0"},
  "optionalDependencies": {"fsevents": "*"}
}
"""


def test_package_json_sections():
    manifest = parse_package_json(PACKAGE_JSON)
    assert manifest.manifest_kind == "package.json"
    assert manifest.ecosystem == "npm"
    assert manifest.package_name == "@acme/web"
    assert _deps(manifest) == [
        ("react", "runtime", "", "^18.0.0"),
        ("jest", "dev", "", "^29.0.0"),
        ("typescript", "dev", "", "5.4.2"),
        ("react-dom", "peer", "", "^18.0.0"),
        ("fsevents", "optional", "", "*"),
    ]
    assert {d.ecosystem for d in manifest.dependencies} == {"npm"}


def test_package_json_without_name_and_with_null_section():
    manifest = parse_package_json('{"dependencies": null, "devDependencies": {"a": "1"}}')
    assert manifest.package_name is None
    assert _deps(manifest) == [("a", "dev", "", "1")]


def test_package_json_invalid_json():
    with pytest.raises(ManifestError, match="invalid JSON"):
        parse_package_json('{"name": "x",')


@pytest.mark.parametrize("text", ["[]", '["react"]', '"just a string"', "42"])
def test_package_json_must_be_an_object(text):
    with pytest.raises(ManifestError, match=r"package\.json must hold an object"):
        parse_package_json(text)


# --- go.mod ---------------------------------------------------------------------------------

GO_MOD = """\
module example.com/app // the app

go 1.22

require github.com/single/dep v1.2.3

require github.com/single/indirect v0.0.0-20230101000000-abcdef123456 // indirect

require (
\tgithub.com/a/b v0.1.0
\tgolang.org/x/text v0.14.0 // indirect
)

replace github.com/a/b => ../b
"""


def test_go_mod_require_block_and_single_lines():
    manifest = parse_go_mod(GO_MOD)
    assert manifest.manifest_kind == "go.mod"
    assert manifest.ecosystem == "golang"
    assert manifest.package_name == "example.com/app"
    assert _deps(manifest) == [
        ("github.com/single/dep", "runtime", "", "v1.2.3"),
        ("github.com/single/indirect", "indirect", "", "v0.0.0-20230101000000-abcdef123456"),
        ("github.com/a/b", "runtime", "", "v0.1.0"),
        ("golang.org/x/text", "indirect", "", "v0.14.0"),
    ]
    assert {d.ecosystem for d in manifest.dependencies} == {"golang"}


def test_go_mod_without_requirements():
    manifest = parse_go_mod("module example.com/tool\n\ngo 1.21\n")
    assert manifest.package_name == "example.com/tool"
    assert manifest.dependencies == []


def test_go_mod_without_module_line():
    with pytest.raises(ManifestError, match=r"go\.mod has no module line"):
        parse_go_mod("go 1.22\n\nrequire github.com/a/b v1.0.0\n")


def test_go_mod_unreadable_require_line():
    with pytest.raises(ManifestError, match="unreadable require line 'not-a-version'"):
        parse_go_mod("module m\n\nrequire (\n\tnot-a-version\n)\n")


@pytest.mark.parametrize("filler", ["", "\t// direct dependencies"])
def test_go_mod_blank_or_comment_line_in_require_block(filler):
    text = f"module m\n\nrequire (\n{filler}\n\tgithub.com/a/b v1.0.0\n)\n"
    assert _deps(parse_go_mod(text)) == [("github.com/a/b", "runtime", "", "v1.0.0")]


# --- Cargo.toml -----------------------------------------------------------------------------

CARGO = """\
[package]
name = "my_crate"
version = "0.1.0"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
rand = "0.8"
local = { path = "../local" }

[dev-dependencies]
criterion = "0.5"

[build-dependencies]
cc = { version = "1" }
"""


def test_cargo_toml_sections():
    manifest = parse_cargo_toml(CARGO)
    assert manifest.manifest_kind == "Cargo.toml"
    assert manifest.ecosystem == "cargo"
    assert manifest.package_name == "my_crate"
    assert _deps(manifest) == [
        ("serde", "runtime", "", "1.0"),
        ("rand", "runtime", "", "0.8"),
        ("local", "runtime", "", ""),
        ("criterion", "dev", "", "0.5"),
        ("cc", "build", "", "1"),
    ]
    assert {d.ecosystem for d in manifest.dependencies} == {"cargo"}


def test_cargo_toml_workspace_without_package():
    manifest = parse_cargo_toml('[workspace]\nmembers = ["a", "b"]\n')
    assert manifest.package_name is None
    assert manifest.dependencies == []


def test_cargo_toml_invalid_toml():
    with pytest.raises(ManifestError, match="invalid TOML"):
        parse_cargo_toml('[dependencies]\nserde = "1.0\n')


# --- parser_for -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parser"),
    [
        ("requirements.txt", parse_requirements),
        ("requirements-dev.txt", parse_requirements),
        ("ci/requirements_test.txt", parse_requirements),
        ("pyproject.toml", parse_pyproject),
        ("packages/lib/pyproject.toml", parse_pyproject),
        ("setup.cfg", parse_setup_cfg),
        ("web/package.json", parse_package_json),
        ("go.mod", parse_go_mod),
        ("crates/core/Cargo.toml", parse_cargo_toml),
    ],
)
def test_parser_for_manifest_names(path, parser):
    assert parser_for(path) is parser


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "setup.py.orig",  # setup.py itself is one: tests/tasks/local/test_setup_py.py
        "requirements.md",
        "package-lock.json",
        "go.sum",
        "Cargo.lock",
        "pyproject.toml/notes.txt",
    ],
)
def test_parser_for_other_files_is_none(path):
    assert parser_for(path) is None


def test_parser_for_requirements_dev_parses():
    manifest = parser_for("requirements-dev.txt")("pytest>=8\n")
    assert _deps(manifest) == [("pytest", "runtime", "", ">=8")]


def test_poetry_groups_are_dev_dependencies_named_by_group():
    text = (
        '[tool.poetry]\nname = "P"\n[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "^0.27"\n'
        '[tool.poetry.group.test.dependencies]\npytest = {version = "^8"}\n'
    )
    parsed = parse_pyproject(text)
    deps = {(d.name, d.dependency_kind, d.extra, d.version_constraint) for d in parsed.dependencies}
    assert deps == {("httpx", "runtime", "", "^0.27"), ("pytest", "dev", "test", "^8")}


def test_setup_cfg_test_extra_is_a_dev_dependency_as_in_pyproject():
    text = "[options.extras_require]\ntests =\n    pytest\nfast =\n    orjson\n"
    deps = {(d.name, d.dependency_kind) for d in parse_setup_cfg(text).dependencies}
    assert deps == {("pytest", "dev"), ("orjson", "optional")}
