"""What a target repository declares its test suite needs, read from its files, never run.

The texts come in by path (relative to the repository root): `pyproject.toml`, `setup.cfg`,
`setup.py` (parsed with `ast`; only literal keyword values count), `tox.ini`, `requirements*.txt`
and `requirements/*.txt`. Out come the project's runtime requirements, its test requirements
(extras and PEP 735 dependency groups named test/tests/testing/dev, `tests_require`, tox's
`[testenv] deps`, requirement files whose name says test, or under `requirements/`), the extras
one would install the project with (`.[test]`), the files a `-r` line names that were not given
(the caller reads them and asks again), and a hash of the requirements, so an environment built
for them is reused until they change.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import posixpath
import re
import tomllib

from pydantic import BaseModel

TEST_NAMES = ("test", "tests", "testing", "dev")
DECLARATION_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini")


class TestDependencies(BaseModel):
    """The requirements a target's suite needs besides the target's own code."""

    __test__ = False  # not a pytest test class

    runtime: list[str] = []  # [project.dependencies], install_requires, requirements.txt
    test: list[str] = []  # test extras and groups, tests_require, tox deps, test requirements
    extras: list[str] = []  # the project's own extras for tests: `pip install .[test]`
    sources: list[str] = []  # the files that declared something
    missing: list[str] = []  # files a `-r`/`-c` line names that were not among the texts
    notes: list[str] = []  # what could not be read, e.g. a non-literal setup() argument
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

    def add(self, source: str, runtime: list[str] = (), test: list[str] = ()) -> None:
        runtime, test = self._requirements(list(runtime)), self._requirements(list(test))
        if runtime or test:
            self.out.sources.append(source)
        self.out.runtime += runtime
        self.out.test += test

    def _requirements(self, items: list[str]) -> list[str]:
        """Requirement strings; the project itself (`.`, `.[test]`) becomes extras."""
        kept = []
        for item in items:
            item = item.split(" #")[0].strip()
            self_extras = re.fullmatch(r"(?:-e\s+)?\.(?:\[([^\]]*)\])?", item)
            if self_extras:
                self.out.extras += [e.strip() for e in (self_extras.group(1) or "").split(",")]
            elif item and not item.startswith(("-", "#", ".", "/", "{")) and "{" not in item:
                kept.append(item)
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
        for raw in self.files[path].splitlines():
            line = raw.split(" #")[0].strip()
            include = re.match(r"^(?:-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
            if include:
                if line.startswith(("-r", "--requirement")):
                    target = posixpath.normpath(
                        posixpath.join(posixpath.dirname(path), include.group(1))
                    )
                    lines += self.requirement_file(target, test, seen)
                continue
            if line and not line.startswith(("-", "#")):
                lines.append(line)
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
