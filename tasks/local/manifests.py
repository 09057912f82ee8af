"""Parsers for dependency manifests: text in, declared dependencies out.

Each parser raises `ManifestError` with a readable reason on a broken file; the crawl records
that as a finding on the repository and goes on.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel

DEV_EXTRAS = {"dev", "develop", "test", "tests", "testing", "lint", "docs", "doc", "typing"}


class ManifestError(ValueError):
    """A manifest that cannot be parsed."""


class DeclaredDependency(BaseModel):
    ecosystem: str
    name: str
    dependency_kind: str = "runtime"  # runtime | dev | optional | peer | build
    extra: str = ""
    version_constraint: str = ""


class ParsedManifest(BaseModel):
    manifest_kind: str
    ecosystem: str
    package_name: str | None = None
    dependencies: list[DeclaredDependency] = []
    # What the manifest holds but was left unread (a setup.py value that is no literal...);
    # the crawl records each as a finding on the repository
    notes: list[str] = []


def _pep508(spec: str, kind: str = "runtime", extra: str = "") -> DeclaredDependency:
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as error:
        raise ManifestError(f"invalid requirement {spec!r}: {error}") from error
    return DeclaredDependency(
        ecosystem="pypi",
        name=canonicalize_name(requirement.name),
        dependency_kind=kind,
        extra=extra,
        version_constraint=str(requirement.specifier),
    )


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"invalid TOML: {error}") from error


def parse_pyproject(text: str) -> ParsedManifest:
    data = _toml(text)
    project = data.get("project", {})
    deps = [_pep508(spec) for spec in project.get("dependencies", [])]
    for extra, specs in project.get("optional-dependencies", {}).items():
        deps += [_pep508(spec, _extra_kind(extra), extra) for spec in specs]
    for group, specs in data.get("dependency-groups", {}).items():
        deps += [_pep508(spec, "dev", group) for spec in specs if isinstance(spec, str)]
    poetry = data.get("tool", {}).get("poetry", {})
    sections = [
        (poetry.get("dependencies", {}), "runtime", ""),
        (poetry.get("dev-dependencies", {}), "dev", ""),
    ]
    for group, table in poetry.get("group", {}).items():
        sections.append((table.get("dependencies", {}), "dev", group))
    for table, kind, group in sections:
        for name, constraint in table.items():
            if name.lower() != "python":
                deps.append(_poetry_dep(name, constraint, kind, group))
    name = project.get("name") or poetry.get("name")
    return ParsedManifest(
        manifest_kind="pyproject.toml",
        ecosystem="pypi",
        package_name=canonicalize_name(name) if name else None,
        dependencies=deps,
    )


def _poetry_dep(name: str, constraint: object, kind: str, group: str) -> DeclaredDependency:
    version = constraint.get("version", "") if isinstance(constraint, dict) else str(constraint)
    return DeclaredDependency(
        ecosystem="pypi",
        name=canonicalize_name(name),
        dependency_kind=kind,
        extra=group,
        version_constraint=version,
    )


def _extra_kind(extra: str) -> str:
    """Extras named for development are dev dependencies; any other extra is optional."""
    return "dev" if extra in DEV_EXTRAS else "optional"


def parse_requirements(text: str) -> ParsedManifest:
    deps = []
    for raw in text.replace("\\\n", " ").splitlines():  # join backslash continuations
        line = raw.split(" #", 1)[0].split(" --", 1)[0].strip()  # drop comments, --hash=...
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
            continue  # options, includes, editable and URL installs name no registry package
        deps.append(_pep508(line))
    return ParsedManifest(manifest_kind="requirements.txt", ecosystem="pypi", dependencies=deps)


def parse_setup_cfg(text: str) -> ParsedManifest:
    parser = configparser.ConfigParser(interpolation=None)  # '%' is literal in requirements
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise ManifestError(f"invalid setup.cfg: {error}") from error

    def lines(value: str) -> list[str]:
        # `file:` / `attr:` directives name where setuptools finds the value, not requirements
        if value.strip().startswith(("file:", "attr:")):
            return []
        return [v.strip() for v in value.splitlines() if v.strip()]

    deps = [_pep508(s) for s in lines(parser.get("options", "install_requires", fallback=""))]
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            deps += [_pep508(spec, _extra_kind(extra), extra) for spec in lines(value)]
    name = parser.get("metadata", "name", fallback=None)
    return ParsedManifest(
        manifest_kind="setup.cfg",
        ecosystem="pypi",
        package_name=canonicalize_name(name) if name else None,
        dependencies=deps,
    )


_SETUP_KEYWORDS = {"name", "install_requires", "extras_require"}


def parse_setup_py(text: str) -> ParsedManifest:
    """The package name and requirements a setup.py passes to `setup()` as literals.

    The file is parsed, never run: a value that is an expression (a function call, a variable
    set by code) is left out and noted. A module-level constant (`NAME = "x"`) counts as the
    literal it holds."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        where = f"{error.msg} (line {error.lineno})"
        raise ManifestError(f"setup.py is not valid Python 3: {where}") from error
    except (ValueError, RecursionError, MemoryError) as error:  # NUL bytes, absurd nesting
        raise ManifestError(f"setup.py cannot be parsed: {error}") from error
    constants = _module_constants(tree)
    name, deps, notes = None, [], []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_setup(n.func)):
        for keyword in call.keywords:
            if keyword.arg not in _SETUP_KEYWORDS:
                continue
            try:
                value = ast.literal_eval(constants.get(_name_of(keyword.value), keyword.value))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                notes.append(
                    f"setup({keyword.arg}=...) on line {keyword.value.lineno} is no literal: "
                    "setup.py is never run, so it is left unread"
                )
                continue
            if keyword.arg == "name" and isinstance(value, str) and value.strip():
                name = value.strip()
            elif keyword.arg == "install_requires" and isinstance(value, list | tuple):
                deps += [_pep508(spec) for spec in value if isinstance(spec, str)]
            elif keyword.arg == "extras_require" and isinstance(value, dict):
                for extra, specs in value.items():
                    specs = [specs] if isinstance(specs, str) else specs
                    deps += [
                        _pep508(spec, _extra_kind(str(extra)), str(extra))
                        for spec in specs
                        if isinstance(spec, str)
                    ]
    return ParsedManifest(
        manifest_kind="setup.py",
        ecosystem="pypi",
        package_name=canonicalize_name(name) if name else None,
        dependencies=deps,
        notes=notes,
    )


def _is_setup(func: ast.expr) -> bool:
    """`setup(...)`, `setuptools.setup(...)`, `distutils.core.setup(...)`."""
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
    )


def _name_of(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Names assigned exactly once at module level, to the expression they were given."""
    assigned: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            assigned.setdefault(target.id, []).append(value)
    return {name: values[0] for name, values in assigned.items() if len(values) == 1}


def parse_package_json(text: str) -> ParsedManifest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(f"invalid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ManifestError("package.json must hold an object")
    sections = {
        "dependencies": "runtime",
        "devDependencies": "dev",
        "peerDependencies": "peer",
        "optionalDependencies": "optional",
    }
    deps = [
        DeclaredDependency(
            ecosystem="npm", name=name, dependency_kind=kind, version_constraint=str(spec)
        )
        for section, kind in sections.items()
        for name, spec in (data.get(section) or {}).items()
    ]
    return ParsedManifest(
        manifest_kind="package.json",
        ecosystem="npm",
        package_name=data.get("name"),
        dependencies=deps,
    )


_GO_REQUIRE = re.compile(r"^(?:require\s+)?([^\s()]+)\s+(v\S+)$")


def parse_go_mod(text: str) -> ParsedManifest:
    module, deps, in_block = None, [], False
    for line in text.splitlines():
        code, _, comment = line.partition("//")
        stripped, indirect = code.strip(), comment.strip() == "indirect"
        if not stripped:
            continue  # blank lines and comment-only lines, inside a block or not
        if stripped.startswith("module "):
            module = stripped.split(None, 1)[1].strip()
        elif stripped.startswith("require ("):
            in_block = True
        elif in_block and stripped == ")":
            in_block = False
        elif in_block or stripped.startswith("require "):
            match = _GO_REQUIRE.match(stripped)
            if not match:
                raise ManifestError(f"unreadable require line {line.strip()!r}")
            kind = "indirect" if indirect else "runtime"
            deps.append(
                DeclaredDependency(
                    ecosystem="golang",
                    name=match.group(1),
                    dependency_kind=kind,
                    version_constraint=match.group(2),
                )
            )
    if module is None:
        raise ManifestError("go.mod has no module line")
    return ParsedManifest(
        manifest_kind="go.mod", ecosystem="golang", package_name=module, dependencies=deps
    )


def parse_cargo_toml(text: str) -> ParsedManifest:
    data = _toml(text)
    sections = {"dependencies": "runtime", "dev-dependencies": "dev", "build-dependencies": "build"}
    deps = []
    for section, kind in sections.items():
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else str(spec)
            deps.append(
                DeclaredDependency(
                    ecosystem="cargo", name=name, dependency_kind=kind, version_constraint=version
                )
            )
    return ParsedManifest(
        manifest_kind="Cargo.toml",
        ecosystem="cargo",
        package_name=(data.get("package") or {}).get("name"),
        dependencies=deps,
    )


def parser_for(path: str) -> Callable[[str], ParsedManifest] | None:
    """The parser for a repository-relative path, or None when it is no manifest."""
    name = PurePosixPath(path).name
    if name.startswith("requirements") and name.endswith(".txt"):
        return parse_requirements
    return {
        "pyproject.toml": parse_pyproject,
        "setup.cfg": parse_setup_cfg,
        "setup.py": parse_setup_py,
        "package.json": parse_package_json,
        "go.mod": parse_go_mod,
        "Cargo.toml": parse_cargo_toml,
    }.get(name)
