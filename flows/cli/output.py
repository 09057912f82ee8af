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


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):  # a map whose keys JSON cannot hold (dates, lists...)
        return str(value)


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the columns CSV cannot hold as text: lists, arrays, structs and maps as
    JSON (`["a", "b"]`, `{"k": 1}`), bytes as hex; null stays an empty field."""
    replaced = []
    for name, dtype in frame.schema.items():
        if dtype.is_nested():
            values = [_json_text(v) for v in frame[name].to_list()]
        elif dtype == pl.Binary:
            values = [None if v is None else v.hex() for v in frame[name].to_list()]
        elif dtype == pl.Object:
            values = [None if v is None else str(v) for v in frame[name].to_list()]
        else:
            continue
        replaced.append(pl.Series(name, values, dtype=pl.String))
    return frame.with_columns(replaced) if replaced else frame


def print_frame(frame: pl.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """Write `frame` to stdout in the chosen format (CSV: nested values as JSON text)."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(frame.to_dicts(), default=str, indent=2) + "\n")
    elif fmt is OutputFormat.csv:
        sys.stdout.write(csv_ready(frame).write_csv())
    else:
        table = Table(title=title, show_lines=False)
        for column in frame.columns:
            numeric = frame.schema[column].is_numeric()
            table.add_column(column, justify="right" if numeric else "left", overflow="fold")
        for row in frame.iter_rows():
            table.add_row(*(_cell(v) for v in row))
        console.print(table)
