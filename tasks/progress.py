"""Progress bars for long steps, drawn with rich on the terminal (plain lines elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


@contextmanager
def progress_steps(description: str, total: int | None) -> Iterator[Callable[[str], None]]:
    """Yield `advance(label)`; each call moves the bar one step and names what finished.

    With `total=None` the bar pulses and counts, for work whose size is known only at the end.
    """
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task_id = progress.add_task(description, total=total, label="")

        def advance(label: str) -> None:
            progress.update(task_id, advance=1, label=label)

        yield advance
