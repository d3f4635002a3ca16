"""Quoted evidence: found near-verbatim in short and long documents, fabricated quotes score low."""

from distilabel_qabias.coverage import quotes
from distilabel_qabias.coverage.index import DocumentIndex
from distilabel_qabias.coverage.quotes import locate_quote, quote_text


def test_quote_text_accepts_a_string_or_a_list_of_strings():
    assert quote_text("a quote") == "a quote"
    assert quote_text(["first part", "second part"]) == "first part second part"
    assert quote_text([1, "x"]) is None and quote_text(None) is None and quote_text([]) is None


def test_quotes_are_found_in_short_and_long_documents(wiki_docs):
    short = wiki_docs[5].text
    sentence = short[short.index(" ") + 1 : short.index(" ") + 80]
    score, start, end = locate_quote(f"“{sentence.upper()}”", DocumentIndex.build(short), 70.0)
    assert score == 100 and short[start:end] == sentence.strip()
    long_document = "\n\n".join(d.text for d in wiki_docs[:80])
    assert len(long_document) > quotes.WHOLE_DOCUMENT_QUOTE_SEARCH
    index = DocumentIndex.build(long_document)
    target = wiki_docs[60].text
    offset = long_document.index(target)
    quote = target[: 2 * quotes.QUOTE_CHARS]  # long: located by both ends
    score, start, end = locate_quote(quote, index, 70.0)
    assert score == 100 and (start, end) == (offset, offset + len(quote.rstrip()))
    made_up = "Zebras migrate across the Serengeti every spring, followed by lions and hyenas."
    assert locate_quote(made_up, index, 70.0)[0] < 70
