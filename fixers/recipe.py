"""What every recipe is, and how recipes are found (entry-point group `globallm.recipes`).

A recipe is a pure transformation of one file's text. A user's package adds one by declaring
an entry point in the `globallm.recipes` group that names a `Recipe` subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from importlib.metadata import entry_points
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from fixers.results import FixResult

ENTRY_POINT_GROUP = "globallm.recipes"


class RecipeOptions(BaseModel):
    """Options a recipe takes from the command line; subclasses add fields."""

    model_config = ConfigDict(extra="forbid")


class Recipe(ABC):
    """One kind of change. Subclasses set the class attributes and implement `transform`."""

    name: ClassVar[str]
    description: ClassVar[str]
    language: ClassVar[str]  # "python", ...
    options_model: ClassVar[type[RecipeOptions]] = RecipeOptions
    # How sure we are that an applied change is right, and how risky it is (DESIGN.md levels).
    confidence: ClassVar[float] = 0.9
    risk: ClassVar[str] = "LOW"

    def __init__(self, options: RecipeOptions | None = None) -> None:
        self.options = options or self.options_model()

    def applies_to(self, path: str) -> bool:
        """Whether the recipe looks at this repository-relative path at all."""
        return path.endswith(".py")

    @abstractmethod
    def transform(self, path: str, source: str) -> FixResult:
        """The file's new text, or why it was skipped or failed. Never raises."""


class UnknownRecipe(LookupError):
    """No recipe of that name is installed."""


def available_recipes() -> dict[str, type[Recipe]]:
    """Every installed recipe by name, from the entry-point group."""
    found: dict[str, type[Recipe]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        recipe = entry.load()
        found[recipe.name] = recipe
    return dict(sorted(found.items()))


def load_recipe(name: str, options: dict | None = None) -> Recipe:
    """The recipe `name` with validated options; UnknownRecipe names the installed ones."""
    recipes = available_recipes()
    if name not in recipes:
        known = ", ".join(recipes) or "none"
        raise UnknownRecipe(f"no recipe {name!r}; installed recipes: {known}")
    recipe_cls = recipes[name]
    return recipe_cls(recipe_cls.options_model.model_validate(options or {}))
