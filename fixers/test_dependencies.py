"""What a target repository declares its test suite needs, read from its files, never run.

The texts come in by path (relative to the repository root): `pyproject.toml`, `setup.cfg`,
`setup.py` (parsed with `ast`; only literal keyword values count), `tox.ini`, `requirements*.txt`
and `requirements/*.txt`. Out come the project's runtime requirements, its test requirements
(extras and PEP 735 dependency groups named test/tests/testing/dev, `tests_require`, tox's
`[testenv] deps`, requirement files whose name says test, or under `requirements/`), the extras
one would install the project with (`.[test]`), the files a `-r` line names that were not given
(the caller reads them and asks again), `requires-python`, notes on what was left out, and a hash
of the requirements, so an environment built for them is reused until they change.

pyproject.toml's tool tables count too. Poetry: `[tool.poetry.dependencies]` is runtime (less
`python`, which is `requires_python`; optional ones only through a test-named
`[tool.poetry.extras]`), its groups named test/tests/testing/dev and the legacy
`[tool.poetry.dev-dependencies]` are test; Poetry constraints (`^1.2`, `~1.2`, `*`, tables with
`version`/`extras`/`markers`/`python`/`platform`) become PEP 508, and `path`/`git`/`url` entries are
left out with a note. When `[project.dependencies]` is there too (Poetry 2), it alone is runtime.
PDM: `[tool.pdm.dev-dependencies]` groups named test/tests/testing/dev. Hatch: the `dependencies`,
`extra-dependencies` and `features` (the project's extras) of `[tool.hatch.envs.<default | test |
tests | testing | hatch-test>]`.

Every requirement kept is valid PEP 508; what is not (an editable or local path, a bare URL, a
tox or Hatch `{placeholder}`, a constraint PEP 440 cannot say) is a note instead.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import posixpath
import re
import tomllib

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel

TEST_NAMES = ("test", "tests", "testing", "dev")
HATCH_ENVS = ("default", "test", "tests", "testing", "hatch-test")
POETRY_SOURCES = ("path", "git", "url")  # a dependency that does not come from an index
DECLARATION_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini")


class TestDependencies(BaseModel):
    """The requirements a target's suite needs besides the target's own code."""

    __test__ = False  # not a pytest test class

    runtime: list[str] = []  # [project.dependencies], install_requires, requirements.txt
    test: list[str] = []  # test extras and groups, tests_require, tox deps, test requirements
    extras: list[str] = []  # the project's own extras for tests: `pip install .[test]`
    sources: list[str] = []  # the files that declared something
    missing: list[str] = []  # files a `-r`/`-c` line names that were not among the texts
    notes: list[str] = []  # what could not be read or was left out, e.g. a path dependency
    requires_python: str | None = None  # [project] requires-python, or Poetry's `python`
    deps_hash: str = ""

    @property
    def requirements(self) -> list[str]:
        """Runtime then test requirements, each once."""
        return _unique(self.runtime + self.test)


def is_declaration(path: str) -> bool:
    """Whether the parser wants this file (a path relative to the repository root)."""
    name = posixpath.basename(path)
    top = "/" not in path
    if top and name in DECLARATION_FILES:
        return True
    if not name.endswith(".txt"):
        return False
    return (top and name.startswith("requirements")) or posixpath.dirname(path) == "requirements"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))


def _is_test_name(name: str) -> bool:
    return _normalize(name) in TEST_NAMES


def _table(value) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str)]
    return []


class _Collector:
    def __init__(self, files: dict[str, str]):
        self.files = files
        self.out = TestDependencies()

    def note(self, text: str) -> None:
        if text not in self.out.notes:
            self.out.notes.append(text)

    def add(self, source: str, runtime: list[str] = (), test: list[str] = ()) -> None:
        """Keep what `source` declares ("pyproject.toml", or with its table for the notes:
        "pyproject.toml [tool.pdm]"); `sources` names the file."""
        runtime = self._requirements(source, list(runtime))
        test = self._requirements(source, list(test))
        if runtime or test:
            self.out.sources.append(source.split(" [")[0])
        self.out.runtime += runtime
        self.out.test += test

    def _requirements(self, source: str, items: list[str]) -> list[str]:
        """Valid PEP 508 strings; the project itself (`.`, `.[test]`) becomes extras; the rest
        (editable or local paths, bare URLs, placeholders) a note each."""
        kept = []
        for item in items:
            item = item.split(" #")[0].strip()
            self_extras = re.fullmatch(r"(?:-e\s+)?\.(?:\[([^\]]*)\])?", item)
            if self_extras:
                self.out.extras += [e.strip() for e in (self_extras.group(1) or "").split(",")]
                continue
            if not item or item.startswith("#"):
                continue
            why = _unusable(item)
            if why is None:
                kept.append(item)
            else:
                self.note(f"{source}: left out {item!r} ({why})")
        return kept

    # -- requirement files -----------------------------------------------------------------

    def requirement_file(self, path: str, test: bool, seen: set[str] | None = None) -> list:
        seen = seen if seen is not None else set()
        if path in seen:
            return []
        seen.add(path)
        if path not in self.files:
            self.out.missing.append(path)
            return []
        lines = []
        text = re.sub(r"\\\r?\n", " ", self.files[path])  # `\` continues a line (pip-compile)
        for raw in text.splitlines():
            line = raw.split(" #")[0].strip()
            include = re.match(r"^(?:-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
            if include:
                if line.startswith(("-r", "--requirement")):
                    target = posixpath.normpath(
                        posixpath.join(posixpath.dirname(path), include.group(1))
                    )
                    lines += self.requirement_file(target, test, seen)
                continue
            if line.startswith(("-e", "--editable")):
                lines.append(line)  # the project itself (`-e .`), or a note
            elif line.startswith("-"):
                self.note(f"{path}: option {line.split()[0]} ignored")
            elif line and not line.startswith("#"):
                lines.append(re.split(r"\s+--?[a-z]", line)[0])  # less `--hash=...`
        return lines

    # -- the declaration files -------------------------------------------------------------

    def pyproject(self, text: str) -> None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            self.out.notes.append(f"pyproject.toml: {error}")
            return
        project = data.get("project", {})
        extras = project.get("optional-dependencies", {}) or {}
        test_extras = [name for name in extras if _is_test_name(name)]
        self.out.extras += test_extras
        self.add(
            "pyproject.toml",
            runtime=_as_list(project.get("dependencies", [])),
            test=[r for name in test_extras for r in _as_list(extras[name])],
        )
        groups = {_normalize(k): v for k, v in (data.get("dependency-groups", {}) or {}).items()}
        wanted = [name for name in groups if name in TEST_NAMES]
        self.add("pyproject.toml", test=[r for g in wanted for r in _group(groups, g, set())])
        if isinstance(project.get("requires-python"), str):
            self.out.requires_python = project["requires-python"].strip() or None
        tool = _table(data.get("tool"))
        self.poetry(_table(tool.get("poetry")), has_runtime="dependencies" in project)
        self.pdm(_table(tool.get("pdm")))
        self.hatch(_table(tool.get("hatch")), _table(extras))

    def poetry(self, poetry: dict, has_runtime: bool) -> None:
        """Poetry's tables (module docstring); `has_runtime`: [project.dependencies] is set."""
        source = "pyproject.toml [tool.poetry]"
        dependencies = _table(poetry.get("dependencies"))
        python = dependencies.get("python")
        if isinstance(python, str) and self.out.requires_python is None:
            try:
                self.out.requires_python = poetry_specifier(python) or None
            except ValueError as error:
                self.note(f"{source}: python {python!r}: {error}")
        optional: dict[str, list[str]] = {}
        runtime: list[str] = []
        for name, value in dependencies.items():
            if _normalize(name) == "python":
                continue
            reqs, is_optional = self._poetry_requirements(source, name, value)
            if is_optional:
                optional[_normalize(name)] = reqs
            elif not has_runtime:
                runtime += reqs
        test: list[str] = []
        for extra, names in _table(poetry.get("extras")).items():
            if _is_test_name(extra):
                self.out.extras.append(extra)
                test += [r for n in _as_list(names) for r in optional.get(_normalize(n), [])]
        groups = {_normalize(k): _table(v) for k, v in _table(poetry.get("group")).items()}
        tables = [_table(groups[g].get("dependencies")) for g in groups if g in TEST_NAMES]
        tables.append(_table(poetry.get("dev-dependencies")))
        for table in tables:
            for name, value in table.items():
                test += self._poetry_requirements(source, name, value)[0]
        self.add("pyproject.toml", runtime=runtime, test=test)

    def _poetry_requirements(self, source: str, name: str, value) -> tuple[list[str], bool]:
        """One Poetry dependency as PEP 508 strings (a list of tables: one each), and whether
        it is optional; what cannot be said in PEP 508 is a note."""
        tables = value if isinstance(value, list) else [value]
        found, optional = [], False
        for table in tables:
            try:
                requirement, is_optional = poetry_requirement(name, table)
            except ValueError as error:
                self.note(f"{source}: left out {name} ({error})")
                continue
            found.append(requirement)
            optional = optional or is_optional
        return found, optional

    def pdm(self, pdm: dict) -> None:
        groups = _table(pdm.get("dev-dependencies"))
        test = [r for name, reqs in groups.items() if _is_test_name(name) for r in _as_list(reqs)]
        self.add("pyproject.toml [tool.pdm]", test=test)

    def hatch(self, hatch: dict, project_extras: dict) -> None:
        envs = {_normalize(k): _table(v) for k, v in _table(hatch.get("envs")).items()}
        test = []
        for env in (envs.get(name, {}) for name in HATCH_ENVS):
            test += _as_list(env.get("dependencies")) + _as_list(env.get("extra-dependencies"))
            for feature in _as_list(env.get("features")):
                named = [k for k in project_extras if _normalize(k) == _normalize(feature)]
                self.out.extras += named
                test += [r for k in named for r in _as_list(project_extras[k])]
        self.add("pyproject.toml [tool.hatch]", test=test)

    def _ini(self, name: str, text: str) -> configparser.ConfigParser | None:
        """The file parsed, or None with a note saying why it could not be."""
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error as error:
            self.out.notes.append(f"{name}: {error}")
            return None
        return parser

    def setup_cfg(self, text: str) -> None:
        parser = self._ini("setup.cfg", text)
        if parser is None:
            return
        options = parser["options"] if parser.has_section("options") else {}
        runtime = _as_list(options.get("install_requires", ""))
        test = _as_list(options.get("tests_require", ""))
        if parser.has_section("options.extras_require"):
            for name, value in parser["options.extras_require"].items():
                if _is_test_name(name):
                    self.out.extras.append(name)
                    test += _as_list(value)
        self.add("setup.cfg", runtime=runtime, test=test)

    def setup_py(self, text: str) -> None:
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            self.out.notes.append(f"setup.py: {error.msg}")
            return
        for node in ast.walk(tree):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if not isinstance(node, ast.Call) or name != "setup":
                continue
            values = {}
            for keyword in node.keywords:
                if keyword.arg in ("install_requires", "tests_require", "extras_require"):
                    try:
                        values[keyword.arg] = ast.literal_eval(keyword.value)
                    except ValueError:
                        self.out.notes.append(f"setup.py: {keyword.arg} is not a literal")
            test = _as_list(values.get("tests_require", []))
            extras = values.get("extras_require", {})
            for extra, reqs in (extras if isinstance(extras, dict) else {}).items():
                if isinstance(extra, str) and _is_test_name(extra):
                    self.out.extras.append(extra)
                    test += _as_list(reqs)
            self.add("setup.py", runtime=_as_list(values.get("install_requires", [])), test=test)

    def tox_ini(self, text: str) -> None:
        parser = self._ini("tox.ini", text)
        if parser is None or not parser.has_section("testenv"):
            return
        test = []
        for line in _as_list(parser["testenv"].get("deps", "")):
            include = re.match(r"^-r\s*(\S+)", line)
            if include:
                target = include.group(1).replace("{toxinidir}/", "").replace("{toxinidir}", "")
                test += self.requirement_file(posixpath.normpath(target), test=True)
            else:
                test.append(line)
        self.add("tox.ini", test=test)


def _unusable(item: str) -> str | None:
    """Why a requirement line cannot be installed from an index as it is, or None."""
    if item.startswith(("-e", "--editable")):
        return "editable install"
    if item.startswith((".", "/", "file:")):
        return "a local path"
    if "{" in item:
        return "a placeholder"
    if re.match(r"^[a-z+]+://", item):
        return "a URL without a name"
    try:
        Requirement(item)
    except InvalidRequirement:
        return "not a PEP 508 requirement"
    return None


def _bump(release: list[int], index: int) -> str:
    """The release with component `index` raised by one and the ones after it zeroed."""
    upper = [*release[:index], release[index] + 1] + [0] * (len(release) - index - 1)
    return ".".join(map(str, upper))


def _poetry_part(part: str) -> list[str]:
    """One Poetry constraint (`^1.2`, `~1.2`, `1.2.*`, `>=1`, `=1`, `1.2`) as PEP 440 clauses."""
    if part in ("*", ""):
        return []
    operator = re.match(r"^(===|==|!=|<=|>=|~=|<|>|\^|~|=)?\s*(.+)$", part)
    op, version = operator.group(1) or "", operator.group(2)
    if op in ("^", "~"):
        numbers = re.match(r"^v?(\d+(?:\.\d+)*)", version)
        if not numbers:
            raise ValueError(f"no release number in {part!r}")
        release = [int(n) for n in numbers.group(1).split(".")]
        if op == "^":  # the first non-zero component may not change
            index = next((i for i, n in enumerate(release) if n), len(release) - 1)
        else:  # ~1 allows minor changes, ~1.2 and ~1.2.3 patch changes only
            index = 0 if len(release) == 1 else 1
        return [f">={version}", f"<{_bump(release, index)}"]
    if op in ("", "="):
        return [f"=={version}"]
    return [f"{op}{version}"]


def poetry_specifier(constraint: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier ("" for any version).

    `^1.2.3` is `>=1.2.3,<2.0.0`, `^0.2.3` `>=0.2.3,<0.3.0`, `~1.2` `>=1.2,<1.3`, `*` "", a bare
    version `==` it; clauses joined by commas or spaces all hold. ValueError when PEP 440 cannot
    say it (`||`, an unknown form).
    """
    if "|" in constraint:
        raise ValueError(f"{constraint!r}: PEP 440 has no 'or'")
    text = re.sub(r"(===|==|!=|<=|>=|~=|<|>|\^|~|=)\s+", r"\1", constraint.strip())
    clauses = [c for part in re.split(r"[,\s]+", text) for c in _poetry_part(part)]
    specifier = ",".join(clauses)
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        raise ValueError(f"{constraint!r} is not a version constraint") from None
    return specifier


def poetry_requirement(name: str, value) -> tuple[str, bool]:
    """A Poetry dependency (a constraint, or a table) as a PEP 508 string, and whether it is
    optional. ValueError for one that does not come from an index (path, git, url)."""
    if isinstance(value, str):
        value = {"version": value}
    if not isinstance(value, dict):
        raise ValueError(f"{value!r} is not a constraint or a table")
    source = next((key for key in POETRY_SOURCES if key in value), None)
    if source:
        raise ValueError(f"a {source} dependency, not from an index")
    specifier = poetry_specifier(str(value.get("version", "*")))
    extras = ",".join(_as_list(value.get("extras")))
    markers = [f"({value['markers']})"] if isinstance(value.get("markers"), str) else []
    if isinstance(value.get("python"), str):
        clauses = poetry_specifier(value["python"]).split(",")
        markers += [
            f'python_full_version {m.group(1)} "{m.group(2)}"'
            for clause in clauses
            if (m := re.match(r"^([<>=!~]+)(.+)$", clause))
        ]
    if isinstance(value.get("platform"), str):
        markers.append(f'sys_platform == "{value["platform"]}"')
    text = f"{name}[{extras}]" if extras else name
    text += specifier + (f"; {' and '.join(markers)}" if markers else "")
    try:
        Requirement(text)
    except InvalidRequirement as error:
        raise ValueError(str(error)) from None
    return text, bool(value.get("optional"))


def _group(groups: dict, name: str, seen: set[str]) -> list[str]:
    """A PEP 735 group's requirements, with `{include-group = ...}` followed (cycles cut)."""
    if name in seen:
        return []
    seen.add(name)
    found = []
    for entry in groups.get(name, []) or []:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict) and "include-group" in entry:
            found += _group(groups, _normalize(entry["include-group"]), seen)
    return found


def deps_hash(requirements: list[str], extras: list[str]) -> str:
    """A short hash of what would be installed: order, case and repeats do not matter."""
    canonical = "\n".join(sorted({r.replace(" ", "").lower() for r in requirements}))
    canonical += "\n[" + ",".join(sorted({_normalize(e) for e in extras})) + "]"
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_test_dependencies(files: dict[str, str]) -> TestDependencies:
    """The runtime and test requirements the given files declare (paths relative to the root)."""
    collect = _Collector(files)
    if "pyproject.toml" in files:
        collect.pyproject(files["pyproject.toml"])
    if "setup.cfg" in files:
        collect.setup_cfg(files["setup.cfg"])
    if "setup.py" in files:
        collect.setup_py(files["setup.py"])
    if "tox.ini" in files:
        collect.tox_ini(files["tox.ini"])
    for path in sorted(p for p in files if is_declaration(p) and p.endswith(".txt")):
        name = posixpath.basename(path)
        if "/" not in path and name == "requirements.txt":
            collect.add(path, runtime=collect.requirement_file(path, test=False))
        elif "test" in name or "/" in path:
            collect.add(path, test=collect.requirement_file(path, test=True))
    out = collect.out
    out.runtime, out.test = _unique(out.runtime), _unique(out.test)
    out.extras = _unique(out.extras)
    out.sources, out.missing = _unique(out.sources), _unique(out.missing)
    out.deps_hash = deps_hash(out.requirements, out.extras)
    return out
