"""Re-record the golden set's expectations: `python -m tests.golden.record` (see cases.py)."""

from __future__ import annotations

from tests.golden.cases import (
    ANSWERS_FILE,
    PROMPTS_FILE,
    outcome,
    read_cases,
    rendered,
    write_cases,
)


def main() -> None:
    prompts = [
        row | {"expect": rendered(row["prompt"], row["inputs"])} for row in read_cases(PROMPTS_FILE)
    ]
    answers = [row | {"expect": outcome(row["inputs"])} for row in read_cases(ANSWERS_FILE)]
    for path, rows in ((PROMPTS_FILE, prompts), (ANSWERS_FILE, answers)):
        write_cases(path, rows)
        print(f"{path}: {len(rows)} cases recorded")


if __name__ == "__main__":
    main()
