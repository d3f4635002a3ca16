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


def test_readme_quickstart_runs_and_tags_real_behaviour(tmp_path, monkeypatch):
    """Execute the README's quick-start pipeline as a user would and check what it promises."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- quickstart:start -->")[1].split("<!-- quickstart:end -->")[0]
    code = block.split("```python")[1].split("```")[0]
    monkeypatch.setenv("DISTILABEL_CACHE_DIR", str(tmp_path / "cache"))
    namespace: dict = {"__name__": "readme_quickstart"}
    exec(compile(code, "README.md:quickstart", "exec"), namespace)
    distiset = namespace["pipeline"].run(use_cache=False)
    rows = distiset["default"]["train"].to_list()

    assert [r["question"] for r in rows] == [r["question"] for r in namespace["rows"]]
    built, constructed, tall, peru = rows
    assert built["qabias_grounded"] and tall["qabias_grounded"]
    assert built["qabias_evidence_sentence"] == 2 and tall["qabias_evidence_sentence"] == 3
    assert peru["qabias_grounded"] is False and peru["qabias_keep"] is False
    # the two construction questions converge: one is kept, the other points at it
    assert built["qabias_cluster_id"] == constructed["qabias_cluster_id"]
    kept = [r for r in (built, constructed) if r["keep_row_after_convergence_filtering"]]
    assert len(kept) == 1
    assert tall["qabias_duplicate_of"] is None
