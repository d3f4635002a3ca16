"""The README's promises: its column table matches schema.py, its commands exist in the Makefile."""

from pathlib import Path

from distilabel_qabias.schema import COLUMNS, columns_markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_readme_column_table_is_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert columns_markdown_table() in readme
    for column in COLUMNS:
        assert f"`{column.name}`" in readme


def test_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}:" in makefile


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
