"""Document index: sentences, tokens and postings agree, and the cache stays bounded."""

from distilabel_qabias.coverage import index as index_module
from distilabel_qabias.coverage.index import DocumentIndex, clear_caches, index_document


def test_postings_point_at_the_sentences_holding_each_token(wiki_docs):
    built = DocumentIndex.build(wiki_docs[0].text)
    assert len(built.sentences) == len(built.tokens) == len(built.fuzzy) > 1
    for token, sentences in built.postings.items():
        assert sentences == [i for i, tokens in enumerate(built.tokens) if token in tokens]
    rare = min(built.weight, key=lambda t: len(built.postings[t]))
    common = max(built.weight, key=lambda t: len(built.postings[t]))
    assert built.weight[rare] >= built.weight[common]
    shared = built.shared_weight({rare, common}, boosted={rare})
    assert set(shared) == set(built.postings[rare]) | set(built.postings[common])


def test_cache_is_bounded_in_characters(wiki_docs, monkeypatch):
    clear_caches()
    texts = [d.text for d in wiki_docs[:6]]
    monkeypatch.setattr(index_module, "CACHE_MAX_CHARS", sum(map(len, texts[:3])) + 1)
    first = index_document(texts[0])
    assert index_document(texts[0]) is first  # cached
    for text in texts[1:]:
        index_document(text)
    assert index_document(texts[-1]) is index_document(texts[-1])
    assert index_document(texts[0]) is not first  # evicted, rebuilt
    clear_caches()
