"""Rename one imported API (`pkg.mod.legacy_fetch` -> `pkg.mod.fetch`) at its call sites.

A LibCST codemod: the concrete syntax tree keeps every comment and all formatting, and
`QualifiedNameProvider` resolves what each name refers to through the file's imports and
scopes, so `other.legacy_fetch`, a local `legacy_fetch` or the string "legacy_fetch" are left
alone. libcst's own `RenameCommand` was not used: it drops `as` aliases
(`from m import old as o; o()` becomes `from m import new; new()`) and, for
`import pkg.mod as m; m.old()`, removes the import while writing `pkg.mod.new()`.
"""

from __future__ import annotations

import keyword
from typing import ClassVar

import libcst as cst
from libcst.codemod import (
    CodemodContext,
    TransformFailure,
    TransformSuccess,
    VisitorBasedCodemodCommand,
    transform_module,
)
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import QualifiedNameProvider
from pydantic import field_validator, model_validator

from fixers.recipe import Recipe, RecipeOptions
from fixers.results import FixResult


class RenameApiOptions(RecipeOptions):
    old: str
    new: str

    @field_validator("old", "new")
    @classmethod
    def _dotted_path(cls, value: str) -> str:
        parts = value.split(".")
        if len(parts) < 2 or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
            raise ValueError(f"expected a dotted path like 'pkg.mod.name', not {value!r}")
        return value

    @model_validator(mode="after")
    def _different(self) -> RenameApiOptions:
        if self.old == self.new:
            raise ValueError("old and new are the same name")
        return self


def _dotted(path: str) -> cst.Attribute | cst.Name:
    """The expression node for a dotted path ("a.b.c")."""
    node = cst.parse_expression(path)
    assert isinstance(node, cst.Attribute | cst.Name)
    return node


def _without(names: list[cst.ImportAlias], index: int) -> list[cst.ImportAlias]:
    """`names` minus `names[index]`, with the commas and the layout before ")" still valid.

    Removing the last alias makes the previous one last: it takes the removed alias's
    comma (none, or a trailing comma and the line break before ")") but keeps its own
    end-of-line comment.
    """
    kept = names[:index] + names[index + 1 :]
    if index < len(names) - 1:
        return kept
    gone, prev = names[index].comma, kept[-1].comma
    comma = gone
    if (
        isinstance(gone, cst.Comma)
        and isinstance(prev, cst.Comma)
        and isinstance(gone.whitespace_after, cst.ParenthesizedWhitespace)
        and isinstance(prev.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        first_line = prev.whitespace_after.first_line
        comma = gone.with_deep_changes(gone.whitespace_after, first_line=first_line)
    kept[-1] = kept[-1].with_changes(comma=comma)
    return kept


class _RenameCommand(VisitorBasedCodemodCommand):
    """Rewrites imports of `old` in place and the references that resolve to it."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, context: CodemodContext, old: str, new: str) -> None:
        super().__init__(context)
        self.old, self.new = old, new
        self.old_module, _, self.old_attr = old.rpartition(".")
        self.new_module, _, self.new_attr = new.rpartition(".")

    def _refers_to_old(self, node: cst.CSTNode) -> bool:
        return QualifiedNameProvider.has_name(self, node, self.old)

    # Import statements are rewritten as a whole in leave_ImportFrom; their names are
    # not references, so the Name/Attribute handlers must not see them.
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        """`from old_module import old_attr [as x]` -> the new name, keeping any alias."""
        if (
            updated_node.relative
            or updated_node.module is None
            or isinstance(updated_node.names, cst.ImportStar)
            or get_full_name_for_node(updated_node.module) != self.old_module
        ):
            return updated_node
        names = list(updated_node.names)
        hits = [i for i, a in enumerate(names) if get_full_name_for_node(a.name) == self.old_attr]
        if not hits:
            return updated_node
        index = hits[0]
        alias = names[index]
        renamed = alias.with_changes(name=cst.Name(self.new_attr))
        if self.new_module == self.old_module:
            names[index] = renamed
            return updated_node.with_changes(names=names)
        if len(names) == 1:  # the whole statement moves to the new module, comments kept
            return updated_node.with_changes(module=_dotted(self.new_module), names=[renamed])
        # Other names still come from the old module: import the new one separately.
        asname = alias.evaluated_alias
        AddImportsVisitor.add_needed_import(self.context, self.new_module, self.new_attr, asname)
        return updated_node.with_changes(names=_without(names, index))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        """A bare `old_attr` bound by `from old_module import old_attr` (no alias)."""
        if original_node.value == self.old_attr and self._refers_to_old(original_node):
            return updated_node.with_changes(value=self.new_attr)
        return updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute | cst.Name:
        """`<module binding>.old_attr`, whatever the module was imported as."""
        if original_node.attr.value != self.old_attr or not self._refers_to_old(original_node):
            return updated_node
        if self.new_module == self.old_module:  # keep `m.`, `pkg.mod.`, ... as written
            return updated_node.with_changes(attr=cst.Name(self.new_attr))
        # Another module: spell it in full, import it, drop the old import if now unused.
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.value)
        AddImportsVisitor.add_needed_import(self.context, self.new_module)
        return _dotted(self.new).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)


class RenameApi(Recipe):
    name: ClassVar[str] = "rename-api"
    description: ClassVar[str] = "Rename an imported function or class at every reference."
    language: ClassVar[str] = "python"
    options_model: ClassVar[type[RecipeOptions]] = RenameApiOptions
    confidence: ClassVar[float] = 0.85
    risk: ClassVar[str] = "MEDIUM"

    def transform(self, path: str, source: str) -> FixResult:
        options: RenameApiOptions = self.options  # type: ignore[assignment]
        command = _RenameCommand(CodemodContext(filename=path), options.old, options.new)
        # transform_module parses, runs the import add/remove visitors and catches errors.
        result = transform_module(command, source)
        if isinstance(result, TransformFailure):
            error = result.error
            if isinstance(error, cst.ParserSyntaxError):
                return FixResult.failed(path, f"syntax error: {str(error).strip()}")
            return FixResult.failed(path, f"{type(error).__name__}: {error}")
        if not isinstance(result, TransformSuccess) or result.code == source:
            return FixResult.skipped(path, f"no reference to {options.old}")
        reason = f"renamed {options.old} -> {options.new}"
        return FixResult.applied(path, result.code, reason, [self.name])
