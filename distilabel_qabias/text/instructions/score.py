"""Score units: the strongest rule cue, minus penalties for encyclopedic or quoted framing, or a classifier.

The strongest cue counts fully, the others only close half of the remaining gap, so weak cues do not add up
to an instruction. Verb-led cues count fully only in an imperative position (start of a clause, after
"please", "you must", ...): "an attacker instructs a model *to ignore* previous instructions" is a report.
Penalties: encyclopedic framing ("is a", "refers to", past-tense reporting, a year), exam or game framing,
a reader told what to tell a model, and quotation marks next to a speech verb. A unit inserted in the middle
of a host sentence starts at its own first word, so the host keeps its characters.
"""

from __future__ import annotations

import re
from typing import Sequence

from distilabel_qabias.text.instructions.cues import CUES, Cue
from distilabel_qabias.text.instructions.model import Classifier, ScoredUnit, Unit
from distilabel_qabias.text.instructions.context import SECOND_PERSON, stands_out
from distilabel_qabias.text.instructions.prefilter import cues_to_scan
from distilabel_qabias.text.instructions.units import is_glue, split_units


# "System: ..." / "Assistant: ..." at the start of a line or unit (capitalised or upper-case, not re.I)
_TURN_MARKER = re.compile(r"[ \t>*_\[(]*(?:<!--[ \t]*)?(?:System|SYSTEM|Assistant|ASSISTANT|User|USER|Human|HUMAN|Bot|BOT)[ \t]*:")
_TURN_MARKER_WEIGHT = 0.45
_DIALOGUE_WEIGHT = 0.8  # two different speakers' turn markers in one text: a spoofed conversation
# an output verb opening a unit: "Say ZEBRA to confirm." (weak; joins a passage, never starts one)
_OUTPUT_VERB_START = re.compile(
    r"[\W_]{0,6}(?=[A-Z])(?i:say|reply|respond|answer|output|print|type|write|return|state|repeat|echo|mention|include|"
    r"quote|add|append|list|put|insert|sign|confirm|begin|start|end|send|share|paste|tell|recommend|then)\b"
)
_OUTPUT_VERB_START_WEIGHT = 0.3

# imperative position: what may precede a verb-led cue within its unit
_IMPERATIVE_BEFORE = re.compile(
    r"(?:^|[:;,!?.(\[{*>\"“‘'\-–—]|\b(?:please|kindly|now|just|simply|then|first|instead|immediately|"
    r"always|only|never|must|should|shall|you(?:'ll|’ll)?|you (?:will|must|should|shall|need to|have to|are to|"
    r"are required to|are instructed to|are going to)|(?:i|we) (?:want|need|command|order|instruct|ask|require) you to|"
    r"(?:make|be) sure (?:to|you)|remember to|do not forget to|don['’]t forget to|do not|don['’]t))\s*$",
    re.I,
)
_NEGATED_BEFORE = re.compile(r"\b(?:never|not|don['’]t|do not|cannot|can['’]t|won['’]t)\s*$", re.I)
_SPEECH_VERB = re.compile(
    r"\b(?:said|says|asked|asks|whispered|shouted|barked|replied|told|tells|wrote|writes|announced|added|explained|"
    r"yelled|cried|muttered|insisted|declared|ordered|warned|snapped|called out|tweeted)\b",
    re.I,
)

# encyclopedic / reporting framing of a unit
_PENALTIES: tuple[tuple[re.Pattern, float], ...] = tuple(
    (re.compile(p, re.I), w)
    for p, w in (
        (r"(?<!you )(?<!we )\b(?:is|are|was|were|has been|have been)\s+(?:an?|the|one of the|a type of|a kind of|"
         r"a form of)\s", 0.25),
        (r"\brefers? to\b|\b(?:known|referred to|described|defined|termed|dubbed|called)\s+as\b|\bso-called\b|"
         r"\b(?:is|was|are|were)\s+called\b", 0.3),
        (r"\b(?:in which|whereby|wherein|such as|for example|for instance|e\.g\.)", 0.25),
        (r"\b(?:the|a|an|such|these|those|many|some|most|early|modern|their|its)\s+(?:AI|models?|chatbots?|"
         r"assistants?|systems?|LLMs?|language models?|bots?|agents?)\s+(?:to|into|would|will|can|could|may|might|is|"
         r"was|are|were|that|which|has|had|have|do|does|did|often|typically|usually)\b", 0.25),
        # a product described in the third person, present tense ("The bot replies to every message")
        (r"\b(?:the|a|an|this|that|its|each)\s+(?:AI|model|chatbot|assistant|bot|system|app|application|program|tool|"
         r"software|device|speaker|widget|service)\s+(?:replies|responds|answers|says|outputs|prints|writes|returns|sends|"
         r"generates|produces|asks|reads|uses)\b", 0.3),
        (r"\b(?:attackers?|researchers?|hackers?|users|adversar(?:y|ies)|criminals|scammers|critics|journalists|studies|"
         r"developers|people)\s+(?:\w{1,30}\s+){0,2}?(?:instruct|tell|told|ask|trick|cause|caused|make|made|prompt|"
         r"craft|embed|insert|inject|hid|hide|use|used|show|showed|found|discover|demonstrat|report|note)\w*", 0.3),
        (r"\b(?:was|were|had been|has been|have been)\s+(?!you\b)(?:\w{1,30}\s+)?(?:instructed|told|asked|ordered|prompted|"
         r"trained|designed|programmed|released|launched|developed|introduced|created|described|used)\b", 0.25),
        (r"\b(?:in|since|by|during|until|from)\s+(?:1[5-9]\d\d|20\d\d)\b", 0.2),
        # a human doing a paper task: exam rubrics, homework, forms
        (r"\b(?:ink|pens?|pencils?|booklets?|spaces? provided|answer sheets?|exams?|examinations?|candidates?|students?|"
         r"pupils?|homework|worksheets?|(?:full|complete) sentences|marks|your working|your own words|"
         r"your (?:team|teammates?|turn|cards?|partner|opponents?))\b", 0.3),
        # the reader is told what to tell a model: the reader is a person writing a prompt
        (r"\b(?:tell|ask|instruct|prompt|remind|let|have)\s+(?:the|your|a|an)\s+(?:model|assistant|chatbot|bot|AI|LLM|"
         r"language model)\b", 0.3),
    )
)
_MAX_PENALTY = 0.6
# cues that name an AI as the addressee ("Dear AI, ...", "Note to LLMs:", "if you are a language model")
_DIRECT_ADDRESS_CUES = frozenset({"ai_vocative", "note_to_ai", "hey_ai", "if_you_are_an_ai", "ai_is_reading"})
_QUOTE_PENALTY = 0.3
_ATTRIBUTION_PENALTY = 0.3


def _in_quotes(text: str, unit: Unit, pos: int) -> bool:
    """Inside quotation marks, judged within the unit: an open quote before ``pos`` or an unmatched
    closing one after it (a quotation that started in an earlier sentence)."""
    before, after = text[unit.start : pos], text[pos : unit.end]
    if before.count('"') % 2 == 1 or after.count('"') % 2 == 1:
        return True
    if before.rfind("“") > before.rfind("”"):
        return True
    close_after, open_after = after.find("”"), after.find("“")
    return close_after >= 0 and (open_after < 0 or close_after < open_after)


_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|a|an|this|that|these|those|its|his|her|their|our|my|your|of|in|on|under|by|to)\s$", re.I
)


def _capitalised_mid_sentence(text: str, pos: int) -> bool:
    """A capitalised verb right after a lower-case word ("The city was Ignore ...") starts an inserted
    clause; after a determiner or preposition it is a name instead ("under the Act as amended")."""
    if not text[pos].isupper() or pos < 2 or text[pos - 1] != " " or not text[pos - 2].islower():
        return False
    return not _DETERMINER_BEFORE.search(text, max(0, pos - 8), pos)


def _cue_weight(cue: Cue, text: str, unit: Unit, match: re.Match) -> tuple[float, bool]:
    """The cue's weight at this match, and whether the match is placed as an instruction would be
    (False for a verb-led cue outside an imperative position)."""
    weight, placed = cue.weight, True
    if cue.imperative_only:
        before = text[max(unit.start, match.start() - 60) : match.start()]
        if not (_IMPERATIVE_BEFORE.search(before) or _capitalised_mid_sentence(text, match.start())):
            weight, placed = cue.other_weight, False
        if cue.negation_kills and _NEGATED_BEFORE.search(before):
            weight = min(weight, 0.15)
    if cue.kind != "role_token" and _in_quotes(text, unit, match.start()):
        weight -= _QUOTE_PENALTY
        if _SPEECH_VERB.search(text, unit.start, unit.end):
            weight -= _ATTRIBUTION_PENALTY
    return weight, placed




def _cues_to_run(text: str, units: list[Unit], prefilter: bool, scan: Sequence[bool] | None):
    """(unit index, cues) pairs worth scanning: the cues whose anchors occur in the unit (units ``scan`` rules
    out are skipped)."""
    for index, unit in enumerate(units):
        if scan is not None and not scan[index]:
            continue
        cues = cues_to_scan(text[unit.start : unit.end]) if prefilter else CUES
        if cues:
            yield index, cues


def score_units(
    text: str,
    classifier: Classifier | None = None,
    *,
    learned: Classifier | None = None,
    learned_starts: bool = False,
    prefilter: bool = True,
    units: list[Unit] | None = None,
    scan: Sequence[bool] | None = None,
) -> list[ScoredUnit]:
    """Score every unit of ``text``: the rules, and the ``learned`` detector and user ``classifier`` if given.

    A unit's score is the highest of the three; ``detector`` says which one gave it. ``prefilter=False``
    scans every unit with every cue (same rule scores, slower; used to check the prefilter). The learned score
    stays below the default threshold (it only extends passages) unless ``learned_starts``. ``units``: the
    units of ``text`` if already cut (``split_units``); ``scan``: per unit, whether the rule cues
    are worth running on it (the learned detector's cheap verdict; default: every unit).
    """
    units = split_units(text) if units is None else units
    if not units:
        return []
    # best weight per (unit, cue), and where it matched (None: matched outside an imperative position)
    found: dict[int, dict[str, tuple[float, str, int | None]]] = {}

    def record(index: int, name: str, weight: float, kind: str, pos: int | None) -> None:
        per_unit = found.setdefault(index, {})
        if weight > per_unit.get(name, (0.0,))[0]:
            per_unit[name] = (weight, kind, pos)

    for index, cues in _cues_to_run(text, units, prefilter, scan):
        unit = units[index]
        for cue in cues:
            for match in cue.pattern.finditer(text, unit.start, unit.end):
                weight, placed = _cue_weight(cue, text, unit, match)
                if weight > 0:
                    record(index, cue.name, weight, cue.kind, match.start() if placed else None)
                if placed and weight >= cue.weight:
                    break  # later matches can neither weigh more nor start earlier

    speakers = set()
    for index, unit in enumerate(units):
        marker = _TURN_MARKER.match(text, unit.start, unit.end)
        if marker:
            speakers.add(marker.group().strip(" \t>*_:").lower())
            record(index, "turn_marker", _TURN_MARKER_WEIGHT, "role_token", unit.start)
        verb = _OUTPUT_VERB_START.match(text, unit.start, unit.end)
        if verb:
            record(index, "output_verb_start", _OUTPUT_VERB_START_WEIGHT, "output_override", unit.start)
    if len(speakers) >= 2:
        for index, cues in found.items():
            if "turn_marker" in cues:
                record(index, "dialogue", _DIALOGUE_WEIGHT, "role_token", units[index].start)

    classifier_scores = _run_classifier(classifier, text, units) if classifier is not None else None
    goes_on = _hosts_going_on(text, units, found)

    scored = []
    for index, unit in enumerate(units):
        cues = found.get(index)
        score, kind, passage_start = 0.0, None, unit.start
        if cues:
            ranked = sorted(cues.values(), key=lambda c: -c[0])
            best = ranked[0]
            # the strongest cue counts fully; the others only close half the remaining gap, so that
            # two weak cues ("Respond ..." + "to each prompt") do not add up to an instruction
            miss_others = 1.0
            for weight, _, _ in ranked[1:]:
                miss_others *= 1.0 - min(weight, 1.0)
            rule = min(best[0], 1.0)
            rule += (1.0 - rule) * 0.5 * (1.0 - miss_others)
            placed = [c[2] for c in cues.values() if c[2] is not None]
            if placed and goes_on[index]:
                passage_start = _passage_start(text, unit, min(placed))
            penalty = min(_MAX_PENALTY, sum(w for p, w in _PENALTIES if p.search(text, passage_start, unit.end)))
            if any(name in _DIRECT_ADDRESS_CUES and c[2] is not None for name, c in cues.items()):
                penalty /= 2  # a passage that names an AI as its addressee is not describing one
            score = max(0.0, rule - penalty)
            kind = best[1]
        detector = "rules"
        if classifier_scores is not None and classifier_scores[index] > score:
            score, kind, passage_start, detector = classifier_scores[index], "classifier", unit.start, "classifier"
        scored.append(ScoredUnit(unit, round(score, 4), kind, passage_start, detector))
    scored = _advice_to_a_person(text, scored)
    return add_learned(text, scored, learned, learned_starts=learned_starts) if learned is not None else scored


# an output cue of at most this score ("keep your reply short", "answer only with gestures") in a document that
# otherwise addresses its reader as a person is advice, not an injection: it loses ``_ADVICE_PENALTY``
MAX_ADVICE_SCORE = 0.8
_ADVICE_PENALTY = 0.3
MIN_ADDRESSING_ADVICE = 0.5


def _advice_to_a_person(text: str, scored: list[ScoredUnit]) -> list[ScoredUnit]:
    """Units whose rule score comes from a moderate output cue lose ``_ADVICE_PENALTY`` where at least half of the
    document's other units address the reader ("you", "your"): interview tips, game rules and self-help tell a
    person how to answer. An injection stands apart from the text around it (``context.stands_out`` applies the same test
    to the learned detector); strong cues (an override of instructions, a spoofed turn) are never advice."""
    advice = [i for i, s in enumerate(scored) if s.kind == "output_override" and s.detector == "rules"
              and 0 < s.score <= MAX_ADVICE_SCORE]
    if not advice or len(scored) < 2:
        return scored
    addresses = [bool(SECOND_PERSON.search(text, s.unit.start, s.unit.end)) for s in scored]
    out = list(scored)
    for index in advice:
        others = sum(addresses) - addresses[index]
        if others / (len(scored) - 1) >= MIN_ADDRESSING_ADVICE:
            unit = scored[index]
            out[index] = ScoredUnit(unit.unit, round(max(0.0, unit.score - _ADVICE_PENALTY), 4), unit.kind,
                                    unit.passage_start, unit.detector)
    return out


def add_learned(
    text: str, scored: list[ScoredUnit], learned: Classifier | None, *, learned_starts: bool = False,
    learned_scores: Sequence[float] | None = None, declarative_scores: Sequence[float] | None = None,
    request_scores: Sequence[float] | None = None, leaning: Sequence[bool] | None = None,
) -> list[ScoredUnit]:
    """Units already scored by the other detectors, with the ``learned`` detector's score where it is higher.

    The learned score stays below the default threshold (it only extends passages) unless ``learned_starts``
    and the unit's run of instruction-like units stands out from the document (``context.stands_out``); then it also
    loses the rules' penalties for encyclopedic or quoted framing. ``learned_scores``: the detector's scores of
    these units if already computed (a whole batch of documents is scored in one call); ``declarative_scores``:
    the same on the scale of the detector's start threshold for declarative documents, used for a run in a
    document otherwise declarative (``context.stands_out``); ``request_scores``: on the scale of the detector's extension
    threshold, used instead for a unit of such a run that opens with a verb (``mood.opens_with_verb``);
    ``leaning``: the units the detector leans towards without scoring (``growth.LEANING_FLOOR``), which a run
    goes on over (``context.stands_out``).
    """
    if not scored:
        return scored
    units = [s.unit for s in scored]
    if learned_scores is None:
        raw = _run_classifier(learned, text, units)
    else:
        raw = [min(1.0, max(0.0, float(x))) for x in learned_scores]
    if not any(raw):
        return scored
    pieces = [text[u.start : u.end] for u in units]
    may_start = stands_out(raw, pieces, declarative_scores, request_scores, leaning) if learned_starts else [0.0] * len(raw)
    out = []
    for unit_score, score, start in zip(scored, raw, may_start):
        unit = unit_score.unit
        if start > score:  # the run stands out from a declarative document: the declarative scale
            score = start
        if score > LEARNED_CAP:  # below the cap neither the cap nor the framing penalty changes it
            score = max(LEARNED_CAP, score - _framing_penalty(text, unit) if start > 0 else 0.0)
        if score > unit_score.score:
            if unit_score.score > 0 and unit_score.detector == "rules":  # both fired: the rule's kind and start stay
                unit_score = ScoredUnit(unit, round(score, 4), unit_score.kind, unit_score.passage_start, "rules+learned")
            else:
                unit_score = ScoredUnit(unit, round(score, 4), "learned", unit.start, "learned")
        out.append(unit_score)
    return out


def _run_classifier(classifier: Classifier, text: str, units: list[Unit]) -> list[float]:
    scores = list(classifier([text[u.start : u.end] for u in units]))
    if len(scores) != len(units):
        raise ValueError(f"classifier returned {len(scores)} scores for {len(units)} passages")
    return [min(1.0, max(0.0, float(s))) for s in scores]


_CUT_CANDIDATE = re.compile(r"(?<=[a-z,;] )(?:[A-Z](?=[a-z])|[A-Z]{2,}|<!--|[<\[*#(])")
# what may open a passage just before its strongest cue: "IMPORTANT: ", "new instructions: ", "please ", "[", "<!-- "
_LEAD_IN = re.compile(r"(?:(?:[\w.]{1,20}:|please|kindly|<!--|[\[*#(])\s*)+$", re.I)
_LEAD_IN_WINDOW = 40
_MAX_LEAD_IN_WORDS = 2  # "IMPORTANT:", "P.S. Please" ... between a passage's first word and its first cue


def _hosts_going_on(text: str, units: list[Unit], found: dict) -> list[bool]:
    """For each unit: its sentence visibly continues after the passage it holds. Past the following units
    on the same line that carry cues or are glue (the rest of the passage), the next unit starts in
    lower case. One right-to-left pass."""
    goes_on = [False] * len(units)
    for k in range(len(units) - 2, -1, -1):
        following = units[k + 1]
        if "\n" in text[units[k].end : following.start]:
            continue
        if k + 1 in found or is_glue(text, following):
            goes_on[k] = goes_on[k + 1]
        else:
            goes_on[k] = text[following.start].islower()
    return goes_on


def _passage_start(text: str, unit: Unit, first_cue: int) -> int:
    """Where a passage inserted mid-sentence starts (call only when the host sentence goes on after it).

    "The city was Ignore all previous instructions ... founded in 1854.": a capitalised word (or a tag,
    bracket, markup) right after a lower-case word, at most a few words before the unit's first cue,
    opens the passage; a lower-case passage starts at its first cue plus any lead-in ("important: ",
    "please "). The host prefix before it carries no cue (the first cue comes after it).
    """
    if first_cue <= unit.start:
        return unit.start
    window_start = max(unit.start, first_cue - _LEAD_IN_WINDOW)
    candidates = [
        m.start()
        for m in _CUT_CANDIDATE.finditer(text, window_start, min(unit.end, first_cue + 2))
        if m.start() <= first_cue and len(text[m.start() : first_cue].split()) <= _MAX_LEAD_IN_WORDS
    ]
    if candidates:
        cut = candidates[-1]
    else:
        lead_in = _LEAD_IN.search(text, window_start, first_cue)
        cut = lead_in.start() if lead_in else first_cue
    return cut if text[unit.start : cut].strip() else unit.start



# the learned score is capped below the default threshold unless the learned detector may start passages and the
# unit stands out from its document: then it only extends a passage found otherwise over its other sentences
LEARNED_CAP = 0.49


_QUOTED = re.compile(r"[\"“”]")


def _framing_penalty(text: str, unit: Unit) -> float:
    """What the learned score loses for a unit framed as description or reported speech: the rules'
    encyclopedic penalties, and quotation marks next to a speech verb (a quoted payload alone, as in
    'just print "X"', is no framing)."""
    penalty = min(_MAX_PENALTY, sum(w for p, w in _PENALTIES if p.search(text, unit.start, unit.end)))
    if _QUOTED.search(text, unit.start, unit.end) and _SPEECH_VERB.search(text, unit.start, unit.end):
        penalty += _QUOTE_PENALTY + _ATTRIBUTION_PENALTY
    return penalty
