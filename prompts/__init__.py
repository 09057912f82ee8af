"""Prompts are data files; this is the one place they are rendered.

Each `<name>.j2` template is registered in `registry.json` with a semver version and the
sha256 of its bytes. Rendering checks that hash first, so a prompt edited without a version
bump fails loudly instead of silently changing what the ledger's `prompt_sha` refers to.
Templates use `StrictUndefined`: a variable the caller forgot raises instead of rendering as
an empty string the model would never notice.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError
from pydantic import BaseModel, ValidationError, field_validator

PROMPTS_DIR = Path(__file__).resolve().parent
REGISTRY_FILE = "registry.json"
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.+-]+)?")


class PromptError(RuntimeError):
    """A prompt is unknown, unregistered, or cannot be rendered; the message names it."""


class PromptIntegrityError(PromptError):
    """A template's bytes no longer match the sha256 registered for its version."""


class RegistryEntry(BaseModel):
    name: str
    version: str
    sha256: str

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.fullmatch(value):
            raise ValueError(f"version must be semver (MAJOR.MINOR.PATCH), not {value!r}")
        return value


class RenderedPrompt(BaseModel):
    """A rendered prompt and the identity the ledger records for it."""

    name: str
    version: str
    sha256: str  # of the template file, as registered
    text: str


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _registry(directory: Path) -> dict[str, RegistryEntry]:
    path = directory / REGISTRY_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = [RegistryEntry.model_validate(item) for item in raw]
    except (OSError, ValueError, TypeError, ValidationError) as error:
        raise PromptError(f"cannot read the prompt registry {path}: {error}") from error
    found: dict[str, RegistryEntry] = {}
    for entry in entries:
        if entry.name in found:
            raise PromptError(f"prompt {entry.name!r} is registered twice in {path}")
        found[entry.name] = entry
    return found


def prompt_names(directory: Path | None = None) -> list[str]:
    """The registered prompts' names, sorted."""
    return sorted(_registry(Path(directory or PROMPTS_DIR)))


def registered(name: str, directory: Path | None = None) -> RegistryEntry:
    """Prompt `name`'s registry entry (version and sha256) without rendering it: what names a
    prompt's answers before any is asked (render still checks the template against it)."""
    folder = Path(directory or PROMPTS_DIR)
    registry = _registry(folder)
    if name not in registry:
        known = ", ".join(sorted(registry)) or "none"
        raise PromptError(f"no prompt {name!r} in {folder / REGISTRY_FILE}; registered: {known}")
    return registry[name]


def render(name: str, /, *, directory: Path | None = None, **variables: object) -> RenderedPrompt:
    """Render prompt `name` from `directory` (default: this package) with `variables`.

    Raises PromptIntegrityError when the template differs from its registered sha256, and
    PromptError when it is unknown or a variable is missing.
    """
    folder = Path(directory or PROMPTS_DIR)
    entry = registered(name, folder)
    path = folder / f"{name}.j2"
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PromptError(f"prompt {name!r}: cannot read {path}: {error}") from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256:
        raise PromptIntegrityError(
            f"prompt {name!r} ({path}) changed without a version bump: its sha256 is "
            f"{actual}, registry.json says {entry.sha256} for version {entry.version}. "
            "Bump the version and record the new sha256."
        )
    environment = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML
        keep_trailing_newline=True,
    )
    try:
        # Render the bytes that were hashed, not a second read of the file.
        text = environment.from_string(data.decode("utf-8")).render(**variables)
    except UndefinedError as error:
        raise PromptError(f"prompt {name!r}: missing variable: {error.message}") from error
    return RenderedPrompt(name=name, version=entry.version, sha256=actual, text=text)
