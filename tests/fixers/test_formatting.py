from fixers.formatting import Formatter, changed_ranges, declared_formatter


def test_a_project_without_a_formatter_declares_none():
    assert declared_formatter('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n') is None
    assert declared_formatter(None, None, None) is None
    assert declared_formatter("not [ toml") is None


def test_ruff_format_sections_and_hooks_declare_ruff():
    assert declared_formatter("[tool.ruff.format]\nquote-style = 'single'\n").kind == "ruff"
    assert declared_formatter(None, "[format]\nindent-style = 'tab'\n").kind == "ruff"
    hooks = "repos:\n  - repo: r\n    hooks:\n      - id: ruff-format\n"
    assert declared_formatter(None, None, hooks).kind == "ruff"
    assert Formatter(kind="ruff").ruff_options() == []  # ruff reads the project's own settings


def test_black_settings_are_translated_for_ruff_format():
    black = declared_formatter("[tool.black]\nline-length = 79\nskip-string-normalization = true\n")
    assert black == Formatter(kind="black", line_length=79, preserve_quotes=True)
    assert black.ruff_options() == [
        "--line-length",
        "79",
        "--config",
        "format.quote-style='preserve'",
    ]
    assert declared_formatter("[tool.black]\n").ruff_options() == []


def test_changed_ranges_are_the_new_lines_last_first():
    before = "a\nb\nc\nd\ne\n"
    after = "a\nB\nc\nd\nE\nF\n"
    assert changed_ranges(before, after) == [(5, 6), (2, 2)]
    assert changed_ranges(before, before) == []
    assert changed_ranges("a\nb\n", "a\n") == []  # a deletion leaves no line to format
