"""The tree-sitter grammars globallm reads source with, by file suffix, and one parser each.

Shared by the public-API reader and the prompt-context shortener so that both see the same
languages; a parser is built once per grammar and reused (building one loads the grammar).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

import tree_sitter_go
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_rust
import tree_sitter_typescript
from tree_sitter import Language, Parser

_GRAMMARS: dict[str, Callable[[], object]] = {
    "python": tree_sitter_python.language,
    "javascript": tree_sitter_javascript.language,
    "typescript": tree_sitter_typescript.language_typescript,
    "tsx": tree_sitter_typescript.language_tsx,
    "go": tree_sitter_go.language,
    "rust": tree_sitter_rust.language,
    "java": tree_sitter_java.language,
}

GRAMMAR_BY_SUFFIX = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}

_PARSERS: dict[str, Parser] = {}


def grammar_for(path: str) -> str | None:
    """The grammar for a repository-relative path by its suffix (any case); None if none."""
    return GRAMMAR_BY_SUFFIX.get(PurePosixPath(path).suffix.lower())


def parser_for(grammar: str) -> Parser:
    """The one parser of a grammar named in GRAMMAR_BY_SUFFIX's values. KeyError otherwise."""
    if grammar not in _PARSERS:
        _PARSERS[grammar] = Parser(Language(_GRAMMARS[grammar]()))
    return _PARSERS[grammar]
