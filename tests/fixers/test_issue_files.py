from fixers.issue_files import files_for_issue

TREE = [
    "README.md",
    "src/geo/__init__.py",
    "src/geo/area.py",
    "src/geo/io/__init__.py",
    "tests/test_area.py",
]


def test_a_dotted_scope_name_finds_its_module_under_src():
    assert files_for_issue(["geo.area.circle"], "", "", TREE) == ["src/geo/area.py"]
    assert files_for_issue(["geo.io.read"], "", "", TREE) == ["src/geo/io/__init__.py"]


def test_a_path_matches_whole_or_by_its_unique_end():
    assert files_for_issue(["geo/area.py"], "", "", TREE) == ["src/geo/area.py"]
    assert files_for_issue(["./README.md"], "", "", TREE) == ["README.md"]
    assert files_for_issue(["__init__.py"], "", "", TREE) == []  # ambiguous: not guessed


def test_scope_first_then_the_files_the_text_names_without_repeats():
    files = files_for_issue(["geo.area"], "area.py is wrong", "see tests/test_area.py", TREE)
    assert files == ["src/geo/area.py", "tests/test_area.py"]


def test_nothing_known_gives_nothing_and_the_limit_holds():
    assert files_for_issue(["numpy.linalg"], "crash", "", TREE) == []
    many = [f"m{i}.py" for i in range(9)]
    assert len(files_for_issue([f"m{i}" for i in range(9)], "", "", many)) == 5
