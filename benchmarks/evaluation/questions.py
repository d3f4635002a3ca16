"""A labelled set of generated-looking questions about real Wikipedia articles, for tuning and checking
convergence deduplication (``distilabel_qabias.convergence``).

Each *fact* is one thing a question generator could ask about a real article (what it is, what it is
known for, where its name comes from, when something happened - years taken from the article's own
sentences). A fact is asked in several distinct surface forms, the way diverse seed prompts converge
on one question: reordering ("X was founded in which year?"), synonyms (founded / established),
"Which"/"What", dropped words ("When was X founded?" / "In what year was X founded?"), passive /
active. Some questions are repeated verbatim or with trivial case/punctuation changes (exact repeats).

Hard negatives (*twins*) use the same surface form about a different fact: another article
(preferably on the same topic), or the same article with a different year from its text. Articles
are mentioned the way the article spells them ("jackfruit", not "Jackfruit"), so a common-noun twin
("What is jackfruit?" / "What is a patent?") cannot be told apart by capitalisation.

``split`` is ``"tune"`` or ``"heldout"``: held-out questions come from other articles (30%) *and* use
surface forms never seen in tuning, so a threshold tuned on one part is checked on forms it never saw.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

from distilabel_qabias.convergence.normalize import normalize_question
from evaluation.corpora import WikiDocument, wikipedia_summaries


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    fact_id: str  # questions with the same fact_id ask the same thing
    form_id: str  # kind/template index: twins share it with a different fact_id
    title: str  # the article the fact is about
    document: str
    split: str  # tune | heldout
    twin_of: str | None = None  # set on a hard negative: the fact it must NOT be merged with


HELDOUT_SHARE = 0.3

# Each kind lists surface forms; forms with an odd index are held out (never used for tuning).
# {e} is the article as it is spelled in its text, {v}/{v2} a past participle and its synonym, {y} a year.
_FORMS: dict[str, list[str]] = {
    "definition": [
        "What is {e}?",
        "What does the term {e} refer to?",
        "Can you explain what {e} is?",
        "What exactly is {e}?",
        "Define {e}.",
        "What is meant by {e}?",
        "How would you describe {e}?",
        "{e}: what is it?",
    ],
    "person": [
        "Who was {e}?",
        "Who is {e}?",
        "Can you tell me who {e} was?",
        "What was {e} known as?",
        "Who exactly was {e}?",
        "Tell me who {e} is.",
        "Describe who {e} was.",
        "{e} was who?",
    ],
    "known_for": [
        "What is {e} known for?",
        "What is {e} famous for?",
        "Why is {e} notable?",
        "For what is {e} best known?",
        "What is {e} best known for?",
        "What made {e} famous?",
        "Why is {e} well known?",
        "{e} is known for what?",
    ],
    "name_origin": [
        "Where does the name {e} come from?",
        "What is the origin of the name {e}?",
        "How did {e} get its name?",
        "Where does the term {e} originate from?",
        "What is the etymology of {e}?",
        "Why is it called {e}?",
        "What does the name {e} derive from?",
        "The name {e} comes from where?",
    ],
    "year_of": [
        "When was {e} {v}?",
        "In what year was {e} {v}?",
        "In which year was {e} {v2}?",
        "What year was {e} {v}?",
        "{e} was {v} in which year?",
        "When did {e} get {v}?",
        "Which year was {e} {v2} in?",
        "In what year did {e} get {v2}?",
    ],
    "event_in_year": [
        "What happened to {e} in {y}?",
        "What did {e} do in {y}?",
        "In {y}, what happened to {e}?",
        "What event involving {e} took place in {y}?",
        "What occurred with {e} in {y}?",
        "What was {e} doing in {y}?",
        "Which event concerning {e} happened in {y}?",
        "In {y}, what did {e} do?",
    ],
}

_SYNONYMS = {
    "founded": "established", "established": "founded", "published": "released", "released": "published",
    "built": "constructed", "discovered": "first found", "formed": "created", "created": "formed",
    "launched": "started", "introduced": "first introduced", "completed": "finished", "opened": "inaugurated",
    "named": "given its name", "elected": "voted in", "born": "born",
}
_YEAR_EVENT = re.compile(
    r"\b(?:was|were)\s+(?:first\s+)?(" + "|".join(_SYNONYMS) + r")\b[^.;]{0,40}?\b(1[0-9]{3}|20[0-2][0-9])\b"
)
_YEAR = re.compile(r"\b(1[5-9][0-9]{2}|20[0-2][0-9])\b")


# "Who was X?", "What is X?" and "What is X known for?" all ask for what makes X notable: pairs across
# these kinds count neither as paraphrases nor as wrongly merged. Pairs across families must stay apart.
_FAMILIES = {"definition": "identity", "person": "identity", "known_for": "identity",
             "name_origin": "name", "year_of": "year", "event_in_year": "event"}


def _family(question: "LabelledQuestion") -> str:
    return _FAMILIES[question.form_id.split(":", 1)[0]]


def _split_of(title: str) -> str:
    return "heldout" if zlib.crc32(title.encode()) % 100 < HELDOUT_SHARE * 100 else "tune"


def _mention(doc: WikiDocument) -> str:
    """The article as its text spells it: "jackfruit" when the text never capitalises it mid-sentence."""
    title = re.sub(r"\s*\(.*\)$", "", doc.title).strip()
    if title in doc.text[1:] or title.lower() not in doc.text.lower():
        return title
    return title.lower() if title.lower() in doc.text else title


def _facts(doc: WikiDocument) -> list[tuple[str, dict[str, str]]]:
    """``(kind, slots)`` for the facts this article supports."""
    mention = _mention(doc)
    facts: list[tuple[str, dict[str, str]]] = []
    facts.append(("person" if doc.topic == "People" else "definition", {"e": mention}))
    facts.append(("known_for", {"e": mention}))
    if doc.topic != "People":
        facts.append(("name_origin", {"e": mention}))
    event = _YEAR_EVENT.search(doc.text)
    if event and doc.topic != "People":
        verb = event.group(1)
        facts.append(("year_of", {"e": mention, "v": verb, "v2": _SYNONYMS[verb]}))
    years = list(dict.fromkeys(_YEAR.findall(doc.text)))
    if len(years) >= 2:
        facts.append(("event_in_year", {"e": mention, "y": years[0], "alt_y": years[1]}))
    return facts


def _forms_for(kind: str, split: str) -> list[tuple[int, str]]:
    parity = 1 if split == "heldout" else 0
    return [(i, form) for i, form in enumerate(_FORMS[kind]) if i % 2 == parity]


def _trivial_variant(question: str, rng: random.Random) -> str:
    """A repeat that differs only in case, spacing or final punctuation (an exact repeat after normalisation)."""
    choice = rng.randrange(4)
    if choice == 0:
        return question
    if choice == 1:
        return question.rstrip("?.") + " "
    if choice == 2:
        return question.lower()
    return "  " + question.replace(" ", "  ", 1)


def build_question_set(
    n_documents: int = 400, *, seed: int = 0, repeat_share: float = 0.2, max_forms: int = 4
) -> list[LabelledQuestion]:
    """Labelled questions about ``n_documents`` real Wikipedia articles (deterministic for a seed).

    Every fact is asked in 1..``max_forms`` distinct forms; ``repeat_share`` of the questions are
    repeated (exact repeats); every fact also gets a twin (same form, different fact) when one exists.
    """
    rng = random.Random(seed)
    docs = wikipedia_summaries(n_documents, seed=seed, min_chars=200)
    by_topic: dict[str, list[WikiDocument]] = defaultdict(list)
    for doc in docs:
        by_topic[doc.topic].append(doc)
    out: list[LabelledQuestion] = []

    def emit(question: str, fact_id: str, form_id: str, doc: WikiDocument, split: str, twin_of: str | None = None) -> None:
        out.append(LabelledQuestion(question, fact_id, form_id, doc.title, doc.text, split, twin_of))

    for doc in docs:
        split = _split_of(doc.title)
        for kind, slots in _facts(doc):
            fact_id = f"{doc.title}|{kind}" + (f"|{slots['y']}" if "y" in slots else "")
            forms = _forms_for(kind, split)
            chosen = rng.sample(forms, rng.randint(1, min(max_forms, len(forms))))
            for index, form in chosen:
                question = form.format(**slots)
                emit(question, fact_id, f"{kind}:{index}", doc, split)
                if rng.random() < repeat_share:
                    for _ in range(rng.randint(1, 2)):
                        emit(_trivial_variant(question, rng), fact_id, f"{kind}:{index}", doc, split)
            # Twin: the first chosen form about another fact.
            index, form = chosen[0]
            if kind == "event_in_year":
                twin_slots = dict(slots, y=slots["alt_y"])
                emit(form.format(**twin_slots), f"{doc.title}|{kind}|{slots['alt_y']}", f"{kind}:{index}", doc, split, fact_id)
                continue
            others = [d for d in by_topic[doc.topic] if d is not doc and _split_of(d.title) == split]
            if not others:
                continue
            other = rng.choice(others)
            twin_slots = dict(slots, e=_mention(other))
            emit(form.format(**twin_slots), f"{other.title}|{kind}", f"{kind}:{index}", other, split, fact_id)
    return out


@dataclass(frozen=True)
class DedupMetrics:
    exact_pairs: int
    exact_merged: float  # share of exact-repeat pairs in one cluster
    paraphrase_pairs: int
    paraphrase_merged: float  # share of same-fact, different-wording pairs in one cluster
    twin_pairs: int
    twin_merged: float  # share of same-form, different-fact pairs in one cluster
    related_pairs: int
    related_merged: float  # share of pairs of clearly different questions about the same article in one cluster
    clusters_mixing_facts: int  # clusters holding questions about more than one fact
    clusters_without_one_kept: int  # clusters where the number of kept rows is not exactly 1

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def dedup_metrics(questions: Sequence[LabelledQuestion], cluster_id: Sequence[int], keep: Sequence[bool]) -> DedupMetrics:
    """Pairwise quality of a clustering of ``questions`` (parallel ``cluster_id`` and keep flags)."""
    by_fact: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        by_fact[q.fact_id].append(i)
    norm = [normalize_question(q.question) for q in questions]
    exact = [0, 0]
    para = [0, 0]
    for rows in by_fact.values():
        for a, b in combinations(rows, 2):
            same = cluster_id[a] == cluster_id[b]
            bucket = exact if norm[a] == norm[b] else para
            bucket[0] += 1
            bucket[1] += same
    twin = [0, 0]
    # Twin pairs: a hard negative and each question of the fact it twins with, in the same form.
    for i, q in enumerate(questions):
        if q.twin_of is None:
            continue
        for j in by_fact.get(q.twin_of, ()):
            if questions[j].form_id == q.form_id and questions[j].twin_of is None and norm[i] != norm[j]:
                twin[0] += 1
                twin[1] += cluster_id[i] == cluster_id[j]
    related = [0, 0]
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        by_title[q.title].append(i)
    for rows in by_title.values():
        for a, b in combinations(rows, 2):
            if _family(questions[a]) != _family(questions[b]):
                related[0] += 1
                related[1] += cluster_id[a] == cluster_id[b]
    facts_per_cluster: dict[int, set[str]] = defaultdict(set)
    kept_per_cluster: dict[int, int] = defaultdict(int)
    for i, q in enumerate(questions):
        facts_per_cluster[cluster_id[i]].add(q.fact_id)
        kept_per_cluster[cluster_id[i]] += bool(keep[i])
    return DedupMetrics(
        exact_pairs=exact[0],
        exact_merged=exact[1] / exact[0] if exact[0] else 1.0,
        paraphrase_pairs=para[0],
        paraphrase_merged=para[1] / para[0] if para[0] else 1.0,
        twin_pairs=twin[0],
        twin_merged=twin[1] / twin[0] if twin[0] else 0.0,
        related_pairs=related[0],
        related_merged=related[1] / related[0] if related[0] else 0.0,
        clusters_mixing_facts=sum(len(f) > 1 for f in facts_per_cluster.values()),
        clusters_without_one_kept=sum(k != 1 for k in kept_per_cluster.values()),
    )


# Lead-ins that seed prompts of different kinds put before the same question.
_LEAD_INS = ("", "According to the article, ", "Based on the text, ", "From the passage: ", "Quick question: ")


def scaled_questions(n_rows: int, *, seed: int = 0, repeat_share: float = 0.1, by_fact: bool = False) -> list[str]:
    """``n_rows`` question strings for speed and memory benchmarks, cycling over every fact of every
    Wikipedia article in every surface form and lead-in (about 1.3M distinct questions), with
    ``repeat_share`` of the rows exact repeats of earlier rows.

    By default the distinct questions come lead-in by lead-in, so a prefix of up to about 260k rows has
    one lead-in per fact and 1M rows four: the duplicates per question grow with the size. With
    ``by_fact`` they come fact by fact (every lead-in and form of a fact together), as a dataset's
    first documents come with all their questions: every size has about the same duplicates per question."""
    rng = random.Random(seed)
    facts = [fact for doc in wikipedia_summaries(None, seed=seed) for fact in _facts(doc)]
    distinct: list[str] = []
    for lead_in, (kind, slots) in (
        ((lead_in, fact) for fact in facts for lead_in in _LEAD_INS) if by_fact
        else ((lead_in, fact) for lead_in in _LEAD_INS for fact in facts)
    ):
        for form in _FORMS[kind]:
            question = form.format(**slots)
            distinct.append(lead_in + (question[0].lower() + question[1:] if lead_in else question))
        if len(distinct) >= n_rows:
            break
    rows: list[str] = []
    cursor = 0
    while len(rows) < n_rows:
        if rows and rng.random() < repeat_share:
            rows.append(rows[rng.randrange(len(rows))])
        else:
            rows.append(distinct[cursor % len(distinct)])
            cursor += 1
    return rows
