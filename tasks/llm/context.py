"""Minimum-necessary context for LLM prompts: a big file is sent as the parts that matter.

A fix prompt carries other people's code to a model run by a third party. Sending a whole
large file costs tokens and discloses more of a repository than the fix needs, so a file above
the limit is cut to: its imports (and a short module docstring), the full text of the
definitions the issue names, and a skeleton of everything else (signatures, bodies replaced by
one marker line), in file order. When the skeleton leaves no room for a named definition, the
definitions not named fold into the markers around them; the last resort is a cut at a line
boundary. Kept lines are byte-identical copies of the file's lines, so a search text a model
copies from them matches the real file; the markers all contain OMITTED_MARKER so a prompt can
tell the model never to copy them. What was left out is returned as a ContextCut for the
ledger. Pure functions: the caller reads files and chooses the limits.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import PurePosixPath

from pydantic import BaseModel
from tree_sitter import Node

from tasks.local.grammars import grammar_for, parser_for

OMITTED_MARKER = "globallm:"

_SHORT_DOCSTRING_CHARS = 1000  # a longer module docstring is prose the fix rarely needs
_MIN_NAME_CHARS = 3  # shorter words in an issue (a, is, id) match too much to localise anything


class ContextCut(BaseModel):
    """What was left out of one file's text, for the ledger."""

    path: str
    original_chars: int
    sent_chars: int
    kept: list[str]  # names of definitions sent whole, in file order (`Class.method`)
    skeletonised: int  # definitions reduced to their signature
    method: str  # "tree-sitter:<grammar>" or "head" (no grammar / does not parse)


# --- which identifiers an issue names --------------------------------------------------------

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_CODE_SPAN = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_DOTTED = re.compile(rf"\b{_IDENT}(?:\.{_IDENT})+")
_CALLED = re.compile(rf"\b({_IDENT})\(")
_WORD = re.compile(rf"\b{_IDENT}\b")


def wanted_names(text: str) -> set[str]:
    """Identifiers an issue's text mentions (words like foo_bar, FooBar, foo.bar -> {foo, bar},
    `code spans`) -- a cheap localisation. Plain prose words are left out: they would keep
    every definition that happens to be called `data` or `error`."""
    text = _URL.sub(" ", text)  # a link's host and path are not the code's names
    names: set[str] = set()
    for span in _CODE_SPAN.findall(text):
        names.update(_WORD.findall(span))
    prose = _CODE_SPAN.sub(" ", text)
    for chain in _DOTTED.findall(prose):
        names.update(chain.split("."))
    names.update(_CALLED.findall(prose))
    names.update(word for word in _WORD.findall(prose) if _looks_like_code(word))
    return {name for name in names if len(name) >= _MIN_NAME_CHARS}


def _looks_like_code(word: str) -> bool:
    """snake_case, CamelCase or camelCase: English prose writes none of these."""
    if "_" in word:
        return any(c.isalpha() for c in word)
    return any(c.islower() for c in word) and any(c.isupper() for c in word[1:])


# --- what each grammar calls an import, a function and a class ------------------------------


@dataclass(frozen=True)
class _Lang:
    comment: str  # line-comment syntax of the marker lines
    imports: frozenset[str]  # top-level node types kept verbatim
    functions: frozenset[str]  # definitions whose body is cut
    containers: frozenset[str]  # definitions whose members are skeletonised one by one
    wrappers: frozenset[str] = frozenset()  # nodes around a definition (decorators, export)
    member_lists: frozenset[str] = frozenset()  # nodes in a class body that hold more members
    attributes: frozenset[str] = frozenset()  # siblings that belong to the next definition
    braces: bool = True  # a body ends on its own closing line, kept in a skeleton


_JS_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "lexical_declaration",  # const f = () => { ... }
        "variable_declaration",
    }
)
_JS = _Lang(
    comment="//",
    imports=frozenset({"import_statement"}),
    functions=_JS_FUNCTIONS,
    containers=frozenset({"class_declaration"}),
    wrappers=frozenset({"export_statement"}),
)
_TS = _Lang(
    comment="//",
    imports=_JS.imports,
    functions=_JS_FUNCTIONS | {"interface_declaration", "enum_declaration", "internal_module"},
    containers=frozenset({"class_declaration", "abstract_class_declaration"}),
    wrappers=_JS.wrappers,
)
_LANGS: dict[str, _Lang] = {
    "python": _Lang(
        comment="#",
        imports=frozenset({"import_statement", "import_from_statement", "future_import_statement"}),
        functions=frozenset({"function_definition"}),
        containers=frozenset({"class_definition"}),
        wrappers=frozenset({"decorated_definition"}),
        braces=False,
    ),
    "javascript": _JS,
    "typescript": _TS,
    "tsx": _TS,
    "go": _Lang(
        comment="//",
        imports=frozenset({"package_clause", "import_declaration"}),
        functions=frozenset({"function_declaration", "method_declaration", "type_declaration"}),
        containers=frozenset(),
    ),
    "rust": _Lang(
        comment="//",
        imports=frozenset({"use_declaration", "extern_crate_declaration"}),
        functions=frozenset({"function_item", "struct_item", "enum_item", "union_item"}),
        containers=frozenset({"impl_item", "trait_item", "mod_item"}),
        attributes=frozenset({"attribute_item"}),
    ),
    "java": _Lang(
        comment="//",
        imports=frozenset({"package_declaration", "import_declaration"}),
        functions=frozenset(
            {"method_declaration", "constructor_declaration", "compact_constructor_declaration"}
        ),
        containers=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "annotation_type_declaration",
            }
        ),
        member_lists=frozenset({"enum_body_declarations"}),
    ),
}

_COMMENT_BY_SUFFIX = {  # marker syntax for the "head" view of files without a grammar
    **dict.fromkeys(
        [".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".kt", ".swift", ".scala", ".php", ".dart"],
        "//",
    ),
    **dict.fromkeys([".sql", ".lua", ".hs"], "--"),
}
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})
_JS_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)


# --- a file as imports, definitions and the rest --------------------------------------------


_Piece = tuple[int, int, str | None]  # rows lo..hi sent as they are (None) or as one marker


@dataclass(eq=False)
class _Keep:
    """Rows kept verbatim whatever the budget: an import or the module docstring."""

    start: int
    end: int


@dataclass(eq=False)
class _Def:
    """A definition's rows: signature start..head_end, body to body_end, closing lines to end."""

    name: str
    start: int
    head_end: int
    body_end: int
    end: int
    members: list[_Keep | _Def] | None = None  # a class's members; None: the body is cut whole
    parent: _Def | None = None
    sketch: tuple[list[_Piece], int, int] | None = None  # a function's skeleton: every plan's


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _last_row(node: Node) -> int:
    """The node's last row; a node ending at column 0 ends on the row before."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def _parts(children: list[Node], lang: _Lang, top: bool, parent: _Def | None) -> list[_Keep | _Def]:
    """One level's imports and definitions in file order; other nodes are left for gaps."""
    parts: list[_Keep | _Def] = []
    pending: int | None = None  # first row of attributes waiting for their definition
    first = top  # the module docstring can only be the first statement
    for node in children:
        kind = node.type
        if kind in lang.attributes:
            pending = node.start_point.row if pending is None else pending
            continue
        if kind in _COMMENTS:
            continue
        if top and (_is_import(node, lang) or (first and _short_docstring(node, lang))):
            parts.append(_Keep(node.start_point.row, _last_row(node)))
        elif kind in lang.member_lists:
            parts += _parts(node.named_children, lang, top, parent)
        else:
            found = _definition(node, lang, parent)
            if found is not None:
                if pending is not None:
                    found.start = pending
                parts.append(found)
        pending, first = None, False
    return parts


def _is_import(node: Node, lang: _Lang) -> bool:
    kind = node.type
    if kind in lang.imports:
        return True
    if kind == "mod_item":  # Rust `mod foo;` names a file, like an import
        return node.child_by_field_name("body") is None
    if kind in {"lexical_declaration", "variable_declaration"}:
        values = [d.child_by_field_name("value") for d in node.named_children]
        return bool(values) and all(_is_require(value) for value in values)
    return False


def _is_require(node: Node | None) -> bool:
    """`require("x")`: CommonJS's import."""
    if node is None or node.type != "call_expression":
        return False
    return _text(node.child_by_field_name("function")) == "require"


def _short_docstring(node: Node, lang: _Lang) -> bool:
    if lang.braces or node.type != "expression_statement":
        return False
    first = node.named_children[0] if node.named_children else None
    is_string = first is not None and first.type == "string"
    return is_string and len(_text(node)) <= _SHORT_DOCSTRING_CHARS


def _definition(node: Node, lang: _Lang, parent: _Def | None) -> _Def | None:
    """A definition with a body, its rows and (for a class) its members; None for others."""
    start = node.start_point.row
    while node.type in lang.wrappers:
        inner = node.child_by_field_name("definition") or node.child_by_field_name("declaration")
        if inner is None:
            return None
        node = inner
    container = node.type in lang.containers
    if not container and node.type not in lang.functions:
        return None
    named = _name_and_body(node)
    if named is None:
        return None
    name, body = named
    end = _last_row(node)
    if lang.braces:
        head_end, body_end = body.start_point.row, _last_row(body) - 1
    else:
        head_end, body_end = body.start_point.row - 1, end
        colon = body.prev_sibling
        if colon is not None and colon.end_point.row == body.start_point.row:
            head_end = start - 1  # `...) -> T: ...`: the body starts on the signature's row
    if body_end <= head_end or head_end < start:  # a one-line body: nothing to cut
        head_end = body_end = end
        container = False
    found = _Def(name, start, head_end, body_end, end, parent=parent)
    if container:
        members = _parts(body.named_children, lang, top=False, parent=found)
        if all(head_end < m.start and m.end <= body_end for m in members):
            found.members = members  # else a member shares a row with the signature or the
    return found  # closing brace, and the body is cut whole


def _name_and_body(node: Node) -> tuple[str, Node] | None:
    """A definition's name and the node its body is, by the grammar's node type."""
    if node.type in {"lexical_declaration", "variable_declaration"}:
        return _js_function_variable(node)
    if node.type == "type_declaration":  # Go: `type S struct {...}`, one spec
        specs = [c for c in node.named_children if c.type == "type_spec"]
        kind = specs[0].child_by_field_name("type") if len(specs) == 1 else None
        if kind is None or kind.type not in {"struct_type", "interface_type"}:
            return None
        return _text(specs[0].child_by_field_name("name")), kind
    body = node.child_by_field_name("body")
    if body is None:
        return None
    if node.type == "impl_item":  # Rust: `impl Trait for Type` is named by its Type
        kind = node.child_by_field_name("type")
        named = next((n for n in _walk(kind) if n.type == "type_identifier"), kind)
        return _text(named), body
    name = _text(node.child_by_field_name("name"))
    return (name, body) if name else None


def _js_function_variable(node: Node) -> tuple[str, Node] | None:
    """`const f = (...) => {...}`: a function by another syntax."""
    declarators = [c for c in node.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1:
        return None
    value = declarators[0].child_by_field_name("value")
    if value is None or value.type not in _JS_FUNCTION_VALUES:
        return None
    body = value.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return None
    return _text(declarators[0].child_by_field_name("name")), body


def _walk(node: Node | None) -> Iterator[Node]:
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


# --- rendering rows as kept lines and markers ------------------------------------------------


class _Rows:
    """The file's lines (each with its own line ending) and their running character counts."""

    def __init__(self, source: str, comment: str) -> None:
        pieces = source.split("\n")
        self.lines = [piece + "\n" for piece in pieces[:-1]]
        if pieces[-1]:
            self.lines.append(pieces[-1])
        self.comment = comment
        self.newline = "\r\n" if self.lines and self.lines[0].endswith("\r\n") else "\n"
        self.before = list(accumulate(map(len, self.lines), initial=0))

    def chars(self, lo: int, hi: int) -> int:
        """Characters of rows lo..hi inclusive."""
        return self.before[hi + 1] - self.before[lo] if hi >= lo else 0

    def marker(self, count: int, indent: str) -> str:
        """One line standing for `count` omitted lines; Python's stays a valid statement."""
        what = f"{OMITTED_MARKER} {count} line{'' if count == 1 else 's'} omitted"
        if self.comment == "#" and indent:
            return f"{indent}...  # {what}{self.newline}"
        return f"{indent}{self.comment} {what}{self.newline}"

    def indent(self, lo: int, hi: int) -> str:
        for line in self.lines[lo : hi + 1]:
            if line.strip():
                return line[: len(line) - len(line.lstrip(" \t"))]
        return ""


@dataclass(frozen=True)
class _Plan:
    """Which definitions are sent whole and which are folded into the omitted runs around them
    (the rest are skeletons)."""

    whole: frozenset[_Def] = frozenset()
    hidden: frozenset[_Def] = frozenset()


class _Render:
    """One rendering of a plan as pieces in row order."""

    def __init__(self, rows: _Rows, plan: _Plan, cursor: int = 0, limit: int = -1) -> None:
        self.rows = rows
        self.plan = plan
        self.limit = limit  # stop once the view is bigger than this: it will not be sent
        self.cursor = cursor  # the next original row: never emit a row twice or out of order
        self.pieces: list[_Piece] = []
        self.size = 0
        self.omitted = 0
        self.skeletonised = 0

    def verbatim(self, lo: int, hi: int) -> None:
        if lo < self.cursor:
            lo = self.cursor
        if hi >= lo:
            self.pieces.append((lo, hi, None))
            self.size += self.rows.chars(lo, hi)
            self.cursor = hi + 1

    def omit(self, lo: int, hi: int) -> None:
        """A marker for rows lo..hi, unless the marker is no shorter than they are."""
        if lo < self.cursor:
            lo = self.cursor
        if hi < lo:
            return
        marker = self.rows.marker(hi - lo + 1, self.rows.indent(lo, hi))
        if len(marker) >= self.rows.chars(lo, hi):
            self.verbatim(lo, hi)
            return
        self.pieces.append((lo, hi, marker))
        self.size += len(marker)
        self.omitted += hi - lo + 1
        self.cursor = hi + 1

    def gap(self, lo: int, hi: int) -> None:
        """Rows between kept parts: blank edge lines stay (cheap, and keep spacing exact)."""
        lines = self.rows.lines
        if lo < self.cursor:
            lo = self.cursor
        first = lo
        while first <= hi and not lines[first].strip():
            first += 1
        if first > hi:
            self.verbatim(lo, hi)
            return
        last = hi
        while not lines[last].strip():
            last -= 1
        self.verbatim(lo, first - 1)
        self.omit(first, last)
        self.verbatim(last + 1, hi)

    def level(self, parts: list[_Keep | _Def], lo: int, hi: int) -> None:
        for part in parts:
            if part in self.plan.hidden:
                continue  # its rows join the omitted run around it
            if 0 <= self.limit < self.size:
                return
            self.gap(lo, part.start - 1)
            if isinstance(part, _Def):
                self.definition(part)
            else:
                self.verbatim(part.start, part.end)
            lo = max(lo, part.end + 1)
        self.gap(lo, hi)

    def definition(self, found: _Def) -> None:
        if found in self.plan.whole:
            self.verbatim(found.start, found.end)
        elif found.members is None and self.cursor <= found.start:
            self._function(found)
        else:
            self._skeleton(found)

    def _skeleton(self, found: _Def) -> None:
        """The signature, the body as a marker (or a class's members each as a skeleton), and
        the closing lines."""
        omitted = self.omitted
        self.verbatim(found.start, found.head_end)
        if found.members is None:
            self.omit(found.head_end + 1, found.body_end)
        else:
            self.level(found.members, found.head_end + 1, found.body_end)
        self.verbatim(found.body_end + 1, found.end)
        self.skeletonised += int(self.omitted > omitted)

    def _function(self, found: _Def) -> None:
        """A function's skeleton is the same in every plan: rendered once, then reused."""
        if found.sketch is None:
            alone = _Render(self.rows, self.plan, cursor=found.start)
            alone._skeleton(found)
            found.sketch = (alone.pieces, alone.size, alone.omitted)
        pieces, size, omitted = found.sketch
        self.pieces += pieces
        self.size += size
        self.omitted += omitted
        self.skeletonised += int(omitted > 0)
        self.cursor = max(self.cursor, found.end + 1)

    def lines(self) -> Iterator[tuple[str, int]]:
        """The rendered lines, each with the first original row it stands for."""
        for lo, hi, marker in self.pieces:
            if marker is not None:
                yield marker, lo
            else:
                yield from zip(self.rows.lines[lo : hi + 1], range(lo, hi + 1), strict=True)

    def text(self) -> str:
        lines = self.rows.lines
        return "".join(
            m if m is not None else "".join(lines[lo : hi + 1]) for lo, hi, m in self.pieces
        )


@dataclass
class _File:
    """A parsed file: its rows, its top level and every definition in file order."""

    rows: _Rows
    parts: list[_Keep | _Def]
    defs: list[_Def]

    def render(self, plan: _Plan, limit: int = -1) -> _Render:
        """The view of a plan; with a limit, a view that will be too big is left unfinished."""
        render = _Render(self.rows, plan, limit=limit)
        render.level(self.parts, 0, len(self.rows.lines) - 1)
        return render


def _with_wanted(file: _File, named: list[_Def], plan: _Plan, room: int) -> _Plan:
    """Wanted definitions whole, in file order, while they fit in `room` more characters than
    the plan's view; a wanted method inside a class already sent whole is left as it is."""
    whole: set[_Def] = set()
    for found in named:
        if found in plan.hidden or _inside(found, whole):
            continue
        skeleton = _Render(file.rows, plan, cursor=found.start)
        skeleton.definition(found)
        extra = file.rows.chars(found.start, found.end) - skeleton.size
        if extra <= room:
            whole.add(found)
            room -= extra
    return _Plan(whole=frozenset(whole), hidden=plan.hidden)


def _inside(found: _Def, outer: set[_Def]) -> bool:
    parent = found.parent
    while parent is not None:
        if parent in outer:
            return True
        parent = parent.parent
    return False


def _folded(file: _File, named: list[_Def]) -> _Plan:
    """The plan that drops every definition neither wanted nor holding a wanted one: for when
    the signatures of the rest leave no room for what the issue names."""
    needed: set[_Def] = set()
    for found in named:
        while found is not None and found not in needed:
            needed.add(found)
            found = found.parent
    return _Plan(hidden=frozenset(d for d in file.defs if d not in needed))


def _best_view(file: _File, named: list[_Def], max_chars: int) -> _Render | None:
    """The skeleton of everything with as many wanted definitions whole as fit; failing that
    (some do not fit, or the skeleton itself is too big) the folded view if it keeps more of
    them whole. None when neither fits."""
    best: _Render | None = None
    every = set(named)
    outermost = sum(1 for found in named if not _inside(found, every))
    for fold in (False, True):
        if fold and (not named or (best is not None and len(best.plan.whole) == outermost)):
            break  # nothing to fold for, or everything the issue names is already whole
        plan = _folded(file, named) if fold else _Plan()
        base = file.render(plan, limit=max_chars)
        if base.size > max_chars:
            continue
        render = file.render(_with_wanted(file, named, plan, max_chars - base.size))
        if render.size > max_chars:  # rows shared between parts made the estimate short
            render = base
        if best is None or len(render.plan.whole) > len(best.plan.whole):
            best = render
    return best


def _qualified(found: _Def) -> str:
    """`Class.method` for the ledger: a method's name alone is ambiguous in a file."""
    names = [found.name]
    while found.parent is not None:
        found = found.parent
        names.append(found.name)
    return ".".join(reversed(names))


def _definitions(parts: list[_Keep | _Def]) -> Iterator[_Def]:
    """Every definition, a class before its methods: file order."""
    for part in parts:
        if isinstance(part, _Def):
            yield part
            yield from _definitions(part.members or [])


# --- the views --------------------------------------------------------------------------------


def _cut(render: _Render, total_rows: int, max_chars: int) -> str:
    """The most leading lines that fit with one marker for the rest (counted in max_chars)."""
    kept: list[str] = []
    size = 0
    for line, row in render.lines():
        marker = render.rows.marker(total_rows - row, "")
        if size + len(line) + len(marker) > max_chars:
            return "".join(kept) + marker if size + len(marker) <= max_chars else ""
        kept.append(line)
        size += len(line)
    return "".join(kept)


def _head(path: str, source: str, rows: _Rows, max_chars: int) -> tuple[str, ContextCut]:
    """The first lines that fit: for files with no grammar, that do not parse, or have no
    definitions to skeletonise."""
    render = _Render(rows, _Plan())
    render.verbatim(0, len(rows.lines) - 1)
    text = _cut(render, len(rows.lines), max_chars)
    return text, ContextCut(
        path=path,
        original_chars=len(source),
        sent_chars=len(text),
        kept=[],
        skeletonised=0,
        method="head",
    )


def minimal_context(
    path: str, source: str, wanted: Collection[str], max_chars: int
) -> tuple[str, ContextCut | None]:
    """The file's text when it fits in max_chars (and None); otherwise a shortened view of at
    most max_chars characters and what was cut."""
    if len(source) <= max_chars:
        return source, None
    grammar = grammar_for(path)
    lang = _LANGS.get(grammar or "")
    suffix = PurePosixPath(path).suffix.lower()
    rows = _Rows(source, lang.comment if lang else _COMMENT_BY_SUFFIX.get(suffix, "#"))
    if grammar is None or lang is None:
        return _head(path, source, rows, max_chars)
    root = parser_for(grammar).parse(source.encode("utf-8", "replace")).root_node
    if root.has_error:
        return _head(path, source, rows, max_chars)
    parts = _parts(root.named_children, lang, top=True, parent=None)
    if not any(isinstance(part, _Def) for part in parts):
        return _head(path, source, rows, max_chars)
    file = _File(rows, parts, list(_definitions(parts)))
    names = frozenset(wanted)
    named = [found for found in file.defs if found.name in names]
    render = _best_view(file, named, max_chars)
    if render is None:  # even the shortest view is too big: its head, nothing whole
        render = file.render(_folded(file, named) if named else _Plan(), limit=max_chars)
        text = _cut(render, len(rows.lines), max_chars)
    else:
        text = render.text()
    return text, ContextCut(
        path=path,
        original_chars=len(source),
        sent_chars=len(text),
        kept=[_qualified(found) for found in file.defs if found in render.plan.whole],
        skeletonised=render.skeletonised,
        method=f"tree-sitter:{grammar}",
    )
