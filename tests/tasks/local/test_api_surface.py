"""tasks/local/api_surface.py: public names per language from small real sources, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.local.api_surface import SkippedFile, api_surface, normalise, public_names
from tests.gitrepos import CommitSpec, make_repo

PYTHON = b"""
import os

def fetch(url):
    return url

@cache
def decorated():
    pass

def _private():
    pass

class Client:
    def method(self):
        pass

class _Hidden:
    pass

VALUE = 1
"""

PYTHON_ALL = b"""
__all__ = ["fetch", 'Client']

def fetch(): pass
def helper(): pass
class Client: pass
"""

JAVASCRIPT = b"""
export function fetchData() {}
export class Client {}
export const a = 1, b = 2;
export { inner as renamed, other };
export default function main() {}
function hidden() {}
"""

TYPESCRIPT = b"""
export interface Options { retries: number }
export function fetchData(url: string): Promise<void> { return Promise.resolve(); }
export class Client<T> { private x: T | undefined; }
function hidden(): void {}
"""

GO = b"""
package http

func Get(url string) error { return nil }
func (c *Client) Post() {}
func helper() {}
type Client struct{}
type options struct{}
"""

RUST = b"""
pub fn get() {}
fn private() {}
pub(crate) fn internal() {}
pub struct Client;
pub enum Mode { A }
pub trait Fetch {}
impl Client { pub fn send(&self) {} }
"""

JAVA = b"""
public class Client {
    public void send() {}
    private void hidden() {}
    void packagePrivate() {}
    public static class Builder {}
}
class Internal {}
"""


@pytest.mark.parametrize(
    ("grammar", "source", "expected"),
    [
        ("python", PYTHON, {"fetch", "decorated", "Client"}),
        ("python", PYTHON_ALL, {"fetch", "Client"}),
        ("python", b"__all__ = []\n\ndef helper(): pass\n", set()),  # exports nothing
        ("python", b"__all__ = ()\n\nclass Helper: pass\n", set()),
        ("javascript", JAVASCRIPT, {"fetchData", "Client", "a", "b", "renamed", "other", "main"}),
        ("typescript", TYPESCRIPT, {"Options", "fetchData", "Client"}),
        ("go", GO, {"Get", "Post", "Client"}),
        ("rust", RUST, {"get", "Client", "Mode", "Fetch", "send"}),
        ("java", JAVA, {"Client", "send", "Builder"}),
    ],
)
def test_public_names_per_language(grammar, source, expected):
    assert public_names(source, grammar) == expected


def test_non_utf8_and_broken_sources_are_refused_with_a_reason():
    with pytest.raises(SkippedFile, match="not UTF-8"):
        public_names(b"def f():\n    return '\xff\xfe'\n", "python")
    with pytest.raises(SkippedFile, match="does not parse"):
        public_names(b"def broken(:\n", "python")


def test_names_normalise_across_naming_styles():
    assert normalise("fetch_data") == normalise("fetchData") == normalise("FetchData")


def test_repository_surface_skips_and_counts_bad_files(tmp_path: Path):
    repo = make_repo(
        tmp_path / "lib",
        [
            CommitSpec(
                "Ada",
                1,
                {
                    "lib/http.py": "def fetch_data():\n    pass\n",
                    "lib/client.ts": "export class Client {}\n",
                    "lib/latin1.py": b"def f():\n    return '\xe9'\n",
                    "lib/broken.py": "def broken(:\n",
                    "tests/test_http.py": "def test_fetch():\n    pass\n",
                    "notes.txt": "not code\n",
                },
            )
        ],
    )
    surface = api_surface.fn(repo, max_files=100, max_file_bytes=1_000_000)
    assert surface.names == {"fetchdata", "client"}  # tests are not API
    assert surface.files_parsed == 2
    assert surface.files_skipped == 2
    assert sorted(s.split(":")[0] for s in surface.skipped) == ["lib/broken.py", "lib/latin1.py"]


def test_a_folder_that_is_no_repository_gives_an_empty_surface(tmp_path: Path):
    surface = api_surface.fn(tmp_path, max_files=10, max_file_bytes=1000)
    assert surface.names == frozenset()
    assert surface.files_parsed == 0
