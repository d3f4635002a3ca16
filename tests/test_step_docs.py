"""distilabel parses step docstrings into its docs and dataset cards: every public step must parse fully."""

import pytest
from distilabel.utils.docstring import parse_google_docstring

import distilabel_qabias

STEPS = [name for name in distilabel_qabias.__all__ if name != "__version__"]


@pytest.mark.parametrize("name", STEPS)
def test_step_docstring_has_the_sections_distilabel_parses(name):
    step = getattr(distilabel_qabias, name)
    sections = parse_google_docstring(step)
    assert sections["short_description"]
    assert sections["attributes"], "Attributes"
    assert sections["runtime_parameters"], "Runtime parameters"
    assert sections["input_columns"], "Input columns"
    assert sections["output_columns"], "Output columns"
    assert sections["examples"], "Examples"
    # every declared runtime parameter is documented
    for parameter in step.model_fields:
        field = step.model_fields[parameter]
        if "RuntimeParameter" in str(field.annotation):
            assert parameter in sections["runtime_parameters"], parameter
