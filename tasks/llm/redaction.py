"""Secrets never reach a model: every prompt is scanned in-process and each secret replaced by
a deterministic placeholder (`<SECRET_1>`, the same secret the same placeholder in a request).

The scanner is detect-secrets (Yelp's, in-process: no file, no network) with its credential
plugins (AWS, GitHub, GitLab, OpenAI, Slack, Stripe, npm, PyPI, private keys, JWTs, basic-auth
URLs, secret keywords, ...) and its high-entropy string plugins at its own tuned limits
(base64 4.5, hex 3.0). Its filters stay on, so a line marked `pragma: allowlist secret` is
left alone. Our own patterns cover what it reports only in part: a GitHub token
(detect-secrets yields just its `ghp` prefix), a JWT's signature, and a private key's whole
block (it flags only the BEGIN line). Public IP addresses are not secrets and stay.

What the ledger may keep of a redaction is `Redaction.kinds`: counts by kind, never a value.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from detect_secrets.core import scan as detect_scan
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.settings import configure_settings_from_baseline

from fixers.placeholders import placeholder

_MIN_SECRET_CHARS = 6  # a shorter "secret" is a scanner's fragment; replacing it breaks code
_ENTROPY_LIMITS = {"Base64HighEntropyString": 4.5, "HexHighEntropyString": 3.0}
_NOT_SECRETS = {"IPPublicDetector"}

# (kind, pattern) for what detect-secrets misses or cuts short; group 0 is the secret.
_OWN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Private Key",
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?"
            r"-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
            re.DOTALL,
        ),
    ),
    ("GitHub Token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_\w{22,255})")),
    ("JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("AWS Access Key", re.compile(r"\b(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}\b")),
)
# A kind named by a specific plugin beats a generic one when both found the same text.
_GENERIC_KINDS = ("Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String")

_SCAN_LOCK = threading.Lock()  # detect-secrets keeps its configuration in process globals
_configured = False


def _configure() -> None:
    """Point detect-secrets' global settings at our plugins once per process."""
    global _configured
    if _configured:
        return
    plugins = []
    for plugin in get_mapping_from_secret_type_to_class().values():
        name = plugin.__name__
        if name in _NOT_SECRETS:
            continue
        entry: dict[str, object] = {"name": name}
        if name in _ENTROPY_LIMITS:
            entry["limit"] = _ENTROPY_LIMITS[name]
        plugins.append(entry)
    configure_settings_from_baseline({"plugins_used": plugins})
    detect_scan.get_plugins.cache_clear()
    detect_scan.get_filters.cache_clear()
    _configured = True


def _detected(text: str) -> list[tuple[str, str]]:
    """(kind, value) of every secret detect-secrets finds in the text, line by line."""
    lines = list(enumerate(text.split("\n"), start=1))
    with _SCAN_LOCK:
        _configure()
        found = detect_scan._process_line_based_plugins(lines, filename="prompt.txt")
        return [(secret.type, secret.secret_value or "") for secret in found]


_ALLOWLISTED = re.compile(r"pragma:\s*allowlist[ -]secret")
_ALLOWLISTED_NEXT = re.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret")


def _allowlisted(text: str, position: int) -> bool:
    """Whether the line at `position` (or the one before, with `nextline`) says
    `pragma: allowlist secret`, the filter detect-secrets applies to its own findings."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    if _ALLOWLISTED.search(text[start : end if end >= 0 else len(text)]):
        return True
    previous = text[text.rfind("\n", 0, max(start - 1, 0)) + 1 : max(start - 1, 0)]
    return bool(_ALLOWLISTED_NEXT.search(previous))


def _kind_rank(kind: str) -> int:
    return _GENERIC_KINDS.index(kind) + 1 if kind in _GENERIC_KINDS else 0


@dataclass
class Redaction:
    """One request's secrets: the placeholders given so far and the values they stand for.

    `values` never leaves the process in a log, a ledger row or a flow parameter's record; the
    repr shows counts only."""

    values: dict[str, str] = field(default_factory=dict, repr=False)  # placeholder -> value
    kinds_by_placeholder: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def kinds(self) -> dict[str, int]:
        """How many secrets of each kind were redacted (what the ledger records)."""
        return dict(sorted(Counter(self.kinds_by_placeholder.values()).items()))

    @property
    def count(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Redaction({self.count} secrets: {self.kinds})"

    def _placeholder(self, value: str, kind: str) -> str:
        for given, known in self.values.items():
            if known == value:
                if _kind_rank(kind) < _kind_rank(self.kinds_by_placeholder[given]):
                    self.kinds_by_placeholder[given] = kind
                return given
        new = placeholder(len(self.values) + 1)
        self.values[new] = value
        self.kinds_by_placeholder[new] = kind
        return new

    def redact(self, text: str) -> str:
        """The text with every secret found in it replaced by its placeholder."""
        spans = _secret_spans(text)
        if not spans:
            return text
        out, position = [], 0
        for start, end, kind in spans:
            out.append(text[position:start])
            out.append(self._placeholder(text[start:end], kind))
            position = end
        out.append(text[position:])
        return "".join(out)


def _secret_spans(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) of every occurrence of every secret, in text order;
    overlapping findings merge into one span of the most specific kind."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _OWN_PATTERNS:
        found += [
            (m.start(), m.end(), kind)
            for m in pattern.finditer(text)
            if not _allowlisted(text, m.start())
        ]
    for kind, value in _detected(text):
        if len(value) < _MIN_SECRET_CHARS:
            continue
        found += [(m.start(), m.end(), kind) for m in re.finditer(re.escape(value), text)]
    found.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if merged and start < merged[-1][1]:
            last_start, last_end, last_kind = merged[-1]
            best = kind if _kind_rank(kind) < _kind_rank(last_kind) else last_kind
            merged[-1] = (last_start, max(end, last_end), best)
        else:
            merged.append((start, end, kind))
    return merged
