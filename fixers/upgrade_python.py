"""Modernise Python syntax for a minimum version with ruff's pyupgrade rules (UP) only.

Ruff already knows, rule by rule, which rewrites are safe at which target version, so the
recipe delegates to it rather than re-implementing pyupgrade. Only ruff's *safe* fixes are
applied: e.g. `"%s" % x` is left alone (ruff marks every UP031 fix unsafe), and so is
`typing.List` below 3.10 (UP006 is unsafe there because of runtime-annotation libraries).
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import ClassVar

from pydantic import field_validator
from ruff.__main__ import find_ruff_bin

from fixers.recipe import Recipe, RecipeOptions
from fixers.results import FixResult

_VERSION = re.compile(r"3\.(\d{1,2})")
_MIN_MINOR, _MAX_MINOR = 7, 14
_TIMEOUT_S = 120


class UpgradePythonOptions(RecipeOptions):
    target_version: str = "3.12"

    @field_validator("target_version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        match = _VERSION.fullmatch(value.strip())
        if not match or not _MIN_MINOR <= int(match.group(1)) <= _MAX_MINOR:
            raise ValueError(
                f"target_version must be 3.{_MIN_MINOR} .. 3.{_MAX_MINOR}, not {value!r}"
            )
        return value.strip()

    @property
    def ruff_target(self) -> str:
        """Ruff's spelling of the version: "3.12" -> "py312"."""
        return "py" + self.target_version.replace(".", "")


class UpgradePython(Recipe):
    name: ClassVar[str] = "upgrade-python"
    description: ClassVar[str] = "Modernise syntax for a minimum Python version (ruff pyupgrade)."
    language: ClassVar[str] = "python"
    options_model: ClassVar[type[RecipeOptions]] = UpgradePythonOptions
    confidence: ClassVar[float] = 0.95
    risk: ClassVar[str] = "LOW"

    def _ruff(self, path: str, source: str, *extra: str) -> str:
        """Run `ruff check` on `source` through stdin; its stdout, exactly as text.

        --isolated: the target repository's own ruff configuration must not add rules or
        change the target version. Bytes, not text mode, so "\\r\\n" survives unchanged.
        """
        options: UpgradePythonOptions = self.options  # type: ignore[assignment]
        command = [
            find_ruff_bin(),
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "UP",
            "--target-version",
            options.ruff_target,
            "--exit-zero",
            "--stdin-filename",
            path,
            *extra,
            "-",
        ]
        done = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, timeout=_TIMEOUT_S
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode("utf-8", "replace").strip() or "ruff failed")
        return done.stdout.decode("utf-8")

    def transform(self, path: str, source: str) -> FixResult:
        try:
            # Diagnose the original first: a file that does not parse must fail loudly,
            # since ruff's fix mode would just echo it back unchanged.
            diagnostics = json.loads(self._ruff(path, source, "--output-format", "json"))
            syntax = [d for d in diagnostics if d.get("code") in (None, "invalid-syntax")]
            if syntax:
                first = syntax[0]
                where = first.get("location") or {}
                return FixResult.failed(
                    path,
                    f"syntax error at {where.get('row')}:{where.get('column')}: "
                    f"{first.get('message')}",
                )
            new_source = self._ruff(path, source, "--fix-only")
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
            return FixResult.failed(path, f"ruff: {error}")
        if new_source == source:
            return FixResult.skipped(path, "nothing to upgrade")
        rules = sorted(
            {d["code"] for d in diagnostics if (d.get("fix") or {}).get("applicability") == "safe"}
        )
        target = self.options.target_version  # type: ignore[attr-defined]
        return FixResult.applied(path, new_source, f"pyupgrade for Python {target}", rules)
