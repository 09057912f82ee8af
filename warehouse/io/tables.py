"""DDL of the raw landing tables (warehouse/io/raw_tables.py) and the ledger
(warehouse/io/ledger_tables.py): the contract between tasks and dbt sources.

Tables only ever gain columns: `store.ensure_schema` adds the ones an older warehouse lacks.
Raw tables are keyed by natural keys so that landing the same crawl twice changes no row count.
"""

import re

from warehouse.io.ledger_tables import LEDGER_TABLES, LEDGER_VIEWS
from warehouse.io.raw_tables import RAW_TABLES

__all__ = ["ALL_TABLES", "LEDGER_TABLES", "LEDGER_VIEWS", "RAW_TABLES", "columns", "primary_key"]

ALL_TABLES = {**RAW_TABLES, **LEDGER_TABLES}

_COLUMN = re.compile(r"^\s*(?!PRIMARY\b)([a-z_][a-z0-9_]*)\s+([A-Z]+(?:\[\])?)", re.MULTILINE)


def columns(table: str) -> list[tuple[str, str]]:
    """(name, type) of each column a table's DDL declares, constraints left out."""
    return _COLUMN.findall(ALL_TABLES[table])


_INLINE_KEY = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s+[A-Z]+(?:\[\])?\s+PRIMARY KEY", re.MULTILINE)
_TABLE_KEY = re.compile(r"PRIMARY KEY\s*\(([^)]*)\)")


def primary_key(table: str) -> list[str]:
    """The primary-key columns a table's DDL declares (inline or as a table constraint)."""
    ddl = ALL_TABLES[table]
    found = _TABLE_KEY.search(ddl)
    if found:
        return [name.strip() for name in found.group(1).split(",")]
    return _INLINE_KEY.findall(ddl)
