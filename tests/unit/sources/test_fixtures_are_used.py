"""Every fixture of every source is exercised by a test in this folder."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES_DIR = HERE.parents[2] / "src" / "opsroom" / "sources"


def test_every_source_fixture_is_referenced_by_a_source_test() -> None:
    tests = "\n".join(
        path.read_text(encoding="utf-8")
        for path in HERE.glob("test_*.py")
        if path.name != Path(__file__).name
    )
    fixtures = sorted(path for path in SOURCES_DIR.glob("*/fixtures/*") if path.is_file())
    assert len(fixtures) >= 7
    unreferenced = [
        f"{path.parent.parent.name}/{path.name}"
        for path in fixtures
        if f"{path.parent.parent.name}/{path.name}" not in tests
    ]
    assert unreferenced == []


def test_every_source_folder_has_fixtures_and_a_readme() -> None:
    folders = [p for p in SOURCES_DIR.iterdir() if p.is_dir() and (p / "source.py").exists()]
    assert len(folders) >= 2
    for folder in folders:
        assert (folder / "README.md").is_file(), f"{folder.name} has no README.md"
        assert any((folder / "fixtures").glob("*")), f"{folder.name} has no fixtures"
