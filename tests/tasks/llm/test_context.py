"""tasks/llm/context.py: shortened views of big files with real tree-sitter grammars.

Every view is checked against the file it came from: it is never longer than asked, each line
that is not a marker is a line of the file (in the file's order), and the markers account for
exactly the lines that are not shown.
"""

from __future__ import annotations

import ast
import re
import time

import pytest

from tasks.llm.context import OMITTED_MARKER, ContextCut, minimal_context, wanted_names

_COUNT = re.compile(rf"{OMITTED_MARKER} (\d+) lines? omitted")


def accounted_lines(view: str) -> int:
    """Lines of the original a view stands for: one per shown line, N per marker."""
    total = 0
    for line in view.splitlines():
        found = _COUNT.search(line)
        total += int(found.group(1)) if found else 1
    return total


def assert_faithful(view: str, source: str, max_chars: int) -> None:
    """Short enough, every shown line copied from the source in order, markers counted right."""
    assert len(view) <= max_chars
    original = source.splitlines(keepends=True)
    position = 0
    for line in view.splitlines(keepends=True):
        if OMITTED_MARKER in line and line not in original[position:]:
            continue
        if not line.endswith("\n") or line not in original[position:]:
            assert line.rstrip("\r\n") == original[-1]  # the last line may lack its newline
            continue
        position = original.index(line, position) + 1
    assert accounted_lines(view) == len(original)


# --- a big Python file ---------------------------------------------------------------------

PY_HEADER = '''"""Configuration loading for the demo service."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULTS = {"retries": 3, "timeout": 10, "name": "demo-service", "verbose": False}

'''

PARSE_CONFIG = '''@lru_cache(maxsize=None)
def parse_config(path: str) -> dict:
    """Read a JSON config and fill in the defaults."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    merged = {**DEFAULTS, **data}
    return merged
'''

CONFIG_LOADER_HEAD = "class ConfigLoader(Base):\n"
LOAD = """    def load(self, name: str) -> dict:
        path = os.path.join(self.root, name)
        unique_load_marker = parse_config(path)
        return unique_load_marker
"""
SAVE = """    def save(self, name: str, data: dict) -> None:
        path = os.path.join(self.root, name)
        unique_save_body = json.dumps(data)
        Path(path).write_text(unique_save_body)
"""


def helper(index: int) -> str:
    return (
        f"def helper_{index}(value):\n"
        f"    token_{index} = 'filler-body-{index}'\n"
        f"    for step in range(10):\n"
        f"        value = value + step * {index}\n"
        f"    return value, token_{index}\n"
    )


def big_python(helpers: int = 20) -> str:
    """parse_config, ten helpers, ConfigLoader(load, save), more helpers, a main block."""
    parts = [PY_HEADER, PARSE_CONFIG]
    parts += ["\n\n" + helper(i) for i in range(helpers // 2)]
    parts.append("\n\n" + CONFIG_LOADER_HEAD + '    """Loads configs."""\n\n')
    parts.append("    root = '.'\n\n" + LOAD + "\n" + SAVE)
    parts += ["\n\n" + helper(i) for i in range(helpers // 2, helpers)]
    parts.append('\n\nif __name__ == "__main__":\n    print(parse_config("main-block-only"))\n')
    return "".join(parts)


def test_a_file_that_fits_is_returned_unchanged_without_a_cut():
    source = big_python()
    assert minimal_context("pkg/config.py", source, {"parse_config"}, len(source)) == (
        source,
        None,
    )


def test_a_wanted_function_is_sent_byte_identical_with_imports_and_skeletons():
    source = big_python()
    view, cut = minimal_context("pkg/config.py", source, {"parse_config"}, 3000)

    assert_faithful(view, source, 3000)
    assert PARSE_CONFIG in view  # decorator, docstring and body, as in the file
    assert view.startswith('"""Configuration loading for the demo service."""\n')
    for line in ("from __future__ import annotations\n", "import json\n", "import os\n"):
        assert line in view.splitlines(keepends=True)
    assert "def helper_3(value):\n    ...  # globallm: 4 lines omitted\n" in view
    assert "filler-body-3" not in view and "unique_save_body" not in view
    assert "main-block-only" not in view  # other top-level statements are a marker too
    assert "    def save(self, name: str, data: dict) -> None:\n" in view
    ast.parse(view)  # Python markers are statements: the skeleton still parses
    assert cut == ContextCut(
        path="pkg/config.py",
        original_chars=len(source),
        sent_chars=len(view),
        kept=["parse_config"],
        skeletonised=20 + 3,  # the helpers, ConfigLoader and its two methods
        method="tree-sitter:python",
    )


def test_a_wanted_method_is_sent_whole_under_its_class_line():
    source = big_python()
    view, cut = minimal_context("pkg/config.py", source, {"load"}, 3000)

    assert_faithful(view, source, 3000)
    assert CONFIG_LOADER_HEAD + "    ...  # globallm: 3 lines omitted\n" in view
    assert LOAD in view
    assert "unique_save_body" not in view and "text = Path(path)" not in view
    assert cut is not None
    assert cut.kept == ["ConfigLoader.load"]
    assert cut.skeletonised == 20 + 1 + 1 + 1  # helpers, parse_config, the class, save


def test_a_wanted_class_is_sent_whole_with_its_methods():
    source = big_python()
    view, cut = minimal_context("pkg/config.py", source, {"ConfigLoader", "load"}, 3000)

    assert_faithful(view, source, 3000)
    assert LOAD + "\n" + SAVE in view
    assert cut is not None and cut.kept == ["ConfigLoader"]  # load is inside it, not twice


def test_wanted_definitions_are_kept_in_file_order_while_they_fit():
    body = "".join(f"    step_{i} = 'wanted-body-line-{i}'\n" for i in range(300))
    source = big_python().replace(PARSE_CONFIG, "def parse_config(path):\n" + body)
    view, cut = minimal_context("pkg/config.py", source, {"parse_config", "load"}, 3000)

    assert_faithful(view, source, 3000)
    assert cut is not None and cut.kept == ["ConfigLoader.load"]  # parse_config is too big
    assert "def parse_config(path):\n    ...  # globallm: 300 lines omitted\n" in view
    assert "def helper_3(value):\n" in view  # the others stay skeletons


def test_signatures_give_way_when_they_leave_no_room_for_a_wanted_definition():
    source = big_python()
    skeleton, _ = minimal_context("pkg/config.py", source, set(), 3000)
    room = len(skeleton) + len(LOAD)  # the skeleton has room for load, not also parse_config
    view, cut = minimal_context("pkg/config.py", source, {"parse_config", "load"}, room)

    assert_faithful(view, source, room)
    assert cut is not None and cut.kept == ["parse_config", "ConfigLoader.load"]
    assert PARSE_CONFIG in view and LOAD in view
    assert "def helper_" not in view and CONFIG_LOADER_HEAD in view


def test_the_view_never_exceeds_max_chars_when_the_wanted_function_alone_is_bigger():
    body = "".join(f"    step_{i} = 'wanted-body-line-{i}'\n" for i in range(300))
    huge = "def parse_config(path):\n" + body + "    return path\n"
    source = big_python().replace(PARSE_CONFIG, huge)
    assert len(huge) > 10_000
    for max_chars in (40, 500, 1500, 3000, 9000):
        view, cut = minimal_context("pkg/config.py", source, {"parse_config"}, max_chars)
        assert len(view) <= max_chars
        assert cut is not None and cut.kept == [] and cut.sent_chars == len(view)
        assert "wanted-body-line-5" not in view
    view, _ = minimal_context("pkg/config.py", source, {"parse_config"}, 3000)
    assert "def parse_config(path):\n    ...  # globallm: 301 lines omitted\n" in view
    assert_faithful(view, source, 3000)


def test_when_even_the_skeleton_is_too_big_other_definitions_fold_away():
    source = big_python(helpers=400)
    view, cut = minimal_context("pkg/config.py", source, {"load"}, 1200)

    assert_faithful(view, source, 1200)
    assert LOAD in view and CONFIG_LOADER_HEAD in view
    assert "def helper_" not in view  # no room for their signatures: one marker per run
    assert "import os\n" in view
    assert cut is not None and cut.kept == ["ConfigLoader.load"]


def test_the_last_resort_is_a_cut_at_a_line_boundary_with_a_marker():
    source = big_python(helpers=400)
    view, cut = minimal_context("pkg/config.py", source, set(), 1000)

    assert len(view) <= 1000
    assert view.endswith(" lines omitted\n")
    assert view.splitlines()[-1].startswith(f"# {OMITTED_MARKER} ")
    assert_faithful(view, source, 1000)
    assert cut is not None and cut.method == "tree-sitter:python" and cut.kept == []


def test_windows_line_endings_are_kept_and_markers_use_them():
    source = big_python().replace("\n", "\r\n")
    view, _ = minimal_context("pkg/config.py", source, {"parse_config"}, 3500)

    assert PARSE_CONFIG.replace("\n", "\r\n") in view
    assert "\n" not in view.replace("\r\n", "")
    assert_faithful(view, source, 3500)


def test_a_200_kb_python_file_is_shortened_quickly():
    """A guard against quadratic work, not a benchmark (the target is well under 100 ms)."""
    source = big_python(helpers=1600)
    assert len(source) > 200_000
    minimal_context("warm.py", "x = 1\n" * 10, set(), 5)  # build the parser outside the timing
    started = time.perf_counter()
    view, cut = minimal_context("pkg/config.py", source, {"parse_config", "load"}, 30_000)
    assert time.perf_counter() - started < 1.0
    assert cut is not None and cut.kept == ["parse_config", "ConfigLoader.load"]
    assert len(view) <= 30_000


# --- other grammars ------------------------------------------------------------------------

TS_SOURCE = """import { readFile } from "fs";
import path from "path";

const LIMIT = 10;
const NAMES = ["alpha", "beta", "gamma", "delta"];

export function parseConfig(file: string): Config {
  const raw = readFile(path.join(".", file));
  const parsedSecret = JSON.parse(raw);
  return parsedSecret;
}

export const loadAll = async (dir: string) => {
  const arrowSecret = await readFile(dir);
  const more = arrowSecret.toString();
  return more;
};

export class Loader extends Base {
  private cache = new Map<string, string>();

  constructor(root: string) {
    super();
    this.root = root;
    this.ctorSecret = "constructor-only";
  }

  load(name: string): string {
    const loadBody = this.root + name;
    return loadBody;
  }
}
"""

JS_SOURCE = """const fs = require("fs");
const { join } = require("path");

function parseConfig(file) {
  const raw = fs.readFileSync(join(".", file));
  const parsedSecret = JSON.parse(raw);
  return parsedSecret;
}

function writeConfig(file, data) {
  const serialisedSecret = JSON.stringify(data);
  fs.writeFileSync(file, serialisedSecret);
  return serialisedSecret.length;
}

module.exports = { parseConfig, writeConfig };
"""

GO_SOURCE = """package config

import (
	"encoding/json"
	"os"
)

var debug = false

func ParseConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg Config
	err = json.Unmarshal(data, &cfg)
	return &cfg, err
}

func (c *Config) Save(path string) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644) // go-save-secret
}
"""


def test_typescript_keeps_imports_and_a_wanted_method_under_its_class():
    view, cut = minimal_context("src/loader.ts", TS_SOURCE, {"load"}, len(TS_SOURCE) - 1)

    assert_faithful(view, TS_SOURCE, len(TS_SOURCE) - 1)
    assert view.startswith('import { readFile } from "fs";\nimport path from "path";\n')
    assert "  load(name: string): string {\n    const loadBody" in view
    assert "export class Loader extends Base {\n" in view
    assert "export function parseConfig(file: string): Config {\n  // globallm: 3 lines" in view
    assert "export const loadAll = async (dir: string) => {\n  // globallm:" in view
    for secret in ("parsedSecret", "arrowSecret", "constructor-only"):
        assert secret not in view
    assert cut is not None
    assert cut.method == "tree-sitter:typescript"
    assert cut.kept == ["Loader.load"]
    assert cut.skeletonised == 4  # parseConfig, loadAll, the class, its constructor


def test_javascript_keeps_require_imports_and_closing_braces():
    view, cut = minimal_context("lib/config.js", JS_SOURCE, {"parseConfig"}, len(JS_SOURCE) - 1)

    assert_faithful(view, JS_SOURCE, len(JS_SOURCE) - 1)
    assert view.startswith('const fs = require("fs");\nconst { join } = require("path");\n')
    assert "const parsedSecret = JSON.parse(raw);\n" in view
    assert "function writeConfig(file, data) {\n  // globallm: 3 lines omitted\n}\n" in view
    assert "serialisedSecret" not in view
    assert cut is not None and cut.method == "tree-sitter:javascript"
    assert cut.kept == ["parseConfig"]


def test_go_keeps_the_package_clause_the_import_block_and_the_wanted_function():
    max_chars = len(GO_SOURCE) - 1
    view, cut = minimal_context("config/config.go", GO_SOURCE, {"ParseConfig"}, max_chars)

    assert_faithful(view, GO_SOURCE, max_chars)
    assert view.startswith('package config\n\nimport (\n\t"encoding/json"\n\t"os"\n)\n')
    assert "\terr = json.Unmarshal(data, &cfg)\n" in view
    assert "func (c *Config) Save(path string) error {\n\t// globallm: 5 lines omitted\n}\n" in view
    assert "go-save-secret" not in view
    assert cut is not None and cut.method == "tree-sitter:go" and cut.kept == ["ParseConfig"]


RUST_SOURCE = """use std::fs;

pub struct Config {
    pub name: String,
}

impl Config {
    pub fn parse(path: &str) -> Config {
        let text = fs::read_to_string(path).unwrap();
        let name = text.trim().to_string();
        Config { name }
    }

    fn hidden(&self) -> usize {
        let rust_secret = self.name.len();
        rust_secret * 2
    }
}
"""

JAVA_SOURCE = """package demo;

import java.util.List;

public class Loader {
  public List<String> parse(String text) {
    List<String> parts = List.of(text.split(","));
    return parts;
  }

  private int hidden(int value) {
    int javaSecret = value * 2;
    return javaSecret;
  }
}
"""


@pytest.mark.parametrize(
    ("path", "source", "kept_line", "import_line", "secret", "kept"),
    [
        (
            "src/lib.rs",
            RUST_SOURCE,
            "        let name = text.trim().to_string();\n",
            "use std::fs;\n",
            "rust_secret",
            "Config.parse",
        ),
        (
            "src/Loader.java",
            JAVA_SOURCE,
            '    List<String> parts = List.of(text.split(","));\n',
            "import java.util.List;\n",
            "javaSecret",
            "Loader.parse",
        ),
    ],
)
def test_rust_and_java_methods(path, source, kept_line, import_line, secret, kept):
    view, cut = minimal_context(path, source, {"parse"}, len(source) - 1)

    assert_faithful(view, source, len(source) - 1)
    assert kept_line in view and import_line in view
    assert secret not in view and "// globallm: 2 lines omitted\n" in view
    assert cut is not None and cut.kept == [kept]


# --- the head view -------------------------------------------------------------------------


def test_a_file_without_a_grammar_is_cut_after_its_first_lines():
    source = "".join(f"line {i}: some notes about the project\n" for i in range(100))
    view, cut = minimal_context("docs/NOTES.txt", source, {"parse_config"}, 300)

    lines = view.splitlines(keepends=True)
    assert len(view) <= 300
    assert "".join(lines[:-1]) == source[: len("".join(lines[:-1]))]
    assert lines[-1] == f"# {OMITTED_MARKER} {100 - (len(lines) - 1)} lines omitted\n"
    assert len(view) + len("line 99: some notes about the project\n") > 300  # no room wasted
    assert cut == ContextCut(
        path="docs/NOTES.txt",
        original_chars=len(source),
        sent_chars=len(view),
        kept=[],
        skeletonised=0,
        method="head",
    )


def test_a_file_that_does_not_parse_gets_the_head_view():
    source = big_python().replace("def helper_3(value):", "def helper_3(value:")
    view, cut = minimal_context("pkg/config.py", source, {"parse_config"}, 1000)

    assert cut is not None and cut.method == "head"
    assert view.startswith(PY_HEADER[:200])
    assert_faithful(view, source, 1000)


def test_a_python_file_without_definitions_gets_the_head_view():
    source = "".join(f"SETTING_{i} = {i}\n" for i in range(200))
    view, cut = minimal_context("settings.py", source, {"SETTING_3"}, 200)

    assert cut is not None and cut.method == "head"
    assert view.startswith("SETTING_0 = 0\nSETTING_1 = 1\n")
    assert_faithful(view, source, 200)


def test_a_marker_that_does_not_fit_leaves_an_empty_view():
    view, cut = minimal_context("notes.txt", "a long line of text\n" * 5, set(), 10)
    assert view == "" and cut is not None and cut.sent_chars == 0


# --- names an issue mentions ---------------------------------------------------------------


def test_wanted_names_finds_identifiers_code_spans_and_dotted_names():
    issue = (
        "parse_config crashes when ConfigLoader gets an empty file. Calling `cfg.load()` "
        "raises; see https://example.org/docs/read_me.html and retry(). It is a bug in "
        "the loader.\n```python\nvalue = read_settings(path)\n```"
    )
    names = wanted_names(issue)

    assert {"parse_config", "ConfigLoader", "cfg", "load", "retry", "read_settings"} <= names
    assert {"value", "path"} <= names  # everything inside a code block
    assert names.isdisjoint({"crashes", "empty", "file", "loader", "It", "is", "a", "bug"})
    assert names.isdisjoint({"example", "org", "read_me", "html"})  # a link is not code
