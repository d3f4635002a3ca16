"""distilabel parses Step docstrings into its docs and dataset cards: every public Step must parse fully.

Owners fix their own docstrings; this test says which Step breaks which convention (BRIEF: sections
Attributes incl. runtime parameters, Runtime parameters, Input/Output columns one per line, Categories,
References citing the paper, Examples).
"""

import inspect

import pytest
from distilabel.utils.docstring import parse_google_docstring

import distilabel_qabias
from distilabel_qabias import schema

STEPS = [name for name in distilabel_qabias.__all__ if name != "__version__"]
PAPER = "2606.32002"
# the categories distilabel's components gallery knows (distilabel.utils.mkdocs.components_gallery)
DISTILABEL_CATEGORIES = {
    "chat-generation", "clustering", "columns", "critique", "embedding", "evol", "execution", "filtering",
    "format", "image-generation", "labelling", "load", "preference", "save", "scorer", "text-classification",
    "text-generation", "text-manipulation",
}


def _sections(name):
    return parse_google_docstring(getattr(distilabel_qabias, name))


def _runtime_parameters(step_class):
    return [name for name, field in step_class.model_fields.items() if "RuntimeParameter" in str(field.annotation)]


def _raw_entries(step_class, header):
    """Top-level ``- `` entries of one docstring section, as written (before distilabel's parser)."""
    lines = inspect.cleandoc(step_class.__doc__).splitlines()
    if f"{header}:" not in lines:
        return []
    body = []
    for line in lines[lines.index(f"{header}:") + 1 :]:
        if line and not line.startswith(" "):  # the next section header
            break
        body.append(line)
    indent = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)
    return [line for line in body if line.startswith(" " * indent + "- ")]


@pytest.mark.parametrize("name", STEPS)
def test_docstring_has_every_section_distilabel_parses(name):
    sections = _sections(name)
    for section in ("short_description", "attributes", "input_columns", "output_columns", "categories",
                    "references", "examples"):
        assert sections[section], f"{name}: no {section} section"


@pytest.mark.parametrize("name", STEPS)
@pytest.mark.parametrize("header, key", [("Input columns", "input_columns"), ("Output columns", "output_columns")])
def test_every_documented_column_survives_the_parser(name, header, key):
    step_class = getattr(distilabel_qabias, name)
    written = _raw_entries(step_class, header)
    parsed = _sections(name)[key]
    assert len(parsed) == len(written), (
        f"{name}: distilabel's parser keeps {sorted(parsed)} of {len(written)} '{header}' entries; write each as "
        "'- name (`type`): text' on its own line"
    )


@pytest.mark.parametrize("name", STEPS)
def test_every_input_the_step_reads_is_documented(name):
    step = getattr(distilabel_qabias, name)()
    documented = set(_sections(name)["input_columns"])
    if "dynamic" in documented:
        return
    inputs = step.inputs if isinstance(step.inputs, dict) else dict.fromkeys(step.inputs, True)
    undocumented = [column for column in inputs if column not in documented]
    assert not undocumented, f"{name}: inputs {undocumented} are not under 'Input columns'"


@pytest.mark.parametrize("name", STEPS)
def test_references_cite_the_paper(name):
    references = _sections(name)["references"]
    assert any(PAPER in url for url in references.values()), f"{name}: References must cite arXiv {PAPER}"


@pytest.mark.parametrize("name", STEPS)
def test_citations_are_inline_so_the_dataset_card_fetches_nothing(name):
    """Without a Citations section distilabel's card builder fetches BibTeX for each arXiv reference over the network."""
    citations = _sections(name)["citations"]
    assert any(PAPER in citation and citation.startswith("@misc{") for citation in citations), name


@pytest.mark.parametrize("name", STEPS)
def test_runtime_parameters_are_listed_under_attributes_and_runtime_parameters(name):
    step_class = getattr(distilabel_qabias, name)
    sections = _sections(name)
    for parameter in _runtime_parameters(step_class):
        assert parameter in sections["attributes"], f"{name}: runtime parameter {parameter!r} not under Attributes"
        assert parameter in sections["runtime_parameters"], f"{name}: {parameter!r} not under Runtime parameters"


@pytest.mark.parametrize("name", STEPS)
def test_categories_are_distilabels_and_only_flagging_steps_are_filtering(name):
    sections = _sections(name)
    categories = set(sections["categories"])
    assert categories <= DISTILABEL_CATEGORIES, f"{name}: unknown categories {categories - DISTILABEL_CATEGORIES}"
    flags = any(schema.is_keep_flag(column) for column in sections["output_columns"])
    drops = name == "DropFlaggedRows"
    assert ("filtering" in categories) == (flags or drops), (
        f"{name}: 'filtering' is for Steps that write a keep_row_after_*_filtering flag or drop rows"
    )
