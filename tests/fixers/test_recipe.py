"""Recipes are found through the `globallm.recipes` entry-point group."""

from __future__ import annotations

import pytest

from fixers.recipe import UnknownRecipe, available_recipes, load_recipe
from fixers.rename_api import RenameApi
from fixers.upgrade_python import UpgradePython


def test_both_recipes_are_installed_with_descriptions() -> None:
    recipes = available_recipes()
    assert recipes["upgrade-python"] is UpgradePython
    assert recipes["rename-api"] is RenameApi
    for name in ("upgrade-python", "rename-api"):
        assert recipes[name].name == name
        assert recipes[name].description.strip()
        assert recipes[name].language == "python"


def test_unknown_recipe_names_the_installed_ones() -> None:
    with pytest.raises(UnknownRecipe) as raised:
        load_recipe("nope")
    message = str(raised.value)
    assert "'nope'" in message
    assert "rename-api" in message and "upgrade-python" in message
