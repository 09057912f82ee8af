"""Secret placeholders in a model's answer, put back to the values they stand for.

The LLM privacy gate (tasks/llm/redaction.py) sends `<SECRET_1>`, `<SECRET_2>`, ... instead
of each secret; a model that edits code near one copies the placeholder into its edit. An edit
is restored only where that is exact: every placeholder it holds is one this file's request
used. Anything else (an unknown number, a cut-off `<SECRET_`) fails, since guessing would
write the wrong value or leave a placeholder in someone's code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"<SECRET_(\d+)>")
PLACEHOLDER_PREFIX = "<SECRET_"


def placeholder(number: int) -> str:
    return f"{PLACEHOLDER_PREFIX}{number}>"


class UnknownPlaceholder(ValueError):
    """An edit names a placeholder the request never sent, or a mangled one."""


def restore(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder back to its secret; UnknownPlaceholder when one is not in
    `values` or a `<SECRET_` is not a whole placeholder."""
    whole = PLACEHOLDER.findall(text)
    if text.count(PLACEHOLDER_PREFIX) != len(whole):
        raise UnknownPlaceholder("it holds a cut-off secret placeholder ('<SECRET_' unclosed)")
    unknown = [m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) not in values]
    if unknown:
        raise UnknownPlaceholder(f"it names {unknown[0]}, which this file's request never sent")
    return PLACEHOLDER.sub(lambda m: values[m.group(0)], text)
