"""Every chat platform folder has a README for users and fixtures, each used by a test."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CHAT_DIR = HERE.parents[2] / "src" / "opsroom" / "chat"
PLATFORMS = [p for p in CHAT_DIR.iterdir() if p.is_dir() and (p / "inbound.py").exists()]


def test_every_platform_folder_has_a_readme_and_fixtures() -> None:
    assert PLATFORMS, "no chat platform folders found"
    for folder in PLATFORMS:
        assert (folder / "README.md").is_file(), f"{folder.name} has no README.md"
        assert any((folder / "fixtures").glob("*")), f"{folder.name} has no fixtures"


def test_every_platform_fixture_is_used_by_a_test() -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_*.py"))
    unused = [
        f"{path.parent.parent.name}/{path.name}"
        for folder in PLATFORMS
        for path in (folder / "fixtures").glob("*")
        if f'"{path.name}"' not in tests
    ]
    assert unused == []
