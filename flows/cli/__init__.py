"""The typer CLI, one module per command group; `globallm` is `flows.cli:run_cli` (the app, with
the embedded Prefect server's start failure said in one line)."""

from flows.cli.main import app, run_cli

__all__ = ["app", "run_cli"]
