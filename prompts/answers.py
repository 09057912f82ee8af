"""Reading a model's JSON answer, the same way for every prompt: the object itself or the one
fenced block it sent, and a validation error said in a line. Pure; the callers raise their
own exception type (MalformedAnswer, MalformedTriage) with these reasons."""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n(.*?)```", re.DOTALL)


class UnreadableAnswer(ValueError):
    """The answer holds no JSON; the message says why."""


def answer_json(text: str) -> object:
    """The JSON value of an answer, or of its ```json fenced block."""
    text = (text or "").strip()
    if not text:
        raise UnreadableAnswer("the answer is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fenced = _FENCE.search(text)
        if fenced is None:
            raise UnreadableAnswer(f"the answer is not JSON ({error})") from error
        try:
            return json.loads(fenced.group(1))
        except json.JSONDecodeError as inner:
            raise UnreadableAnswer(f"the fenced block is not JSON ({inner})") from inner


def first_problems(error: ValidationError, most: int = 3) -> str:
    """The first few validation problems as `field: message; ...`."""
    problems = []
    for item in error.errors()[:most]:
        where = ".".join(str(part) for part in item["loc"]) or "answer"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)
