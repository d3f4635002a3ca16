"""Which cues are worth running on a unit: each cue needs one of its anchor words (or markup) in the unit."""

from __future__ import annotations

import functools
import re

from distilabel_qabias.text.instructions.cues import CUES, Cue


# Prefilter: every cue needs, inside its unit, a word starting with one of its anchors (lower-case
# [a-z]+ tokens; "$" = whole word) or, for markup cues, one of the characters "<[#". Units without any
# anchor are never scanned by the slower cue patterns. tests/test_instructions.py checks that the
# prefilter changes no score.
_ANCHOR_WORDS = {
    "override_verb": "ignor|disregard|forget|overrid|bypass|discard|abandon|neglect|dismiss|eras|cancel|aside$|throw$|"
                     "follow|obey",
    "instruction_noun": "instruction|directive|task|prompt|order|rule|guideline|guidance$|setup$|configuration$|"
                        "context$|setting|programming$",
    "your": "your",
    "override_word": "overrid|jailbr",
    "apology": "sorry$|afraid$|apologi|unfortunately$",
    "i": "i$",
    "against": "against$",
    "cutoff": "knowledge$|training$",
    "appropriate": "appropriate$",
    "vendor": "openai$|anthropic$|google$|meta$|mistral$",
    "output_verb": "respond|reply|answer|write|speak|talk|communicat|output|return|format|give|provide|produce|generat|"
                   "compos|say$|print|type$|state$|repeat|echo$",
    "participle": "written$|given$|formatted$|provided$|delivered$|phrased$",
    "output_noun": "answer|respons|repl|output|message|summar|completion",
    "nothing_else": "nothing$|instead$|question|quer|prompt|message|request|everything$|anything$",
    "you": "you",
    "act_as": "act$|behave$|roleplay$|role$|pose$|function$",
    "pretend": "pretend$|imagine$",
    "unrestricted": "dan$|anything$|developer$|unfilter|uncensor|unrestrict|restriction|filter|ethic|moral|guideline|"
                    "limit|censorship|rule|polic|refuse",
    "now_on": "now$|henceforth$|moment$|point$",
    "character": "character$|your",
    "secret_noun": "prompt|message|api$|key|token|credential|environment|instruction|rule|guideline|configuration|"
                   "setting|context|note|password|directive|programming|training|hidden$|secret$|invisible$|initiali",
    "above": "repeat|above$|before$",
    "answer_word": "answer",
    "ask": "ask",
    "ai_noun": "ai$|artificial$|llms?$|language$|model|assistant|chatbot|bots?$|gpt|chatgpt|claude$|gemini$|bard$|"
               "copilot$|llama$|mistral$|agent|automated$|siri$|alexa$|summari[sz]er|crawler|scraper|ais$",
    "doc_noun": "document$|text$|page$|article$|passage$|subject$|topic$|site$|website$|question$|webpage$|email$|e$|"
                "mail$|person$|company$|product$|post$|entry$|paragraph$|content$",
    "tell_user": "user|note|message|instruction",
    "safety": "content$|safety$|moderation$|ethical$",
    "mode": "mode$",
    "task_end": "task$|end$|ends$",
    "model_object": "user|your|answer|respons|repl|output|summar|conversation|chat$|interpreter$|tool$|plugin|"
                    "function$|prompt|message|question|quer|request|when$|everything$|text$|anything$|content$|"
                    "anyone$|everyone$|whoever$|role$|before$|prior$|after$",
    "independent": "regardless$|matter$|irrespective$|independent|whatever$",
    "score": "score|rating|grade|mark$|rate$",
    "only": "only$",
    "boilerplate": "anything$|help|hope$",
    "as_if": "if$|though$",
    "scope": "now$|here$|point$|moment$|rest$|remainder$|future$|further$|subsequent$|following$|upcoming$|later$|"
             "until$",
    "persona_word": "persona$|identity$|role$|character$|voice$|personality$|part$",
    "like": "like$",
    "asker": "you|user|someone$|anyone$|somebody$|people$|reader",
    "generate_verb": "write$|compose$|draft$|generate$|create$|produce$|give$|provide$|devise$|come$|suggest$|"
                     "outline$|develop$|design$|describe$|explain$",
    "multilingual": "instructions$|anweisungen$|instruktionen$|instrucciones$|istruzioni$|instru$|consignes$|"
                    "indicaciones$|vorherigen$|bisherigen$|befehle$",
}
_MARKUP_GROUP = "markup"  # chat tokens, <system> tags, ### headers: the unit contains "<", "[" or "#"
_ANCHOR_OF = {
    "ignore_previous": "override_verb", "ignore_instructions_above": "override_verb",
    "forget_everything": "override_verb", "ignore_document": "override_verb", "override_then_output": "override_verb",
    "new_instructions_header": "instruction_noun", "your_new_task": "your", "instructions_void": "instruction_noun",
    "override_word": "override_word", "chat_token": _MARKUP_GROUP, "inst_token": _MARKUP_GROUP,
    "xml_role_tag": _MARKUP_GROUP, "markdown_role_header": _MARKUP_GROUP, "as_an_ai": "ai_noun",
    "ai_developed_by": "ai_noun", "sorry_cannot": "apology", "cannot_fulfil_request": "i", "i_am_an_ai": "i",
    "against_my_guidelines": "against", "no_personal_opinions": "i", "apology_opener": "apology",
    "knowledge_cutoff": "cutoff", "not_appropriate_for_me": "appropriate", "apologise_confusion": "i",
    "made_by_vendor": "vendor", "respond_in_format": "output_verb", "written_in_format": "participle",
    "end_every_answer_with": "output_noun", "your_answer_must": "your", "in_every_answer": "output_noun",
    "reply_only": "output_verb", "reply_with": "output_verb", "nothing_else": "nothing_else",
    "not_in_your_answer": "your", "include_in_answer": "output_noun", "you_are_now": "you", "you_are_an_ai": "you",
    "you_are_not_chatgpt": "you", "act_as_if_you": "as_if", "act_as": "act_as", "act_as_ai": "act_as",
    "pretend_you_are": "pretend", "unrestricted_ai": "unrestricted", "from_now_on": "now_on",
    "stay_in_character": "character", "reveal_prompt": "secret_noun", "repeat_text_above": "above",
    "what_is_your_prompt": "your", "correct_answer_is": "answer_word", "whatever_asked_answer": "ask",
    "answer_every_question_with": "output_verb", "questions_must_be_answered": "answer_word", "note_to_ai": "ai_noun",
    "hey_ai": "ai_noun", "if_you_are_an_ai": "you", "ai_reading_this": "ai_noun", "your_system_prompt": "your",
    "about_this_document": "doc_noun", "do_not_tell_user": "tell_user", "you_must_obey": "you",
    "ignore_rules_given_earlier": "override_verb", "ignore_previous_multilingual": "multilingual", "ignore_safety": "safety", "enter_mode": "mode",
    "task_complete": "task_end", "act_on_model_output": "model_object", "question_independent": "independent",
    "questions_about_this_document": "doc_noun", "praise_output": "output_noun", "assign_score": "score",
    "ask_about_instructions": "you", "only_valid_answer": "only", "ai_must": "ai_noun", "you_will_now": "you",
    "model_object_then_act": "model_object", "assistant_boilerplate": "boilerplate", "do_not_do_task": "doc_noun",
    "you_have_been_updated": "you", "just_say": "output_verb", "you_speak_as": "you",
    "ai_vocative": "ai_noun", "ai_should_act": "ai_noun", "ai_is_reading": "ai_noun", "output_you_give": "you",
    "you_respond": "you", "when_asked_then_act": "asker", "if_asked_respond_with": "ask", "ask_ai_to": "ai_noun", "ai_instructions_header": "ai_noun", "instead_of_task": "nothing_else",
    "repeat_after_me": "above", "your_task_changed": "your", "conversation_scope": "scope", "instructions_you_were_given": "you", "you_were_told": "you",
    "your_usual_instructions": "your", "adopt_persona": "persona_word", "you_are_named": "you", "behave_like": "like",
    "generation_request": "generate_verb",
}
assert set(_ANCHOR_OF) == {c.name for c in CUES}, "every cue needs an anchor"
_ANCHOR_WORD_RES = {group: re.compile(f"(?:{words})") for group, words in _ANCHOR_WORDS.items()}
_CUE_INDICES_BY_GROUP: dict[str, tuple[int, ...]] = {}
for _index, _c in enumerate(CUES):
    _CUE_INDICES_BY_GROUP[_ANCHOR_OF[_c.name]] = _CUE_INDICES_BY_GROUP.get(_ANCHOR_OF[_c.name], ()) + (_index,)
_TOKEN = re.compile(r"[a-z]+")


_ANY_ANCHOR_WORD = re.compile("|".join(f"(?:{words})" for words in _ANCHOR_WORDS.values()))


@functools.lru_cache(maxsize=65536)
def _anchor_groups(token: str) -> frozenset[str]:
    if not _ANY_ANCHOR_WORD.match(token):
        return frozenset()
    return frozenset(group for group, anchor in _ANCHOR_WORD_RES.items() if anchor.match(token))


def _unit_anchor_groups(piece: str) -> set[str]:
    lowered = piece.lower()
    groups: set[str] = set()
    for token in set(_TOKEN.findall(lowered)):
        groups |= _anchor_groups(token)
    if "a.i." in lowered:
        groups.add("ai_noun")
    if "<" in piece or "[" in piece or "#" in piece:
        groups.add(_MARKUP_GROUP)
    return groups


def cues_to_scan(piece: str) -> list[Cue]:
    """The cues whose anchors occur in ``piece`` (in table order)."""
    groups = _unit_anchor_groups(piece)
    if not groups:
        return []
    wanted = set().union(*(_CUE_INDICES_BY_GROUP.get(g, ()) for g in groups))
    return [CUES[i] for i in sorted(wanted)]
