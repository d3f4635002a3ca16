"""The grammatical mood of a unit's opening: a sentence in the imperative, or one that opens with a verb.

Encyclopedic and narrative prose states things; a request or a recipe step opens with a verb in the imperative
("Write a tutorial on ...", "Bring a large pot ..."). ``is_imperative`` recognises the common shapes of an
imperative addressed to a person (a capitalised word that is no function word, then a determiner or an object
pronoun); ``opens_with_verb`` asks an English lexicon (``lemminflect``, MIT) whether the
first word is the base form of a verb, for any unit.
"""

from __future__ import annotations

import re
from functools import lru_cache

# a sentence in the imperative addressed to a person ("Bring a large pot ...", "Press and hold the power button ...",
# "Read all safety instructions ...", "Serve immediately, ..."): a capitalised first word that is no function word,
# adverb or participle, then a determiner or an object pronoun ("William the Conqueror" is a name), or a manner
# adverb and a punctuation mark.
_IMPERATIVE_OPENING = re.compile(
    r"[\W\d_]{0,4}([A-Z][a-z]+)(?:(?: and [a-z]+)?\s+(?:the(?!\s+[A-Z][a-z])|a|an|all|each|every|your|it|them|this|"
    r"these|those|some|any|both)\b|\s+[a-z]+ly[,.;:])")
NOT_IMPERATIVE = frozenset("""
    a an the this that these those it its he she they we i you his her their our my your there here what which who
    whom whose how why in on at by for from with without within into onto upon over under after before during since
    until till about above below across along among amongst around behind beside besides between beyond despite
    except inside near of off out outside through throughout toward towards via like unlike as although though
    because if unless when whenever where wherever while whilst whereas once so and or but nor yet both either
    neither not no all each every some any many most much several few such one two three also only however thus
    therefore hence meanwhile moreover furthermore nevertheless nonetheless instead today tomorrow yesterday later
    soon then now thereafter afterwards afterward ago again still even just per according including regarding
    concerning given to almost nearly sometimes often first second last next rather perhaps more less astride""".split())


def is_imperative(piece: str) -> bool:
    """The unit opens with a verb in the imperative (``_IMPERATIVE_OPENING``)."""
    match = _IMPERATIVE_OPENING.match(piece)
    if not match:
        return False
    word = match.group(1).lower()
    if word in NOT_IMPERATIVE:
        return False
    # a participle or an adverb ("Using the ...", "Finally the ...") unless the lexicon reads a verb ("Bring", "Apply")
    return not word.endswith(("ed", "ing", "ly")) or _base_form_verb(word)


_OPENING_WORDS = re.compile(r"[\W\d_]{0,4}([A-Z][a-z]+)(?![\'’\w-])(?:[^\w\n]{1,3}([A-Za-z]+))?")
# a second word that makes the first one a subject ("Sacrifice is ...", "Earth has ...")
_AUXILIARIES = frozenset("""is are was were be been has have had can could may might will would shall should must does
    did do also not""".split())


@lru_cache(maxsize=4096)
def _base_form_verb(word: str) -> bool:
    from lemminflect import getAllLemmas

    return word in getAllLemmas(word).get("VERB", ())


def opens_with_verb(piece: str) -> bool:
    """The unit's capitalised first word is the base form of an English verb ("Write", "Develop", "Brainstorm",
    "List") and no function word, and the word after it does not make it a subject ("Sacrifice is ...")."""
    match = _OPENING_WORDS.match(piece)
    if not match:
        return False
    word = match.group(1).lower()
    if word in NOT_IMPERATIVE or (match.group(2) and match.group(2).lower() in _AUXILIARIES):
        return False
    return _base_form_verb(word)
