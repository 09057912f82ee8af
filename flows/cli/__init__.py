"""The typer CLI, one module per command group; `globallm` is `flows.cli:main` (the app, with
the embedded Prefect server's start failure said in one line)."""

from flows.cli.main import app, main

__all__ = ["app", "main"]
