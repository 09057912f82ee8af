"""The typer CLI, one module per command group; `globallm` is `flows.cli:app`."""

from flows.cli.main import app

__all__ = ["app"]
