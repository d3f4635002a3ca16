"""Reading INPUT and writing OUTPUT: every format round-trips real rows in order; user mistakes are InputErrors."""

import json

import numpy as np
import pytest

from distilabel_qabias.io import InputError, is_local_path, load_rows, write_rows
from distilabel_qabias.text.segment import split_sentences


@pytest.fixture(scope="module")
def qa_rows(wiki_docs):
    """One row per document: the document, a question built from its second sentence, that sentence as answer."""
    rows = []
    for i, doc in enumerate(wiki_docs[:40]):
        sentences = split_sentences(doc.text)
        answer = sentences[min(1, len(sentences) - 1)]
        rows.append({
            "id": i,
            "document": doc.text,
            "question": f"What does the article on {doc.title} say about {answer.text.split()[0]}?",
            "answer": answer.text,
            "score": round(0.5 + i / 100, 2),
            "qabias_artifacts": [{"field": "answer", "type": "markup", "start": answer.start, "end": answer.end,
                                  "removed": False}] if i % 3 == 0 else [],
        })
    return rows


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".parquet"])
def test_round_trip_keeps_rows_order_and_nested_columns(tmp_path, qa_rows, suffix):
    path = write_rows(qa_rows, tmp_path / f"rows{suffix}")
    back = load_rows(str(path))
    assert [r["id"] for r in back] == list(range(len(qa_rows)))
    for original, loaded in zip(qa_rows, back):
        assert loaded["document"] == original["document"]
        assert loaded["answer"] == original["answer"]
        assert loaded["qabias_artifacts"] == original["qabias_artifacts"]


def test_csv_round_trip_writes_nested_values_as_json(tmp_path, qa_rows):
    path = write_rows(qa_rows, tmp_path / "rows.csv")
    back = load_rows(str(path))
    assert [r["question"] for r in back] == [r["question"] for r in qa_rows]
    assert [r["document"] for r in back] == [r["document"] for r in qa_rows]
    assert [json.loads(r["qabias_artifacts"]) for r in back] == [r["qabias_artifacts"] for r in qa_rows]


def test_numpy_values_are_written_as_plain_numbers(tmp_path):
    rows = [{"question": "Q?", "score": np.float32(0.25), "ids": np.array([1, 2])}]
    for suffix in (".jsonl", ".parquet"):
        back = load_rows(str(write_rows(rows, tmp_path / f"np{suffix}")))
        assert back[0]["score"] == pytest.approx(0.25) and back[0]["ids"] == [1, 2]


def test_json_object_holding_one_list_of_rows(tmp_path, qa_rows):
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"version": 1, "data": qa_rows[:5]}))
    assert [r["id"] for r in load_rows(str(path))] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("notes.txt", b"hello", "unknown file type '.txt'"),
        ("empty.jsonl", b"", "empty"),
        ("broken.jsonl", b'{"a": 1}\n{"a": 2}\n{"a": \n', "line 3 is not valid JSON"),
        ("scalars.json", b"[1, 2, 3]", "expected a JSON object"),
        ("nothing.json", b"[]", "no rows"),
        ("latin1.jsonl", '{"a": "café"}'.encode("latin-1"), "not UTF-8"),
        ("garbage.parquet", b"PAR1 this is not parquet at all", "cannot read it as parquet"),
    ],
)
def test_unreadable_inputs_raise_input_error_naming_the_problem(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected):
        load_rows(str(path))


def test_missing_local_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_rows(str(tmp_path / "missing.parquet"))


def test_local_paths_and_hub_ids_are_told_apart(tmp_path):
    assert not is_local_path("someone/squad-like")
    assert not is_local_path("squad_v2")
    assert is_local_path("questions.jsonl")
    assert is_local_path("./someone/squad-like")
    assert is_local_path("a/b/c")
    (tmp_path / "plain").write_text("x")
    assert is_local_path(str(tmp_path / "plain"))


def test_write_errors_leave_the_previous_output_intact(tmp_path, qa_rows):
    target = write_rows(qa_rows[:3], tmp_path / "out.jsonl")
    before = target.read_bytes()
    with pytest.raises(TypeError):
        write_rows([{"question": "Q?", "bad": object()}], target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temp file left behind
    with pytest.raises(InputError, match="does not exist"):
        write_rows(qa_rows, tmp_path / "no" / "such" / "dir.jsonl")
    with pytest.raises(InputError, match="unknown output type"):
        write_rows(qa_rows, tmp_path / "out.xlsx")
