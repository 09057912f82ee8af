"""dbt's parse, kept per set of vars beside the warehouse so a new process parses partially."""

from __future__ import annotations

from pathlib import Path

from tasks.dbt.build import _parse, write_profile

DEFAULTS = {name: "{}" for name in ("health_json", "impact_json", "priority_json")}


def parse_log(folder: Path, variables: dict) -> str:
    """What dbt logged for one parse of `variables` (its log file only grows)."""
    log = folder / "logs" / "dbt.log"
    before = log.stat().st_size if log.exists() else 0
    assert _parse(folder.parent / "warehouse.duckdb", folder, variables).success
    with log.open(encoding="utf-8") as text:
        text.seek(before)
        return text.read()


def test_each_set_of_vars_keeps_its_own_parse_so_alternating_vars_parse_partially(tmp_path):
    folder = write_profile(tmp_path / "warehouse.duckdb")
    build, score = {**DEFAULTS, "run": "build"}, {**DEFAULTS, "run": "score"}
    assert "Starting full parse" in parse_log(folder, build)
    # dbt's one file in target/ now holds the build's parse: the score's vars do not match it
    assert "config vars, config profile, or config target have changed" in parse_log(folder, score)
    assert len(list((folder / "parses").glob("*.msgpack"))) == 2
    # as a new process does: the build's vars again, after the score's, parse partially
    again = parse_log(folder, build)
    assert "Partial parsing enabled" in again and "Unable to do partial parsing" not in again
