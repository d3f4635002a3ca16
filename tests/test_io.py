"""Reading INPUT and writing OUTPUT: every format round-trips real rows in order, values come out as they went
in, and user mistakes are one-line InputErrors/OutputErrors raised before any work."""

import datetime as dt
import json
import os
import signal
import stat

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distilabel_qabias.errors import InputError, OutputError
from distilabel_qabias.io import (
    check_output_path,
    check_report_folder,
    check_rows_fit,
    is_local_path,
    load_rows,
    write_rows,
)
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
    with pytest.raises(OutputError, match="row 0: cannot write a object value to JSON"):
        write_rows([{"question": "Q?", "bad": object()}], target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temp file left behind
    with pytest.raises(OutputError, match="does not exist"):
        write_rows(qa_rows, tmp_path / "no" / "such" / "dir.jsonl")
    with pytest.raises(OutputError, match="unknown output type"):
        write_rows(qa_rows, tmp_path / "out.xlsx")


# --- values come out as they went in ----------------------------------------------------------------


def test_csv_cells_are_read_as_the_strings_they_are(tmp_path, qa_rows):
    path = tmp_path / "typed.csv"
    path.write_text('id,question,answer,note,empty\n001,"When was it built?",1889,NA,\n'
                    '002,"Who, in 1889?",None,null,""\n', encoding="utf-8")
    rows = load_rows(str(path))
    assert rows == [
        {"id": "001", "question": "When was it built?", "answer": "1889", "note": "NA", "empty": ""},
        {"id": "002", "question": "Who, in 1889?", "answer": "None", "note": "null", "empty": ""},
    ]
    # and they come out exactly as they went in, in every format
    for suffix in (".csv", ".jsonl", ".json", ".parquet"):
        assert load_rows(str(write_rows(rows, tmp_path / f"again{suffix}"))) == rows, suffix
    assert (tmp_path / "again.csv").read_text(encoding="utf-8").splitlines()[1] == "001,When was it built?,1889,NA,"
    # real documents with commas, quotes and newlines survive a CSV round trip unchanged
    documents = [{"id": str(r["id"]), "document": r["document"] + '\n"quoted", and more'} for r in qa_rows]
    assert load_rows(str(write_rows(documents, tmp_path / "docs.csv"))) == documents


def test_jsonl_lines_split_on_newline_only_and_a_bom_is_accepted(tmp_path, qa_rows):
    rows = [{"id": 0, "question": "Line\u2028separator?", "answer": "para\u2029graph next\u0085line"},
            *({"id": r["id"], "question": r["question"]} for r in qa_rows[1:4])]
    own = write_rows(rows, tmp_path / "own.jsonl")
    assert "\u2028" in own.read_text(encoding="utf-8")  # written as is (ensure_ascii=False)
    assert load_rows(str(own)) == rows  # qabias reads its own output
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + own.read_bytes().replace(b"\n", b"\r\n"))
    assert load_rows(str(bom)) == rows
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(rows).encode())
    assert load_rows(str(tmp_path / "bom.json")) == rows
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfid,question\n1,Q?\n")
    assert load_rows(str(tmp_path / "bom.csv")) == [{"id": "1", "question": "Q?"}]


def test_unencodable_text_round_trips_through_json_and_is_refused_for_parquet_before_the_work(tmp_path):
    rows = [{"id": 0, "question": "Broken \ud800 text?", "tags": ["ok", "\udfff"]}, {"id": 1, "question": "Fine?"}]
    for suffix in (".jsonl", ".json"):
        path = write_rows(rows, tmp_path / f"surrogates{suffix}")
        assert load_rows(str(path)) == rows  # the \\ud800 escape reads back as the same string
    check_rows_fit(rows, "json", where="out.jsonl")
    with pytest.raises(OutputError, match=r"out.parquet: row 0, column 'question' holds text that is not valid Unicode"):
        check_rows_fit(rows, "parquet", where="out.parquet")
    check_rows_fit(rows, "parquet", where="out.parquet", skip=["question", "tags"])  # steps set those aside


def test_a_parquet_timestamp_column_is_written_to_jsonl_and_csv(tmp_path):
    stamps = [dt.datetime(2024, 5, 1, 12, 30), dt.datetime(2025, 1, 2, 3, 4, 5)]
    pq.write_table(pa.table({"id": [1, 2], "created": stamps, "day": [s.date() for s in stamps],
                             "blob": [b"raw bytes", b"\xff\x00"]}), tmp_path / "stamps.parquet")
    rows = load_rows(str(tmp_path / "stamps.parquet"))
    assert rows[0]["created"] == stamps[0]
    back = load_rows(str(write_rows(rows, tmp_path / "stamps.jsonl")))
    assert [r["created"] for r in back] == ["2024-05-01T12:30:00", "2025-01-02T03:04:05"]
    assert [r["day"] for r in back] == ["2024-05-01", "2025-01-02"]
    assert [r["blob"] for r in back] == ["raw bytes", "base64:/wA="]
    assert load_rows(str(write_rows(rows, tmp_path / "stamps.csv")))[1]["created"] == "2025-01-02T03:04:05"
    assert load_rows(str(write_rows(rows, tmp_path / "again.parquet"))) == rows


def test_a_column_mixing_str_and_int_is_refused_for_parquet_before_the_work(tmp_path):
    rows = [{"id": "a-1", "question": "Q?"}, {"id": 2, "question": "R?"}]
    with pytest.raises(OutputError, match=r"out.parquet: column 'id' holds int and str values, which parquet cannot"):
        check_rows_fit(rows, "parquet", where="out.parquet")
    check_rows_fit(rows, "csv", where="out.csv")
    assert load_rows(str(write_rows(rows, tmp_path / "mixed.jsonl"))) == rows  # JSON holds it as it is


# --- one clear line for every unreadable input --------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("header.csv", b"question,answer\n", "the CSV has a header (question, answer) but no rows"),
        ("latin1.csv", "question\ncaf\xe9?\n".encode("latin-1"), "not UTF-8 text (invalid continuation byte at byte 12)"),
        ("ragged.csv", b"a,b\n1,2,3\n", "line 2 has 3 cells but the header has 2 columns"),
        ("twice.csv", b"a,a\n1,2\n", "names column(s) 'a' more than once"),
        ("deep.jsonl", b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", "line 1 is nested too deeply to read"),
        ("deep.json", b'[{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}]", "nested too deeply to read"),
        ("nested.jsonl", b'{"q": "ok"}\n{"a": ' + b"[" * 150 + b"]" * 150 + b"}\n",
         "line 2, column 'a' is nested more than 100 levels deep"),
    ],
)
def test_more_unreadable_inputs_are_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_rows(str(path))


def test_zero_row_parquet_and_a_directory_named_like_a_file(tmp_path):
    pq.write_table(pa.table({"question": pa.array([], pa.string()), "answer": pa.array([], pa.string())}),
                   tmp_path / "none.parquet")
    with pytest.raises(InputError, match=r"the parquet file has columns \(question, answer\) but no rows"):
        load_rows(str(tmp_path / "none.parquet"))
    (tmp_path / "x.jsonl").mkdir()
    with pytest.raises(InputError, match="x.jsonl: is a directory, not a jsonl file"):
        load_rows(str(tmp_path / "x.jsonl"))


# --- the output location, checked before the work ---------------------------------------------------


def test_output_location_mistakes_are_found_before_the_work(tmp_path):
    source = write_rows([{"question": "Q?"}], tmp_path / "in.jsonl")
    (tmp_path / "folder.jsonl").mkdir()
    (tmp_path / "afile").write_text("x")
    (tmp_path / "report.txt").write_text("x")
    cases = [
        (tmp_path / "folder.jsonl", "folder.jsonl: is a directory"),
        (tmp_path / "afile" / "out.jsonl", "afile is a file, not a folder"),
        (tmp_path / "missing" / "out.jsonl", "the folder .* does not exist"),
        (source, "in.jsonl: is the input file; write elsewhere or pass --overwrite"),
        (tmp_path / "out.txt", "unknown output type '.txt'"),
    ]
    for path, message in cases:
        with pytest.raises(OutputError, match=message):
            check_output_path(path, inputs=[source])
    assert check_output_path(source, inputs=[source], overwrite=True) == source
    link = tmp_path / "link.jsonl"
    link.symlink_to(source)
    with pytest.raises(OutputError, match="is the input file"):  # through a symlink too
        check_output_path(link, inputs=[source])
    with pytest.raises(OutputError, match="--report .*report.txt: is a file; the report needs a folder"):
        check_report_folder(tmp_path / "report.txt")
    assert check_report_folder(tmp_path / "new" / "report").is_dir()  # created now, before the work


def test_a_read_only_folder_is_found_before_the_work(tmp_path, monkeypatch):
    """As root, permissions do not stop writes; a read-only mount is simulated where the probe file is made."""
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError, match=r"cannot write in .* \(Read-only file system\)"):
        check_output_path(tmp_path / "out.jsonl")


def test_written_files_respect_the_umask_and_an_existing_files_mode(tmp_path):
    rows = [{"question": "Q?"}]
    previous = os.umask(0o027)
    try:
        fresh = write_rows(rows, tmp_path / "fresh.jsonl")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
        existing = tmp_path / "shared.parquet"
        existing.write_text("old")
        existing.chmod(0o664)
        write_rows(rows, existing)
        assert stat.S_IMODE(existing.stat().st_mode) == 0o664 and load_rows(str(existing)) == rows
    finally:
        os.umask(previous)


def test_a_symlink_output_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "data" / "real.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "out.jsonl"
    link.symlink_to(target)
    write_rows([{"question": "Q?"}], link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_rows(str(target)) == [{"question": "Q?"}]
    assert sorted(p.name for p in target.parent.iterdir()) == ["real.jsonl"]  # no temp file left


def test_disk_full_is_one_line(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    link = tmp_path / "full.jsonl"
    link.symlink_to("/dev/full")  # a device: written directly, every write fails with ENOSPC
    assert check_output_path(link) == link.resolve()
    with pytest.raises(OutputError, match=r"full.jsonl: cannot write it \(disk full\): No space left on device"):
        write_rows([{"question": "Q?" * 10_000}] * 100, link)


def test_sigterm_during_the_write_removes_the_temp_file(tmp_path):
    """The CLI turns SIGTERM into an exception (as Ctrl-C is one); the writer's cleanup then runs."""
    from distilabel_qabias.cli_errors import Terminated, on_sigterm_raise

    class SendsSigterm:
        def tolist(self):  # serialised mid-write: the signal arrives while the temp file is open
            os.kill(os.getpid(), signal.SIGTERM)
            return 1

    target = write_rows([{"question": "old"}], tmp_path / "out.jsonl")
    previous = on_sigterm_raise()
    try:
        with pytest.raises(Terminated):
            write_rows([{"question": "Q?"}] * 1000 + [{"question": "Q?", "value": SendsSigterm()}], target)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    assert load_rows(str(target)) == [{"question": "old"}]
