"""Edits: composing edits made on a rewritten text back onto the original keeps offsets exact."""

from hypothesis import given, settings
from hypothesis import strategies as st

from distilabel_qabias.text.artifacts import scrub_text
from distilabel_qabias.text.artifacts.edits import Artifact, apply_artifacts, compose


@st.composite
def text_and_edits(draw, text=None):
    text = draw(st.text(alphabet="abcdef", max_size=14)) if text is None else text
    points = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    edits, i = [], 0
    while i + 1 < len(points):
        start, end = points[i], points[i + 1] if draw(st.booleans()) else points[i]
        edits.append(Artifact(start, end, draw(st.sampled_from(["x", "y"])), draw(st.text(alphabet="XYZ", max_size=3))))
        i += draw(st.sampled_from([1, 2]))
    return text, [e for e in edits if e.start < e.end or e.replacement]


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_composed_edits_equal_applying_both(data):
    original, first = data.draw(text_and_edits())
    rewritten = apply_artifacts(original, first)
    _, second = data.draw(text_and_edits(rewritten))
    composed = compose(first, rewritten, second)
    assert apply_artifacts(original, composed) == apply_artifacts(rewritten, second)
    assert all(0 <= a.start <= a.end <= len(original) for a in composed)
    assert all(a.end <= b.start for a, b in zip(composed, composed[1:]))


def test_a_container_absorbs_the_mojibake_decoded_inside_it(wiki_docs):
    text = wiki_docs[0].text
    dirty = text + "<script>var s = 'cafÃ©';</script>"
    result = scrub_text(dirty)
    assert result.text == text
    assert [(a.start, a.end, a.type) for a in result.artifacts] == [(len(text), len(dirty), "html_block")]
