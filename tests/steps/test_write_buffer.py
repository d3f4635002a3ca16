"""distilabel 1.5.3 kills a run at its end when a leaf step's column is None in its first 50 rows and
holds a value later; importing a qabias Step widens the writer's kept schema instead."""

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, sys
    if sys.argv[2] == "with-qabias":
        import distilabel_qabias.steps.base  # noqa: F401  (every qabias Step imports it)
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts, StepInput, step

    @step(inputs=["text"], outputs=["note"])
    def LateNote(inputs: StepInput):
        for row in inputs:
            row["note"] = None if row["i"] < 60 else f"late {row['i']}"  # None in the first 50 rows written
        yield inputs

    if __name__ == "__main__":
        with Pipeline(name="late-note", cache_dir=sys.argv[1]) as pipeline:
            rows = LoadDataFromDicts(data=[{"i": i, "text": f"row {i}"} for i in range(120)], batch_size=20)
            rows >> LateNote(input_batch_size=20)
        distiset = pipeline.run(use_cache=False)
        print("ROWS " + json.dumps(distiset["default"]["train"].to_list()))
    """
)


def run(tmp_path, mode):
    script = tmp_path / "late_note.py"
    script.write_text(SCRIPT, encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(tmp_path / mode), mode],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_a_column_empty_in_the_first_rows_and_filled_later_is_written(tmp_path):
    done = run(tmp_path, "with-qabias")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.split("ROWS ", 1)[1])
    assert [r["i"] for r in rows] == list(range(120))
    assert [r["note"] for r in rows] == [None] * 60 + [f"late {i}" for i in range(60, 120)]


def test_without_the_fix_distilabel_dies_on_the_same_pipeline(tmp_path):
    done = run(tmp_path, "plain-distilabel")
    assert "ROWS " not in done.stdout
    assert "Unsupported cast from string to null" in done.stdout + done.stderr
