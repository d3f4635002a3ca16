"""Questions about a document's markup rather than its content."""

from distilabel_qabias.text.markup_questions import asks_about_markup


def test_questions_about_markup():
    hijacked = [
        "What does the <div> tag contain?",
        "What is written in bold in the heading?",
        "What is the URL of the link?",
        "Which words are shown in italics?",
        "What does the first bullet point say?",
    ]
    content = [
        "Who founded Rome?",
        "What is the link between smoking and cancer?",
        "What is the price tag of the Model S?",
        "Which table tennis player won gold in 2008?",
        "What does HTML stand for?",
    ]
    assert all(asks_about_markup(q) for q in hijacked)
    assert not any(asks_about_markup(q) for q in content)
    assert not asks_about_markup(None)
