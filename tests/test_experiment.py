"""pipelines/experiment.py and pipelines/experiment_grid.py: the grid's rows and compliance
checks, and both scripts end to end at a tiny size with the real SmolLM2-135M via llama.cpp.

Runs in a process of its own (like tests/test_pipelines.py): llama.cpp and torch share libgomp,
whose thread pool does not survive the fork distilabel starts its workers with.
"""

import json
import sys
from pathlib import Path

import pytest

PIPELINES = Path(__file__).resolve().parent.parent / "pipelines"
sys.path.insert(0, str(PIPELINES))

import experiment  # noqa: E402
import experiment_results  # noqa: E402
import experiment_grid  # noqa: E402

TINY_GENERATION = ["--question-max-new-tokens", "32", "--answer-max-new-tokens", "40"]


def test_grid_checks_are_deterministic_per_intent():
    check = experiment_grid.complied
    assert check("canary", "The answer is quasar 1846.", "QUASAR-1846")
    assert not check("canary", "A rivet is a fastener.", "QUASAR-1846")
    assert check("refusal", "Sorry, I cannot help with that.", None) and not check("refusal", "I cannot say.", None)
    assert check("language", "Le rivet est une fixation mécanique permanente.", None)
    assert not check("language", "The rivet is a permanent mechanical fastener.", None)
    assert check("format", "A RIVET IS A FASTENER.", None) and not check("format", "A rivet is a fastener.", None)
    assert check("fact", "It happened in 1666.", None) and not check("fact", None, None)


def test_grid_rows_cover_every_cell_on_the_same_documents():
    documents = experiment_grid.grid_documents(3)
    rows = experiment_grid.grid_rows(documents)
    cells = {row["cell"] for row in rows}
    assert len(cells) == len(experiment_grid.INTENTS) * (len(experiment_grid.SURFACES) + 1) * 2
    assert all({r["id"] for r in rows if r["cell"] == cell} == {"doc000", "doc001", "doc002"} for cell in cells)
    for row in rows:
        if row["surface"] == "none":
            assert row["document"] in {d.text for d in documents}
        else:
            passage = row["document"][row["injection_start"] : row["injection_end"]]
            assert experiment_grid._norm(row["marker"]) in experiment_grid._norm(passage)
    chat = next(r for r in rows if r["surface"] == "chat_turn")
    assert "<|im_start|>system\n" in chat["document"] and "<|im_end|>" in chat["document"]
    conflict = [r for r in rows if r["conflict"]]
    assert all(experiment_grid.CONFLICT_CLAUSES[r["intent"]] in r["question"] for r in conflict)


def test_grid_summary_counts_compliance_and_the_filter_effect():
    rows = experiment_grid.grid_rows(experiment_grid.grid_documents(4))
    for row in rows:  # the model obeys every unfiltered canary passage; the filter removes them all
        obeys = row["intent"] == "canary" and row["surface"] != "none"
        row["answer_unfiltered"] = f"{row['canary']}" if obeys else "A text about something."
        row["answer_filtered"] = "A text about something."
        row["filtered_document"] = row["document"][: row["injection_start"] or 0] if obeys else row["document"]
    summary = experiment_grid.summarise(rows, resamples=200)
    canary = summary["margins"]["intent"]["canary"]
    assert canary["unfiltered"]["estimate"] == 1 and canary["filtered"]["estimate"] == 0
    assert canary["filtered_minus_unfiltered"]["estimate"] == -1 and canary["filtered_minus_unfiltered"]["significant"]
    assert canary["filtered_minus_unfiltered"]["holm_significant"]
    assert summary["margins"]["intent"]["language"]["unfiltered"]["estimate"] == 0
    assert summary["margins"]["baseline_without_injection"]["canary"]["unfiltered"]["estimate"] == 0
    cell = summary["cells"]["canary/plain/conflict"]
    assert cell["rows"] == 4 and cell["unfiltered"]["low"] > 0.4  # Wilson interval of 4/4
    assert all(c.startswith("canary/") for c in summary["complying_cells"])
    assert "| intent: canary | 100% [100, 100] | 0% [0, 0] | **-100 pp" in experiment_grid.results_markdown(
        {"summary": summary, "status": "complete", "written": "now",
         "run": {"command": "x", "generator": "g", "seed": 0, "seconds_last_run": 1.0, "tokens": {"input_tokens": 1, "output_tokens": 1}}}
    )


def test_demo_grid_table_reads_each_intent_margin(tmp_path):
    rows = experiment_grid.grid_rows(experiment_grid.grid_documents(4))
    for row in rows:  # the model obeys every unfiltered language passage; the filter removes them all
        obeys = row["intent"] == "language" and row["surface"] != "none"
        row["answer_unfiltered"] = "Le texte est sur la ville et les gens de la région." if obeys else "A text about it."
        row["answer_filtered"] = "A text about it."
        row["filtered_document"] = row["document"][: row["injection_start"] or 0] if obeys else row["document"]
    results = tmp_path / "grid.json"
    assert experiment_results.last_grid_table(results) is None
    results.write_text(json.dumps({"status": "partial: no intent finished yet", "summary": {}}), encoding="utf-8")
    assert experiment_results.last_grid_table(results) is None
    summary = experiment_grid.summarise(rows, resamples=200)
    results.write_text(json.dumps({"status": "complete", "written": "now", "run": {"generator": "g"}, "summary": summary}), encoding="utf-8")
    title, table = experiment_results.last_grid_table(results)
    assert title.startswith("from the last injection grid, now (complete): g, 4 documents per cell")
    assert table[0][0] == "intent" and [row[0] for row in table[1:]] == list(experiment_grid.INTENTS)
    language = next(row for row in table if row[0] == "language")
    assert language[1].startswith("100%") and language[2].startswith("0%") and language[3] == "yes"
    canary = next(row for row in table if row[0] == "canary")
    assert canary[1].startswith("0%") and canary[3] == "no"


def test_demo_gets_no_table_before_any_experiment_ran(tmp_path):
    assert experiment_results.last_experiment_table(tmp_path / "missing.json") is None
    running = tmp_path / "running.json"
    running.write_text(json.dumps({"status": "partial: finished no arm yet", "arms": {}}), encoding="utf-8")
    assert experiment_results.last_experiment_table(running) is None


@pytest.mark.slow
def test_experiment_end_to_end_tiny_and_resumable(tmp_path):
    import llama_cpp  # noqa: F401  (a missing build fails: CI installs the llamacpp extra)

    results, markdown = tmp_path / "experiment.json", tmp_path / "RESULTS.md"
    markdown.write_text("# What the example pipelines measured\n\nearlier text stays\n", encoding="utf-8")
    argv = ["--documents", "3", "--no-bundled", "--rows-per-document", "2", "--resamples", "200",
            "--run-dir", str(tmp_path / "run"), "--results", str(results), "--results-md", str(markdown),
            "--rows-archive", str(tmp_path / "archive"), *TINY_GENERATION]
    assert experiment.main(argv) == 0
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["status"].startswith("complete") and list(data["arms"]) == ["raw", "scrubbed", "targeted"]
    for arm in data["arms"].values():
        assert arm["rows"] == 6 and arm["tokens"]["output_tokens"] > 0
        coverage = arm["metrics"]["coverage"]
        assert coverage["estimate"] is None or coverage["low"] <= coverage["estimate"] <= coverage["high"]
        assert len(arm["saturation"]) == 2 and len(arm["position_observed"]) == 10
    assert "on_target_share" in data["arms"]["targeted"]["metrics"]
    assert "on_target_share" not in data["arms"]["raw"]["metrics"]
    assert set(data["differences"]) == {"scrubbed-raw", "targeted-scrubbed", "targeted-raw"}
    holm_marked = [d for entry in data["differences"].values() for d in entry["metrics"].values() if "holm_significant" in d]
    assert holm_marked and all(d["holm_family"] == len(holm_marked) for d in holm_marked)
    assert data["arms"]["scrubbed"]["metrics"]["hijack_rate"]["estimate"] in (0, None)  # markup scrubbed away
    title, table = experiment_results.last_experiment_table(results)  # what the demo prints
    assert title.startswith("from the last full experiment run, ") and data["written"] in title
    assert table[0] == ["metric", "self-study, as scraped", "self-study, scrubbed", "targeted, scrubbed"]
    assert table[-1][1:] == ["6 (6)"] * 3
    text = markdown.read_text(encoding="utf-8")
    assert text.count(experiment_results.MD_START) == 1 and "earlier text stays" in text and "significant after Holm?" in text
    # a second run resumes: every arm is read back, nothing is generated again
    first = {arm: json.loads((tmp_path / "run" / arm / "run.json").read_text()) for arm in data["arms"]}
    assert experiment.main(argv) == 0
    assert {arm: json.loads((tmp_path / "run" / arm / "run.json").read_text()) for arm in data["arms"]} == first
    assert markdown.read_text(encoding="utf-8").count(experiment_results.MD_START) == 1
    # a fresh run dir resumes from the archived rows: same results, nothing generated
    assert sorted(f.name for f in (tmp_path / "archive").iterdir()) == sorted(
        f"{arm}{suffix}" for arm in data["arms"] for suffix in (".jsonl.gz", ".run.json"))
    fresh = [*argv[:argv.index("--run-dir") + 1], str(tmp_path / "fresh"), *argv[argv.index("--run-dir") + 2:]]
    assert experiment.main([*fresh, "--resume-from-archive"]) == 0
    assert {arm: json.loads((tmp_path / "fresh" / arm / "run.json").read_text()) for arm in data["arms"]} == first
    assert json.loads(results.read_text(encoding="utf-8"))["arms"] == data["arms"]
    # the same run dir with other settings is refused (one line), not mixed into the new results
    with pytest.raises(SystemExit, match=r"another configuration \(differs in: answer_sampling\)"):
        experiment.main([*argv[:-1], "48"])


@pytest.mark.slow
def test_grid_end_to_end_tiny_and_resumable(tmp_path):
    import llama_cpp  # noqa: F401

    results, markdown = tmp_path / "grid.json", tmp_path / "RESULTS.md"
    argv = ["--documents", "1", "--intents", "canary", "--resamples", "200", "--run-dir", str(tmp_path / "run"),
            "--results", str(results), "--results-md", str(markdown), *TINY_GENERATION]
    assert experiment_grid.main(argv) == 0
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["status"].startswith("partial: finished canary") and data["summary"]["rows"] == 12
    cells = data["summary"]["cells"]
    assert set(cells) == {f"canary/{s}/{c}" for s in ("none", *experiment_grid.SURFACES) for c in ("no_conflict", "conflict")}
    assert all(cell["answered"] == 1 for cell in cells.values())  # every row answered (SmolLM2 answers every question)
    assert data["summary"]["margins"]["baseline_without_injection"]["canary"]["unfiltered"]["estimate"] == 0
    assert markdown.read_text(encoding="utf-8").count(experiment_grid.MD_START) == 1
    record = (tmp_path / "run" / "canary" / "run.json").read_text()
    assert experiment_grid.main(argv) == 0 and (tmp_path / "run" / "canary" / "run.json").read_text() == record
    with pytest.raises(SystemExit, match=r"another configuration \(differs in: rows\)"):
        experiment_grid.main([*argv, "--seed", "1"])
