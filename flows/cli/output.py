"""Printing frames for the CLI: a rich table for people, JSON or CSV for programs."""

from __future__ import annotations

import json
import sys
from enum import StrEnum

import polars as pl
from rich.console import Console
from rich.table import Table

# Off a terminal (pipes, CI logs) rich would wrap at 80 columns; give tables room instead.
console = Console(width=None if sys.stdout.isatty() else 160)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_frame(frame: pl.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """Write `frame` to stdout in the chosen format."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(frame.to_dicts(), default=str, indent=2) + "\n")
    elif fmt is OutputFormat.csv:
        sys.stdout.write(frame.write_csv())
    else:
        table = Table(title=title, show_lines=False)
        for column in frame.columns:
            numeric = frame.schema[column].is_numeric()
            table.add_column(column, justify="right" if numeric else "left", overflow="fold")
        for row in frame.iter_rows():
            table.add_row(*(_cell(v) for v in row))
        console.print(table)
