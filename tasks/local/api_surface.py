"""A repository's public API: exported functions and classes, read with tree-sitter grammars.

Public means: Python top-level `def`/`class` not starting with `_` (or exactly `__all__` when a
module declares it), JavaScript/TypeScript `export`, Go capitalised names, Rust `pub` items and
Java `public` declarations. A file that is not UTF-8 or does not parse is skipped and counted;
reading a repository never raises for its content.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel
from tree_sitter import Node

from tasks.local import git
from tasks.local.file_kinds import is_test_path
from tasks.local.grammars import GRAMMAR_BY_SUFFIX, parser_for


class ApiSurface(BaseModel):
    """The public names of one repository and how many files could not be read."""

    names: frozenset[str]
    files_parsed: int
    files_skipped: int
    skipped: list[str]  # "path: reason", for the record


class SkippedFile(ValueError):
    """A source file that is not UTF-8 or does not parse."""


def normalise(name: str) -> str:
    """`fetch_data`, `fetchData` and `FetchData` are one name across languages."""
    return name.replace("_", "").lower()


def public_names(source: bytes, grammar: str) -> set[str]:
    """The public names a source file declares, as written. Raises SkippedFile."""
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SkippedFile(f"not UTF-8 ({error.reason} at byte {error.start})") from error
    root = parser_for(grammar).parse(source).root_node
    if root.has_error:
        raise SkippedFile("does not parse")
    extract = {
        "python": _python,
        "javascript": _exports,
        "typescript": _exports,
        "tsx": _exports,
        "go": _go,
        "rust": _rust,
        "java": _java,
    }[grammar]
    return set(extract(root))


def _text(node: Node | None) -> str | None:
    return node.text.decode("utf-8") if node is not None and node.text is not None else None


def _python(root: Node) -> Iterator[str]:
    declared: list[str] = []
    exported: list[str] | None = None  # `__all__`, when the module declares it
    for node in root.named_children:
        if node.type == "expression_statement" and node.named_children:
            found = _dunder_all(node.named_children[0])
            if found is not None:  # `__all__ = []` exports nothing: not the same as no `__all__`
                exported = found
        definition = node
        if node.type == "decorated_definition":
            definition = node.child_by_field_name("definition") or node
        if definition.type in {"function_definition", "class_definition"}:
            name = _text(definition.child_by_field_name("name"))
            if name and not name.startswith("_"):
                declared.append(name)
    return iter(exported if exported is not None else declared)


def _dunder_all(assignment: Node) -> list[str] | None:
    """The strings of `__all__ = [...]` (or a tuple); None for any other statement."""
    if assignment.type != "assignment":
        return None
    if _text(assignment.child_by_field_name("left")) != "__all__":
        return None
    value = assignment.child_by_field_name("right")
    strings = [c for c in (value.named_children if value else []) if c.type == "string"]
    return [
        _text(part) or "" for s in strings for part in s.named_children
        if part.type == "string_content"
    ]  # fmt: skip


def _exports(root: Node) -> Iterator[str]:
    for node in root.named_children:
        if node.type != "export_statement":
            continue
        for child in node.named_children:
            if child.type == "export_clause":
                for spec in child.named_children:
                    name = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                    if _text(name):
                        yield _text(name) or ""
            elif child.type in {"lexical_declaration", "variable_declaration"}:
                for declarator in child.named_children:
                    name = _text(declarator.child_by_field_name("name"))
                    if declarator.type == "variable_declarator" and name:
                        yield name
            else:
                name = _text(child.child_by_field_name("name"))
                if name:
                    yield name


def _go(root: Node) -> Iterator[str]:
    for node in root.named_children:
        if node.type in {"function_declaration", "method_declaration"}:
            names = [_text(node.child_by_field_name("name"))]
        elif node.type == "type_declaration":
            names = [_text(s.child_by_field_name("name")) for s in node.named_children]
        else:
            continue
        yield from (name for name in names if name and name[0].isupper())


_RUST_ITEMS = {"function_item", "struct_item", "enum_item", "trait_item", "type_item"}


def _rust(root: Node) -> Iterator[str]:
    for node in _walk(root):
        if node.type not in _RUST_ITEMS:
            continue
        visibility = next((c for c in node.children if c.type == "visibility_modifier"), None)
        if _text(visibility) == "pub":  # pub(crate) and pub(super) are not public API
            name = _text(node.child_by_field_name("name"))
            if name:
                yield name


_JAVA_DECLARATIONS = {
    "class_declaration",
    "interface_declaration",
    "enum_declaration",
    "record_declaration",
    "method_declaration",
}


def _java(root: Node) -> Iterator[str]:
    for node in _walk(root):
        if node.type not in _JAVA_DECLARATIONS:
            continue
        modifiers = next((c for c in node.children if c.type == "modifiers"), None)
        if modifiers is not None and any(c.type == "public" for c in modifiers.children):
            name = _text(node.child_by_field_name("name"))
            if name:
                yield name


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


@task(name="api-surface")
def api_surface(repo_path: Path, max_files: int, max_file_bytes: int) -> ApiSurface:
    """The normalised public names of a repository's tracked source files (tests left out)."""
    names: set[str] = set()
    parsed, skipped = 0, []
    try:
        files = git.listed_files(repo_path)
    except git.GitError as error:
        return ApiSurface(names=frozenset(), files_parsed=0, files_skipped=0, skipped=[str(error)])
    sources = [
        rel for rel in files
        if PurePosixPath(rel).suffix.lower() in GRAMMAR_BY_SUFFIX and not is_test_path(rel)
    ][:max_files]  # fmt: skip
    for rel in sources:
        full = repo_path / rel
        try:
            if not full.is_file() or full.stat().st_size > max_file_bytes:
                continue
            found = public_names(
                full.read_bytes(), GRAMMAR_BY_SUFFIX[PurePosixPath(rel).suffix.lower()]
            )
        except (SkippedFile, OSError) as error:
            skipped.append(f"{rel}: {error}")
            continue
        parsed += 1
        names |= {normalise(name) for name in found}
    return ApiSurface(
        names=frozenset(names), files_parsed=parsed, files_skipped=len(skipped), skipped=skipped
    )


@task(name="paired-checkouts", cache_policy=NO_CACHE)
def paired_checkouts(paths: list[str | None], pairs: pl.DataFrame) -> dict[int, Path]:
    """The project rows in a candidate pair that are a local checkout still on disk, by row:
    only they have a public API to read (a GitHub or package row has no path)."""
    paired = sorted(set(pairs["left"].to_list()) | set(pairs["right"].to_list()))
    return {row: Path(paths[row]) for row in paired if paths[row] and Path(paths[row]).is_dir()}
