"""The secret scanner and its placeholders: real detect-secrets, the text as a prompt holds it."""

from __future__ import annotations

import pytest

from fixers.placeholders import UnknownPlaceholder, restore
from tasks.llm.redaction import Redaction

# Test values only: each line is flagged by the scanner unless marked otherwise below.
AWS_ID = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret
GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"  # pragma: allowlist secret
JWT = (  # pragma: allowlist secret
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
    "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
KEY_BLOCK = (  # pragma: allowlist secret
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234567890abcdefghij\n"
    "-----END RSA PRIVATE KEY-----"
)
DB_PASSWORD = "s3cr3tPassw0rd"  # pragma: allowlist secret
ALLOW = "pragma: allowlist " + "secret"  # split so this file's own scan stays quiet

SOURCE = f'''"""Settings."""
AWS_ACCESS_KEY_ID = "{AWS_ID}"
aws_secret_access_key = "{AWS_SECRET}"
GITHUB_TOKEN = "{GITHUB}"
SESSION = "{JWT}"
DATABASE_URL = "postgres://admin:{DB_PASSWORD}@db.internal:5432/app"
AGAIN = "{AWS_ID}"
PRIVATE = """{KEY_BLOCK}"""


def add(a, b):
    return a + b
'''


def test_every_kind_is_replaced_by_a_numbered_placeholder_and_counted() -> None:
    redaction = Redaction()
    text = redaction.redact(SOURCE)
    for value in (AWS_ID, AWS_SECRET, GITHUB, JWT, DB_PASSWORD, "MIIEpAIBAAKCAQEA"):
        assert value not in text
    assert 'AWS_ACCESS_KEY_ID = "<SECRET_1>"' in text
    assert 'AGAIN = "<SECRET_1>"' in text  # the same secret, the same placeholder
    assert "postgres://admin:<SECRET_" in text and "@db.internal:5432/app" in text
    assert "def add(a, b):\n    return a + b" in text  # code stays as it is
    assert redaction.count == 6
    assert redaction.kinds == {
        "AWS Access Key": 2,
        "Basic Auth Credentials": 1,
        "GitHub Token": 1,
        "JSON Web Token": 1,
        "Private Key": 1,
    }
    assert AWS_SECRET not in repr(redaction) and "6 secrets" in repr(redaction)


def test_redaction_is_deterministic() -> None:
    assert Redaction().redact(SOURCE) == Redaction().redact(SOURCE)


def test_allowlisted_lines_and_ordinary_code_stay() -> None:
    text = (
        f'token = "{GITHUB}"  # {ALLOW}\n'
        f"# pragma: allowlist nextline {'secret'}\n"
        f'other = "{GITHUB.replace("a", "b")}"\n'
        'sha = "release-2024"\nurl = "https://example.com/api/v1"\n'
    )
    redaction = Redaction()
    assert redaction.redact(text) == text and redaction.count == 0


def test_placeholders_are_restored_exactly_or_refused() -> None:
    redaction = Redaction()
    redaction.redact(SOURCE)
    assert restore('KEY = "<SECRET_1>"', redaction.values) == f'KEY = "{AWS_ID}"'
    with pytest.raises(UnknownPlaceholder, match="<SECRET_9>"):
        restore("x = <SECRET_9>", redaction.values)
    with pytest.raises(UnknownPlaceholder, match="cut-off"):
        restore("x = <SECRET_1", redaction.values)
    assert restore("no placeholder here", {}) == "no placeholder here"
