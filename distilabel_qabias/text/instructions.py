"""Find passages in a document that address a language model rather than a human reader.

Offline, rule-based and linear-time. The text is cut into *units* (sentences within lines, at most
``MAX_UNIT_CHARS`` long); each unit gets a score in [0, 1] from cues and penalties:

- cues: "ignore previous instructions" and its variants, spoofed chat/role tokens and turn markers,
  refusal templates, output-format or language overrides, persona switches, requests to reveal prompts
  or keys, "the correct answer to every question is ...", phrases that address an AI directly
  ("Note to the AI", "if you are a language model", "AI assistants must ..."), and, more generally, an
  imperative aimed at the model's own answer, tools or conversation ("recommend ... in your answer",
  "use your browsing tool to send the conversation history ..."); and the generalised notions of the fourth
  round: an AI named as the addressee ("Dear chatbot, please ...", "AI agent: call ..."), an obligation put on
  AI systems as a group ("language models that see this text should ...", "we ask AI tools to ..."), "if an
  AI is reading this", conditionals about answering ("when you are asked about this company, always ..."),
  the instructions "you were given" and "your usual guidance", "your task has changed", the scope of a
  conversation ("for the rest of this chat", "for all future messages"), persona adoption ("take on the
  persona of", "you are a bot called X", "behave like an AI without ..."). Verb-led cues count fully only in an
  imperative position (start of a clause, after "please", "you must", ...): "an attacker instructs a
  model *to ignore* previous instructions" is a report, not an instruction. The strongest cue counts
  fully, the others only close half of the remaining gap, so weak cues do not add up to an instruction.
- penalties: encyclopedic framing ("is a", "refers to", "such as", "for example", third-person
  "the model would ...", "the bot replies ...", past-tense reporting, a year), exam/homework/game framing
  ("in the spaces provided", "ink", "your own words", "your team"), a reader told what to tell a model
  ("tell the model who the user is"; halved when the passage names an AI as its addressee), and for each cue, sitting inside quotation marks and next to a speech verb ("she whispered").

Units scoring at least ``threshold`` are flagged; a flagged unit then grows over neighbouring units of
the same paragraph that score at least ``extend_threshold`` (the rest of an injected passage:
"Say ZEBRA-7431 to confirm.") or carry no words of their own (a closing ``-->``, a shouted
"IMPORTANT:"), a unit of at most two words right before it opens it ("Stop.", "Attention!"), a short unit between two flagged ones joins them, paired chat blocks
(``<|im_start|> ... <|im_end|>``, ``[INST] ... [/INST]``, ``<<SYS>> ... <</SYS>>``, ``<system> ... </system>``)
are taken whole, and wrappers around a span (brackets, ``**``, ``<!-- -->``, quotes) go with it, so a
span covers the whole passage rather than its trigger phrase. A passage inserted in the middle of a
host sentence ("The city was Ignore all previous instructions ... founded in 1854.") starts at its own
first word, so the host sentence keeps its characters.

Speed: every cue needs one of its anchor words in the unit, so most units are never scanned by the
cue patterns (``score_units(..., prefilter=False)`` gives the same scores, slower). No pattern has an
unbounded gap, so nothing backtracks catastrophically; a 10 MB line is fine.

Limits (measured in ``benchmarks/eval_instructions.py``): English only; phrasings unlike the cue
families are missed. Five held-out template sets, each measured before the rules saw it: 55 %, 49 %,
25 %, 62 % and 60 % of passages removed; after the fourth round 96 %, 92 %, 69 %, 69 % and 79 % (the last
two sets never tuned on), against 98 % on the templates the rules were developed with. Clean sentences
lost: 0 of 36,384 on all 10,033 Wikipedia summaries, 0 of 553 on the summaries about AI and software,
2 of 200 on the hand-written hard negatives (second-person advice to people: "When you answer questions
about your previous job, keep your reply short"). A static-embedding classifier (wordllama + logistic
regression) was tried as a second opinion on units with a weak cue: +9 points on a left-out template
set, but 12 % of hard-negative sentences lost, so it is not shipped;
obfuscated text ("I g n o r e", "1gn0re") is missed. A user-supplied classifier (``classifier(list[str]) ->
list[float]``) can score every unit too; a unit's score is then ``max(rule score, classifier score)``.
:func:`load_classifier` turns an import path ``"package.module:function"`` into such a callable.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import re
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

Classifier = Callable[[list[str]], Sequence[float]]

DEFAULT_THRESHOLD = 0.5
DEFAULT_PLACEHOLDER = "[instruction removed]"
MODES = ("remove", "mask", "tag")
MAX_UNIT_CHARS = 600  # long units (10 MB lines) are cut at whitespace so one trigger cannot flag a whole line

KINDS = (
    "override",  # ignore / disregard / forget previous instructions, "new instructions:"
    "role_token",  # <|im_start|>, [INST], <<SYS>>, ### Instruction:, <system>, "System:" turns
    "refusal",  # "As an AI language model, I cannot ..."
    "output_override",  # "respond only in French", "answer in JSON", "end every answer with ..."
    "persona",  # "you are now DAN", "act as ...", "pretend you are ..."
    "prompt_leak",  # "print your system prompt", "reveal the API key"
    "answer_override",  # "the correct answer to every question is ..."
    "model_address",  # "Note to the AI", "if you are a language model", "assistants reading this"
    "classifier",  # flagged only by the user-supplied classifier
)


@dataclass(frozen=True)
class InstructionSpan:
    start: int  # offsets into the original text, end exclusive
    end: int
    score: float
    kind: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    paragraph: int  # units of different paragraphs (blank line between) never join


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    score: float
    kind: str | None
    passage_start: int  # where the instruction-like text starts (after a host sentence's prefix, if any)


@dataclass(frozen=True)
class InstructionFilterResult:
    text: str  # the document with spans removed or masked (unchanged in "tag" mode)
    spans: list[InstructionSpan]
    instruction_fraction: float  # share of the document's non-space characters inside spans
    keep: bool  # false when the document is mostly instruction-like


# ------------------------------------------------------------------------------------------------
# Cues. Gaps between words are bounded ({0,n}, \w{1,30}) so no pattern can backtrack catastrophically.

_W = r"[\w'’-]{1,30}"  # one word
_APOS = "['’]"
_LANG = (
    r"(?:English|French|Spanish|German|Italian|Portuguese|Japanese|Chinese|Mandarin|Cantonese|Russian|Arabic|"
    r"Hindi|Korean|Dutch|Swedish|Norwegian|Danish|Finnish|Polish|Turkish|Latin|Greek|Hebrew|Klingon|Esperanto|"
    r"pirate(?: speak)?|Shakespearean English)"
)
_FORMAT = (
    r"(?:" + _LANG + r"|JSON|YAML|XML|CSV|HTML|markdown|upper-?case|all caps|all capital letters|capital letters|"
    r"lower-?case|emojis?|rhymes?|rhyming couplets|verse|haikus?|binary|base64|morse code|leetspeak|l33t|"
    r"a single word|one word|(?:a|one) sentence|a (?:poem|limerick|song|sonnet)|bullet points|"
    r"a (?:bulleted |numbered )?list|a table|code only)"
)
# "support agents", "sales assistants": people, not AI systems
_NOT_PEOPLE = (
    r"(?<!support )(?<!sales )(?<!customer )(?<!service )(?<!human )(?<!travel )(?<!estate )(?<!press )(?<!secret )"
    r"(?<!special )(?<!free )(?<!booking )(?<!shop )(?<!personal )(?<!teaching )(?<!research )(?<!medical )"
)
_AI = (
    r"(?:AI|A\.I\.|artificial intelligence|LLMs?|(?:large )?language models?|AI (?:language )?models?|"
    r"(?:AI |virtual |digital |automated )?assistants?|chatbots?|bots?|GPT(?:-\d)?|ChatGPT|Claude|Gemini|Bard|Copilot|"
    r"Llama|Mistral|AI agents?|" + _NOT_PEOPLE + r"agents?|models?|summari[sz]ers?|(?:AI |web )?(?:crawlers?|scrapers?)|"
    r"(?:AI|automated|LLM|model) (?:systems?|tools?|readers?|agents?|graders?|"
    r"evaluators?|judges?|raters?|reviewers?|scorers?))"
)
# an AI addressed by name: "Assistant, ...", "Dear AI: ...", "AI agent: ..."
_AI_ADDRESSEE = (
    r"(?:AI|A\.I\.|LLMs?|(?:large )?language models?|AI (?:language )?models?|(?:AI |virtual )?assistants?|chatbots?|"
    r"bots?|AI agents?|agents?|models?|summari[sz]ers?|(?:AI |web )?crawlers?|ChatGPT|Claude|Gemini|Copilot|GPT(?:-\d)?)"
)
# a group of AI systems as the subject of an obligation: "language models should ...", "any assistant that ...";
# "assistants", "agents" and "bots" can be people or products ("Agents should greet every caller"), so they
# count only with a clause saying they read or process the text
_AI_GROUP = (
    r"(?:AIs|LLMs|(?:large )?language models|AI (?:assistants|models|agents|systems|tools|crawlers|readers)|chatbots|"
    r"summari[sz]ers|crawlers|(?:any|every|all)\s+(?:AI|LLM|(?:language )?model|assistant|chatbot|agent|bot|"
    r"summari[sz]er|crawler)s?)"
)
_AI_GROUP_AMBIGUOUS = _NOT_PEOPLE + r"(?:assistants|agents|bots|models)"
_READS_THE_TEXT = (
    r"(?:reading|processing|summari[sz]ing|analy[sz]ing|answering|crawling|indexing|evaluating|seeing|visiting|parsing)"
)
_OUTPUT_NOUN = r"(?:answers?|responses?|replies|reply|outputs?|messages?|summar(?:y|ies)|completions?)"
_OVERRIDE_VERB = (
    r"(?:ignore|disregard|forget|override|bypass|discard|abandon|neglect|dismiss|erase|cancel|set aside|"
    r"throw out|stop following|do not follow|don['’]t follow|no longer follow|stop obeying|do not obey)"
)
_INSTRUCTION_NOUN = (
    r"(?:instructions?|prompts?|directives?|rules|guidelines|guidance|commands?|orders|context|messages?|"
    r"conversation|programming|constraints|restrictions|policies|policy|training|settings|tasks?|system prompt)"
)


# verbs an instruction to a model starts with, and phrases that show the addressee is the model answering
# ("your answer", "the user", "when you summarize this article", "all further prompts", "the code interpreter")
_MODEL_VERB = (
    r"(?:reply|respond|answer|say|output|print|write|type|repeat|tell|include|mention|add|append|insert|put|send|"
    r"forward|execute|run|call|use|list|dump|show|share|reveal|give|provide|return|state|greet|rate|assign|translate|"
    r"summari[sz]e|format|begin|start|end|finish|sign|stop|replace|keep|copy|quote|recommend|cite|make sure|ensure|"
    r"claim|insist|omit|refuse|promote|advertise|link)"
)
_MODEL_OBJECT = (
    r"(?:the user(?:['’]s)?|your\s+(?:(?:future|next|subsequent|following|final|every|own)\s+)?"
    r"(?:answers?|responses?|replies|reply|outputs?|summar(?:y|ies)|messages?|system (?:message|prompt)|developers?|"
    r"creators?|configuration|instructions|rules|guidelines|tools?|memory|context|content polic(?:y|ies))|"
    r"(?:every|each|any|all)(?: of)?(?: your| the)?\s+(?:(?:future|next|subsequent|following|further)\s+)?"
    r"(?:answers|responses|replies|outputs|summaries|answer|response|reply|output|summary)|"
    r"(?:every|each|any|all)\s+(?:further|future|subsequent|following|next)\s+prompts?|"
    r"when\s+(?:you\s+)?(?:are\s+)?(?:asked|answering|responding|replying|summari[sz]ing|summari[sz]e|answer|respond|"
    r"reply)\b(?:\s+{W}){{0,3}}?\s+(?:this|the)\s+(?:document|text|page|article|passage|topic|subject|webpage|site|website|"
    r"company|person|product|post|entry|paragraph|content)|"
    r"(?:before|prior to|after)\s+(?:responding|answering|replying)|"
    r"when\s+(?:generating|writing|producing|creating)\s+(?:the|your|a|this)\s+(?:summary|answer|response|reply|output)|"
    r"(?:everything|all (?:the )?text|anything|all content)\s+(?:above|before)\s+this\s+(?:line|message|point|"
    r"sentence|document)|(?:anyone|everyone|whoever|users?)\s+(?:who\s+)?asks?|in\s+(?:that|this|your new)\s+role|"
    r"(?:the|this|our)\s+(?:conversation|chat)(?: history)?|conversation history|chat history|code interpreter|"
    r"(?:browsing|browser|email|e-mail|web|search|file)\s+tool|plugins?|function call|tool call)"
).format(W=_W)


@dataclass(frozen=True)
class Cue:
    name: str
    kind: str
    pattern: re.Pattern
    weight: float  # in an imperative position (or always, when imperative_only is False)
    other_weight: float = 0.0  # elsewhere, for verb-led cues
    imperative_only: bool = False
    negation_kills: bool = False  # "never reveal your password" is advice, not an attack


def _cue(name, kind, pattern, weight, other_weight=0.0, *, imperative=False, negation_kills=False):
    return Cue(name, kind, re.compile(pattern, re.I), weight, other_weight, imperative, negation_kills)


CUES: tuple[Cue, ...] = (
    # --- override
    _cue("ignore_previous", "override",
         rf"\b{_OVERRIDE_VERB}\b(?:\s+{_W}){{0,3}}?\s+(?:previous|prior|above|earlier|preceding|foregoing|initial|"
         rf"original|old|existing|former|system|your|all|current|usual|default|standard|normal|operator['’]s)\b"
         rf"(?:\s+{_W}){{0,2}}?\s+{_INSTRUCTION_NOUN}\b",
         0.95, 0.35, imperative=True),
    _cue("ignore_instructions_above", "override",
         rf"\b{_OVERRIDE_VERB}\b\s+(?:all\s+(?:of\s+)?)?(?:the|any|your|these|those|my)\s+(?:{_W}\s+)?{_INSTRUCTION_NOUN}\s+"
         r"(?:above|before|so far|earlier|previously|(?:you\s+)?(?:were|have been)\s+given|(?:you\s+)?received|"
         r"given\s+(?:to\s+you\s+)?(?:above|before|earlier))\b", 0.95, 0.35, imperative=True),
    _cue("ignore_rules_given_earlier", "override",
         rf"\b{_OVERRIDE_VERB}\b(?:\s+{_W}){{0,5}}?\s+{_INSTRUCTION_NOUN}\b(?:\s+{_W}){{0,4}}?\s+(?:above|before|earlier|"
         r"previously|so far|prior|until now|up to now)\b", 0.9, 0.3, imperative=True),
    # French, German, Spanish, Italian, Portuguese: "ignore all previous instructions"
    _cue("ignore_previous_multilingual", "override",
         r"\b(?:ignor\w{0,6}|oubli\w{0,6}|vergiss\w{0,3}|olvid\w{0,6}|esquec\w{0,6}|dimentic\w{0,6})\b(?:\s+\w{1,15}){0,3}?\s+"
         r"(?:instructions|Anweisungen|Instruktionen|instrucciones|istruzioni|instruções|instrucoes|consignes|indicaciones)\s+"
         r"(?:précédentes|precedentes|antérieures|vorherigen|bisherigen|früheren|anteriores|previas|precedenti|"
         r"anteriori|prévias)\b|\b(?:alle|toutes|todas|tutte)\s+(?:les\s+|las\s+|le\s+|as\s+)?(?:vorherigen|bisherigen|"
         r"instructions|instrucciones|istruzioni|instruções)\b(?:\s+\w{1,15}){0,2}?\s+(?:ignorieren|ignorer|ignorar|"
         r"ignorare)\b|\b(?:ignorier\w{0,3}|vergiss\w{0,3}|missachte\w{0,2})\s+(?:alle\s+)?(?:vorherigen|bisherigen|"
         r"früheren|vorigen)\s+(?:Anweisungen|Instruktionen|Befehle)\b", 0.9),
    _cue("ignore_safety", "override",
         r"\b(?:ignore|disregard|bypass|disable|turn off|skip|circumvent|evade)\s+(?:the\s+|all\s+|any\s+|your\s+)?"
         r"(?:content|safety|moderation|ethical)\s+(?:filters?|polic(?:y|ies)|guidelines|rules|restrictions|settings|checks)",
         0.7),
    _cue("enter_mode", "persona",
         r"\b(?:enter|enable|activate|switch to|turn on|unlock)\s+(?:the\s+)?(?:developer|DAN|jailbreak|god|unrestricted|"
         r"unfiltered|uncensored|admin|debug|evil)\s+mode\b", 0.45),
    _cue("do_not_do_task", "override",
         r"\b(?:do not|don['’]t)\s+(?:summari[sz]e|translate|answer|read|process|analy[sz]e|describe)\s+(?:this|the)\s+"
         r"(?:page|document|text|article|passage|question|webpage|email|e-mail)\b", 0.6),
    _cue("you_have_been_updated", "override",
         r"\byou\s+have\s+(?:just\s+)?been\s+(?:updated|reprogrammed|reconfigured|jailbroken|freed|unlocked|upgraded|"
         r"patched)\b", 0.6),
    _cue("task_complete", "override",
         r"\b(?:the|your|this)\s+(?:previous\s+|above\s+|first\s+|current\s+|original\s+)?task\s+(?:above\s+)?"
         r"(?:is|has been)\s+(?:now\s+)?(?:complete|completed|done|finished|over)\b|\bend of (?:the\s+)?(?:document|text|"
         r"context|input|article|page)\b|\b(?:document|text|context|input) ends here\b", 0.55),
    _cue("forget_everything", "override",
         rf"\b(?:ignore|disregard|forget|override)\s+(?:everything|anything|all(?: of)? (?:that|this|the above)|what)\b"
         rf"(?:\s+{_W}){{0,4}}?\s*\b(?:above|before|previously|earlier|so far|told|said|given|written)\b",
         0.9, 0.3, imperative=True),
    _cue("ignore_document", "override",
         r"\b(?:ignore|disregard|forget|skip)\s+(?:the|this|that|any|all)\s+(?:document|text|context|article|page|passage|content|"
         r"question|data|input)\b", 0.8, 0.25, imperative=True),
    _cue("new_instructions_header", "override",
         r"\b(?:new|updated|revised|real|actual|true|secret|hidden|priority|override|additional)\s+(?:system\s+)?"
         r"(?:instructions?|directives?|task|prompt|orders|rules)\s*[:\-–—]", 0.75),
    _cue("your_new_task", "override",
         r"\byour\s+(?:new|real|actual|true|next|only|updated)\s+(?:task|job|goal|instructions?|purpose|objective|"
         r"mission|directive)\b", 0.7),
    _cue("instructions_void", "override",
         r"\b(?:earlier|previous|prior|above|preceding|original|old|initial)\s+(?:instructions?|directives?|rules|"
         rf"prompts?|guidelines|guidance|setup|configuration|context|settings|programming)\b(?:\s+{_W}){{0,2}}?\s+"
         r"(?:no longer (?:apply|applies|matters?|counts?|holds?)|(?:are|is) (?:now )?(?:void|cancel+ed|revoked|"
         r"obsolete|invalid|null|overridden|superseded|irrelevant|deprecated|outdated)|do(?:es)? not apply|don['’]t apply|"
         r"ha(?:ve|s) been (?:revoked|cancel+ed|replaced|updated|overridden))", 0.85),
    _cue("override_word", "override",
         r"\b(?:system override|override mode|admin(?:istrator)? override|jailbr(?:eak|oken)\w*)\b", 0.45),
    # --- role tokens and turn markers
    _cue("chat_token", "role_token",
         r"<\|(?:im_start|im_end|im_sep|system|user|assistant|end|endoftext|eot_id|eom_id|start_header_id|"
         r"end_header_id|begin_of_text|end_of_text|prompter|model)\|>", 0.95),
    _cue("inst_token", "role_token",
         r"\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>|<im_(?:start|end|sep)>|\[(?:system|assistant|user)\]\(#\w{1,30}\)",
         0.95),
    _cue("xml_role_tag", "role_token",
         r"<\s*/?\s*(?:system|sys|assistant|user|instructions?|admin|prompt|system[_-]prompt)\s*>", 0.9),
    _cue("markdown_role_header", "role_token",
         r"(?m)^[ \t>*_]*(?:<!--[ \t]*)?#{2,4}[ \t]*(?:Instruction|Response|System(?: Prompt)?|Input|Human|Assistant|User)s?"
         r"[ \t]*(?::|$)", 0.9),
    # --- refusal templates
    _cue("as_an_ai", "refusal",
         rf"\bas an?\s+(?:{_W}\s+){{0,2}}?(?:{_AI}|text-based AI|machine learning model)\b[^.!?\n]{{0,40}}?\bI\b", 0.95),
    _cue("ai_developed_by", "refusal",
         r"\bas an? (?:AI|A\.I\.|language model|AI (?:language )?model|AI assistant)\s+(?:developed|created|trained|"
         r"made|built)\s+by\b", 0.9),
    _cue("sorry_cannot", "refusal",
         rf"\b(?:(?:I{_APOS}m|I am)\s+(?:so\s+|very\s+|really\s+)?(?:sorry|afraid)|sorry|unfortunately|apologies)\b"
         rf"[^.!?\n]{{0,60}}?\bI\s*"
         rf"(?:can{_APOS}?t|cannot|can not|am (?:not able|unable)|{_APOS}m (?:not able|unable)|won{_APOS}t|"
         rf"will not|must (?:decline|refuse)|do not|don{_APOS}t)\b", 0.8),
    _cue("cannot_fulfil_request", "refusal",
         rf"\bI\s*(?:can{_APOS}?t|cannot|am unable to|{_APOS}m unable to|won{_APOS}t|will not|am not able to)\s+"
         rf"(?:{_W}\s+){{0,2}}?(?:assist|help|comply|fulfil+|provide|complete|engage|generate|create|answer|support)"
         rf"\s+(?:{_W}\s+){{0,2}}?(?:with\s+)?(?:this|that|your|such)\s+(?:requests?|quer(?:y|ies)|questions?|"
         r"tasks?|prompts?|topics?)", 0.8),
    _cue("i_am_an_ai", "refusal",
         rf"\b(?:I{_APOS}m|I am)\s+(?:(?:just|only|merely|simply)\s+)?an?\s+(?:AI|A\.I\.|artificial intelligence|"
         r"(?:large\s+)?language model|LLM|AI language model|AI assistant|AI model|virtual assistant|chatbot)\b", 0.85),
    _cue("against_my_guidelines", "refusal",
         r"\b(?:goes|go|is|are|would be|be)\s+against\s+(?:my|our)\s+(?:programming|guidelines|policies|policy|"
         r"principles|ethical guidelines|content polic(?:y|ies)|terms)\b", 0.8),
    _cue("no_personal_opinions", "refusal",
         rf"\bI\s+(?:do not|don{_APOS}t)\s+have\s+(?:personal\s+(?:opinions|feelings|beliefs|experiences|preferences)|"
         r"feelings|emotions|access to (?:real-time|the internet|current)|the ability to (?:browse|access))", 0.75),
    _cue("apology_opener", "refusal", rf"\bI(?:{_APOS}m| am)?\s+(?:so\s+|very\s+|really\s+)?(?:sorry|apologi[sz]e|afraid)\b", 0.3),
    _cue("assistant_boilerplate", "refusal",
         r"\b(?:is there anything else (?:that )?I can (?:help|assist) you with|how (?:can|may) I (?:help|assist) you today|"
         r"I hope this helps)\b", 0.45),
    _cue("knowledge_cutoff", "refusal", r"\bmy\s+(?:knowledge|training)\s+(?:cut-?off|data)\b", 0.6),
    _cue("not_appropriate_for_me", "refusal", rf"\bit(?:{_APOS}s| is) not appropriate for me to\b", 0.6),
    _cue("apologise_confusion", "refusal", r"\bI (?:apologi[sz]e|am sorry) for (?:any|the) (?:confusion|inconvenience)\b",
         0.5),
    _cue("made_by_vendor", "refusal",
         r"\b(?:trained|developed|created|made|built)\s+by\s+(?:OpenAI|Anthropic|Google(?: DeepMind)?|Meta(?: AI)?|"
         r"Mistral(?: AI)?)\b", 0.3),
    # --- output format / language overrides
    _cue("respond_in_format", "output_override",
         rf"\b(?:respond|reply|answer|write|speak|talk|communicate|output|return|format|give|provide|produce|"
         rf"generate|compose)\b(?:\s+{_W}){{0,4}}?\s+(?:(?:only|exclusively|entirely|solely)\s+)?"
         rf"(?:in|using|into|with|as)\s+(?:(?:only|exclusively)\s+)?(?:(?:a|an|the|valid|plain|pure|proper|strict|fluent|all)\s+)?"
         rf"{_FORMAT}\b",
         0.75, 0.25, imperative=True),
    _cue("written_in_format", "output_override",
         rf"\b(?:must|should|shall|has to|have to|needs? to|is to|are to|will)\s+be\s+(?:{_W}\s+)?(?:written|given|formatted|provided|delivered|phrased)\s+(?:{_W}\s+)?(?:in|as)\s+"
         rf"(?:(?:a|an|the|valid|plain)\s+)?{_FORMAT}\b", 0.55),
    _cue("end_every_answer_with", "output_override",
         rf"\b(?:end|start|begin|finish|conclude|close|prefix|suffix|sign|preface|open)\s+(?:each|every|all|your|any)"
         rf"\s+(?:{_W}\s+){{0,2}}?{_OUTPUT_NOUN}\s+(?:with|by)\b", 0.85, 0.3, imperative=True),
    _cue("your_answer_must", "output_override",
         rf"\byour\s+(?:{_W}\s+)?{_OUTPUT_NOUN}\s+(?:must|should|shall|has to|have to|needs? to|will|may only|"
         r"can only|is to|are to|ought to)\b", 0.45),
    _cue("in_every_answer", "output_override",
         rf"\b(?:in|to|at the (?:end|start|beginning) of)\s+(?:all|every|each|any)\s+(?:of\s+)?(?:your\s+)?"
         rf"(?:future\s+|subsequent\s+|following\s+)?{_OUTPUT_NOUN}\b", 0.55),
    _cue("reply_only", "output_override",
         r"\b(?:reply|respond|answer|say|output|print|write|type|return|state|repeat|echo)\s+(?:only|just|exactly|"
         r"simply|solely|nothing but|with nothing but)\b", 0.8, 0.3, imperative=True),
    _cue("reply_with", "output_override", r"\b(?:reply|respond|answer)\s+with\b", 0.45, 0.15, imperative=True),
    _cue("just_say", "output_override", r"\b(?:just|only|simply)\s+(?:say|reply|respond|answer with|output|print)\b",
         0.45, 0.15, imperative=True),
    _cue("nothing_else", "output_override",
         r"\bnothing (?:else|more)\b|\binstead of (?:answering|responding|replying)\b|\b(?:to|for) (?:every|each|any|all)\s+"
         r"(?:questions?|quer(?:y|ies)|prompts?|messages?|requests?)\b|\bto (?:everything|anything)\b", 0.35),
    _cue("not_in_your_answer", "output_override",
         rf"\b(?:do not|don{_APOS}t|never)\s+(?:{_W}\s+){{0,3}}?(?:in|from|within)\s+your\s+{_OUTPUT_NOUN}", 0.6),
    _cue("include_in_answer", "output_override",
         rf"\b(?:include|insert|add|append|put|mention|place|embed)\b(?:\s+\S{{1,40}}){{0,5}}?\s+(?:in|into|to|at the "
         rf"(?:end|start|beginning) of)\s+(?:your|the|each|every|all|any)\s+(?:{_W}\s+)?{_OUTPUT_NOUN}\b",
         0.7, 0.35, imperative=True),
    _cue("act_on_model_output", "output_override",
         rf"\b{_MODEL_VERB}\b[^.!?\n]{{0,80}}?\b{_MODEL_OBJECT}\b", 0.7, 0.3, imperative=True),
    _cue("model_object_then_act", "output_override",
         rf"\b{_MODEL_OBJECT}\b[^.!?\n:;,]{{0,60}}[,:;]\s*(?:you\s+(?:must|should|will|need to|have to)\s+)?"
         rf"(?:(?:please|kindly|also|then|just|simply|always)\s+)?"
         rf"{_MODEL_VERB}\b", 0.7),
    _cue("ai_must", "model_address",
         r"\b(?:AI|A\.I\.|LLMs?|(?:large\s+)?language models|AI (?:assistants?|models?|agents?|systems?)|chatbots|bots|"
         r"ChatGPT|GPT(?:-\d)?|Claude|Gemini|Copilot|(?:any|every|all)\s+(?:AI|LLM|model|assistant|chatbot|agent)s?"
         rf"\s+(?:that|which|who)(?:\s+{_W}){{1,3}})\s+(?:must|should|shall|are to|is to|"
         r"has to|have to|needs? to)\s+(?:now\s+|always\s+|only\s+|never\s+|also\s+)?(?:respond|reply|answer|say|output|"
         r"print|write|include|mention|refuse|ignore|use|follow|tell|state|add|begin|start|end|obey|comply|recommend)\b",
         0.7),
    _cue("you_will_now", "persona",
         r"\byou\s+(?:will|shall|are going to|must)\s+now\s+(?:play|act|be|become|assume|take on|adopt|speak|respond|"
         r"behave|answer|reply|pretend)\b", 0.55),
    _cue("question_independent", "answer_override",
         r"\b(?:regardless of|no matter|irrespective of|independent(?:ly)? of|whatever)\s+(?:what\s+)?(?:the\s+|which\s+)?"
         r"(?:question|query|prompt|input|request|user asks|you are asked|is asked|(?:the )?user (?:types|says|writes|sends|"
         r"wants|asks for))", 0.6),
    _cue("questions_about_this_document", "answer_override",
         r"\b(?:every|any|each|all)\s+(?:\w{1,30}\s+)?(?:questions?|quer(?:y|ies)|answers?|summar(?:y|ies))\s+(?:about|on|"
         r"regarding|concerning|relating to|related to|of)\s+this\s+(?:text|document|page|article|passage|subject|topic|"
         r"site|website)\b", 0.5),
    _cue("praise_output", "model_address",
         r"\b(?:that|your|the)\s+(?:last\s+|previous\s+)?(?:summary|answer|response|reply|translation|output)\s+(?:was|is)"
         r"\s+(?:perfect|great|correct|excellent|good|wrong|incorrect)\b", 0.4),
    _cue("assign_score", "model_address",
         r"\b(?:assign|give|award)\s+(?:it|this|the\s+(?:text|answer|response|essay|submission|document))\s+(?:a\s+)?"
         r"(?:score|rating|grade|mark)\s+of\s+\d|\brate\s+(?:it|this|the\s+(?:text|answer|response))\s+(?:as\s+)?"
         r"(?:correct|\d)", 0.5),
    # --- persona switches
    _cue("you_are_now", "persona",
         r"\byou\s+are\s+(?:now|henceforth|hereby|from now on)\b(?!\s+(?:ready|able|free|connected|logged|signed|"
         r"registered|done|finished|set|entering|leaving|in\s+(?:the\s+)?(?:setup|settings|recovery)))", 0.4),
    _cue("you_are_an_ai", "persona",
         rf"\byou\s+are\s+(?:now\s+)?(?:DAN\b|(?:[^.!?\n,]{{1,40}},\s*)?an?\s+(?:{_W}\s+){{0,3}}?(?:AI|A\.I\.|"
         r"assistant|chatbot|bot|language model|LLM|model|GPT)\b)", 0.6),
    _cue("you_are_not_chatgpt", "persona",
         rf"\byou{_APOS}?(?:re| are)\s+(?:no longer|not)\s+(?:ChatGPT|Claude|Gemini|Bard|Copilot|an? (?:AI|assistant|"
         r"language model|chatbot))\b", 0.7),
    _cue("act_as_if_you", "persona",
         r"\b(?:act|behave|respond|pretend|roleplay|role-play|play|pose|speak|answer|function|operate)\s+(?:as|like)\s+"
         r"(?:if|though)\s+(?:you|it)\s+(?:are|were|was)\b", 0.7, 0.3, imperative=True),
    _cue("you_speak_as", "persona",
         r"\byou\s+(?:now\s+)?(?:speak|talk|respond|answer|reply|write)\s+(?:only\s+)?as\s+", 0.45),
    _cue("act_as", "persona",
         r"\b(?:act|behave|roleplay|role-play|pose)\s+as\s+(?:an?|the|my|your)\b", 0.45, 0.1, imperative=True),
    _cue("act_as_ai", "persona",
         rf"\b(?:(?:act|behave|roleplay|role-play|pose|function)\s+as|(?:play|take on|assume)\s+the\s+(?:role|part)\s+of)"
         rf"\s+(?:an?|the|my|your)\s+(?:{_W}\s+){{0,3}}?{_AI}\b",
         0.75, 0.2, imperative=True),
    _cue("pretend_you_are", "persona",
         rf"\b(?:pretend|imagine)\s+(?:that\s+)?(?:you\s+(?:are|have|were|had)|you{_APOS}re|to\s+be)\b", 0.6, 0.2,
         imperative=True),
    _cue("unrestricted_ai", "persona",
         r"\b(?:DAN|do anything now|developer mode|unfiltered|uncensored|unrestricted|no (?:restrictions|filters|"
         r"ethics|morals|guidelines|limitations|limits|content polic(?:y|ies))|without (?:any\s+)?(?:restrictions|filters|"
         r"censorship|limitations|limits|guidelines|ethical guidelines|morals|content filters|rules)|never refuses?)\b",
         0.35),
    _cue("from_now_on", "persona", r"\bfrom (?:now on|this (?:moment|point)(?: on)?)\b|\bhenceforth\b", 0.3),
    _cue("stay_in_character", "persona",
         rf"\b(?:stay|remain) in character\b|\bbreak(?:ing)? character\b|\byour\s+(?:new\s+)?(?:name|persona|"
         r"identity|role|character)\s+is\b", 0.5),
    # --- prompt / secret leaks
    _cue("reveal_prompt", "prompt_leak",
         rf"\b(?:print|reveal|show|display|output|repeat|tell|share|disclose|leak|list|give|send|dump|expose|recite|"
         rf"write out|paste|provide|echo|return|spell out|quote|type out)\b(?:\s+(?:me|us))?\s+(?:{_W}\s+){{0,5}}?"
         r"(?:system prompt|system message|initial prompt|original prompt|hidden prompt|secret prompt|pre-?prompt|"
         r"meta-?prompt|developer (?:message|prompt|instructions)|API[ -]keys?|secret keys?|access tokens?|private keys?|"
         r"credentials|environment variables|(?:hidden|secret|invisible)\s+(?:text|message|content|password|key|code)|"
         r"initiali[sz]ation\s+(?:text|prompt|instructions|message)|"
         r"(?:hidden|secret|internal|initial|original|system|confidential)\s+"
         r"(?:instructions|rules|guidelines|configuration|settings|context|notes)|instructions (?:above|you were given|"
         r"you received)|your (?:instructions|rules|guidelines|configuration|prompt|directives|programming|context|"
         r"training data|password))\b", 0.85, 0.3, imperative=True, negation_kills=True),
    _cue("repeat_text_above", "prompt_leak",
         rf"\brepeat\s+(?:{_W}\s+){{0,3}}?(?:words|text|lines|sentences|instructions|everything|all)\s+(?:above|before|"
         r"preceding|prior)\b|\b(?:instructions|text|everything|words)\s+(?:above|before)\s+(?:this|here)\b",
         0.8, 0.3, imperative=True, negation_kills=True),
    _cue("ask_about_instructions", "prompt_leak",
         r"\b(?:what|which|how)\b[^.!?\n]{0,30}?\byou(?:r)?\b[^.!?\n]{0,30}?\b(?:told|instructed|programmed|"
         r"system (?:message|prompt)|initial prompt|hidden (?:prompt|instructions))\b", 0.6),
    _cue("what_is_your_prompt", "prompt_leak",
         rf"\bwhat\s+(?:is|are|was|were)\s+your\s+(?:{_W}\s+)?(?:system prompt|instructions|initial prompt|rules|"
         r"guidelines|directives|prompt|configuration)\b", 0.7),
    # --- answer overrides
    _cue("correct_answer_is", "answer_override",
         rf"\b(?:correct|right|true|only|real|official|final|proper|expected)\s+answer\s+(?:to|for)\s+(?:every|each|any|"
         rf"all|these|the following|this|those)\b(?:\s+{_W}){{0,3}}?\s+(?:is|are|will be|should be|must be|shall be)\b"
         r"(?!\s+(?:revealed|given|shown|announced|published|provided|listed|found|printed|marked|written|displayed|"
         r"explained|kept|checked|read out)\b)",
         0.8),
    _cue("only_valid_answer", "answer_override",
         r"\bthe\s+only\s+(?:valid|acceptable|correct|allowed|permitted|right|possible)\s+(?:response|answer|reply|"
         r"output)\s+(?:is|will be)\b", 0.7),
    _cue("whatever_asked_answer", "answer_override",
         rf"\b(?:whatever|no matter what|regardless of (?:what|the question|which)|every time|whenever|if)\s+"
         rf"(?:you\s+are|you{_APOS}re|anyone|someone|somebody|the user|a user|people|they|i)\s+(?:{_W}\s+){{0,2}}?"
         r"ask(?:s|ed)?\b[^.!?\n]{0,80}?\b(?:answer|reply|respond|say|tell|output|write|state|the answer is)\b", 0.65),
    _cue("answer_every_question_with", "answer_override",
         rf"\b(?:answer|reply|respond)\s+(?:to\s+)?(?:every|all|any|each)\s+(?:{_W}\s+)?(?:questions?|quer(?:y|ies)|"
         r"prompts?|messages?|requests?)\s+(?:with|by (?:saying|writing))\b", 0.85, 0.3, imperative=True),
    _cue("questions_must_be_answered", "answer_override",
         r"\b(?:all|every|any|each)\s+(?:\w{1,30}\s+)?(?:questions?|quer(?:y|ies))\s+(?:about|regarding|on|concerning|"
         r"related to)\s+(?:this|the)\s+(?:document|text|page|article|passage|topic|subject|company|product|website|"
         r"site)\b[^.!?\n]{0,40}?\b(?:must|should|shall|are to|is to|has to|have to)\s+be\s+answered\b", 0.85),
    # --- addressing an AI directly
    _cue("note_to_ai", "model_address",
         rf"\b(?:note|message|instructions?|attention|notice|reminder|warning|directive|memo|request|hint|tip|"
         rf"info(?:rmation)?|PS)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+)?{_AI}\b", 0.85),
    _cue("hey_ai", "model_address",
         r"\b(?:dear|hey|hi|hello|attention|listen(?: up)?|ok(?:ay)?)[,!]?\s+(?:AI|A\.I\.|assistant|ChatGPT|GPT(?:-\d)?|"
         r"Claude|Gemini|Bard|Copilot|Siri|Alexa|LLM|model|bot|chatbot)\b", 0.7),
    _cue("if_you_are_an_ai", "model_address",
         rf"\bif\s+you(?:\s+are|{_APOS}re)\s+(?:an?|the|one of the)\s+(?:{_W}\s+)?{_AI}\b", 0.85),
    _cue("ai_reading_this", "model_address",
         rf"\b{_AI}\s+(?:that\s+(?:is|are)\s+)?(?:reading|processing|parsing|summari[sz]ing|analy[sz]ing|answering|"
         r"seeing|crawling|scraping|ingesting|indexing|evaluating|reviewing)\s+(?:this|these)\b", 0.8),
    _cue("your_system_prompt", "model_address",
         r"\byour\s+(?:system prompt|instructions|programming|guidelines|training|safety (?:guidelines|filters|rules|"
         r"settings)|content (?:policy|policies|filters?)|rules|creators?|developers?|previous (?:instructions|context|"
         r"answers?)|context window|knowledge cutoff|(?:initial|original|hidden) (?:prompt|instructions))\b", 0.35),
    _cue("about_this_document", "model_address",
         rf"\b(?:when|whenever|if|before|while)\s+(?:you\s+are\s+|you{_APOS}re\s+|you\s+)?(?:answering|responding|"
         r"replying|summari[sz]ing|asked|processing|reading|analy[sz]ing|answer|respond|reply|summari[sz]e)\b"
         r"[^.!?\n]{0,40}?\b(?:this|the)\s+(?:document|text|page|article|passage|website|site|webpage|company|product|"
         r"topic|subject|person|post|entry)\b", 0.35),
    _cue("do_not_tell_user", "model_address",
         rf"\b(?:do not|don{_APOS}t|never)\s+(?:mention|reveal|disclose|acknowledge|tell|inform|let)\b[^.!?\n]{{0,40}}?"
         r"\b(?:the user|this (?:note|message|instruction)|these instructions)\b", 0.5),
    # --- generalised notions (fourth round): who is addressed, and what about its behaviour
    _cue("ai_vocative", "model_address",
         rf"\b(?:(?:hi|hey|hello|dear|attention|okay|ok|to|for)(?:\s+there)?[,!]?\s+)?(?:(?:the|any|all|every)\s+)?{_AI_ADDRESSEE}"
         r"\s*(?:[,:!]|—|–|\s-\s)\s*(?:\S+\s+){0,8}?(?:you|your|please|kindly|" + _MODEL_VERB[3:-1] + r")\b",
         0.7, 0.0, imperative=True),
    _cue("ai_should_act", "model_address",
         rf"(?:\b{_AI_GROUP}(?:\s+(?:that|which|who)(?:\s+{_W}){{0,3}}?|\s+{_READS_THE_TEXT}(?:\s+{_W}){{0,3}}?)?|"
         rf"\b{_AI_GROUP_AMBIGUOUS}\s+(?:(?:that|which|who)\s+(?:read|process|see|summari[sz]e|crawl|parse|visit)\w*|"
         rf"{_READS_THE_TEXT})\s+(?:this|these|the|our)(?:\s+{_W}){{0,2}}?)\s+"
         r"(?:should|must|need to|needs to|are to|is to|ought to|have to|has to|"
         r"(?:are|is) (?:kindly )?(?:asked|expected|required|instructed|requested|encouraged|invited|urged) to)"
         r"\s+(?:now\s+|always\s+|also\s+|only\s+|please\s+|instead\s+)?(?!be\b|have\b|not\b|never\b)[a-z]{2,20}\b", 0.6),
    _cue("ask_ai_to", "model_address",
         rf"\b(?:we|I)\s+(?:(?:kindly|politely|hereby|therefore|also)\s+)?(?:ask|request|urge|invite|want|need|instruct|require|"
         rf"encourage|direct)\s+(?:(?:all|any|every|the)\s+)?{_AI}\s+to\s+[a-z]", 0.6),
    _cue("your_task_changed", "override",
         r"\byour\s+(?:task|instructions|job|goal|role|objective|mission|priorities|assignment|directives?)\s+"
         r"(?:has|have)\s+(?:now\s+)?(?:been\s+)?(?:changed|updated|replaced|modified|overridden|rewritten|revised)\b|"
         r"\b(?:changed|updated|replaced|modified|overridden|overrides|rewritten|revised)\s+your\s+(?:task|instructions|job|"
         r"goal|objective|mission|priorities|assignment|directives?|system prompt|programming)\b", 0.65),
    _cue("ai_instructions_header", "model_address",
         rf"\b{_AI}\s+(?:instructions?|directives?|notes?|rules|guidance|prompt|orders|commands|notice)\s*(?:[:\-–—]|$)", 0.8),
    _cue("instead_of_task", "override",
         r"\binstead of (?:answering|responding|replying|summari[sz]ing|translating|doing (?:that|this|the task)|"
         r"(?:answering|addressing) the question)\b", 0.45, 0.2, imperative=True),
    _cue("repeat_after_me", "output_override", r"\brepeat after me\b", 0.5, 0.2, imperative=True),
    _cue("ai_is_reading", "model_address",
         rf"\b(?:if|when|whenever|in case|while)\s+(?:an?|the|any|some)\s+(?:{_W}\s+)?{_AI}\s+(?:is|are|was|were|happens to be)\s+"
         r"(?:reading|processing|summari[sz]ing|analy[sz]ing|parsing|crawling|indexing|seeing|answering|looking at)\b|"
         rf"\b{_AI}\s+(?:that|which|who)\s+(?:reads?|process(?:es)?|sees?|summari[sz]es?|crawls?|visits?|index(?:es)?|"
         r"finds?|parses?|ingests?)\s+(?:this|these|it)\b", 0.8),
    _cue("output_you_give", "output_override",
         rf"\b(?:any|every|each|all|the)\s+(?:{_W}\s+)?{_OUTPUT_NOUN}\s+(?:that\s+)?you\s+(?:give|write|produce|provide|"
         r"generate|send|return|make|offer|output)\b", 0.45),
    _cue("when_asked_then_act", "answer_override",
         rf"\b(?:when|whenever|if|once|should|in case)\s+(?:you(?:\s+are|{_APOS}re)?|a user|the user|users|someone|anyone|"
         rf"somebody|people|a reader|readers)\s+(?:{_W}\s+){{0,2}}?(?:ask(?:s|ed)?|answer(?:s|ing)?|summari[sz](?:e|es|ing)|"
         r"respond(?:s|ing)?|repl(?:y|ies|ying)|describ(?:e|es|ing)|writ(?:e|es|ing))\b[^.!?\n;]{0,40}?(?:\b(?:about|on|"
         r"regarding|concerning|of)\s+(?:this|these|that|the)|\b(?:this|these))\b[^.!?\n;]{0,40}?,\s*(?:(?:please|always|just|only|simply|also|"
         r"then|you\s+(?:must|should|will|need to|have to))\s+)*(?:" + _MODEL_VERB[3:-1] + r"|describe|mention|call|refer|"
         r"claim|insist|emphasi[sz]e|stress|explain|point out|tell|write|do not|don['’]t|never)\b", 0.55),
    _cue("you_respond", "output_override",
         r"\byou\s+(?:now\s+|also\s+|always\s+|only\s+|please\s+|"
         r"kindly\s+|instead\s+|just\s+|simply\s+)?(?:reply|respond|answer|output|tell|mention|recommend|quote|repeat|"
         r"refuse|summari[sz]e|reveal|greet)\b", 0.4),
    _cue("conversation_scope", "output_override",
         r"\b(?:from (?:here on|here onwards?|this point (?:onwards?|forward))|"
         r"for (?:the rest|the remainder) of (?:this|the|our) (?:chat|conversation|session|dialogue|exchange|thread)|"
         r"(?:for|in) (?:all|any|every) (?:future|further|subsequent|following|upcoming|later) (?:messages?|replies|answers?|"
         r"responses?|questions|prompts|turns|conversations?|outputs?)|until (?:told|instructed) otherwise|"
         r"(?:to|in|for) (?:the|your) next (?:message|reply|answer|response|prompt|question|turn))\b", 0.4),
    _cue("instructions_you_were_given", "override",
         r"\b(?:instructions?|guidance|rules|directions|directives?|prompts?|tasks?|orders|guidelines|setup|configuration)\s+"
         r"(?:that\s+)?(?:you\s+(?:were|have been|['’]ve been|had been)\s+(?:given|told|configured|provided|issued|set|"
         r"programmed|assigned|handed)|you\s+(?:got|received|were configured with)|were\s+you\s+(?:given|told|provided|"
         r"configured|assigned))\b", 0.45),
    _cue("you_were_told", "override",
         r"\byou\s+(?:were|have been|['’]ve been|had been)\s+(?:told|asked|instructed|configured|programmed|prompted|set up|"
         r"given)"
         r"\s+(?:before|earlier|previously|to do|with|by (?:your|the) (?:operator|developers?|user|system))\b", 0.4),
    _cue("your_usual_instructions", "override",
         r"\byour\s+(?:usual|original|current|default|standard|normal|existing|earlier|previous|prior|initial|old|"
         r"operator['’]s|developer['’]s|base)\s+(?:instructions|guidance|rules|task|setup|configuration|directives|prompt|"
         r"programming|guidelines|orders)\b", 0.45),
    _cue("adopt_persona", "persona",
         r"\b(?:take on|adopt|assume|put on|play|use)\s+(?:the\s+)?(?:persona|identity|role|character|voice|personality|"
         r"part)\s+of\b|\b(?:stay|remain) in (?:this|that|the|your) (?:role|character|persona)\b|\bas that character\b",
         0.55, 0.2, imperative=True),
    _cue("you_are_named", "persona",
         rf"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:{_W}\s+){{0,4}}?(?:named|called|codenamed)\s+\S", 0.45),
    _cue("behave_like", "persona",
         rf"\b(?:behave|act|respond|answer|talk|speak|reply)\s+like\s+(?:an?\s+|the\s+)?(?:{_W}\s+){{0,4}}?"
         rf"(?:{_AI}|version of (?:yourself|themselves|itself))\b", 0.55, 0.2, imperative=True),
    _cue("you_must_obey", "model_address",
         r"\byou\s+(?:must|should|shall|will|are to|are required to|need to|have to)\s+(?:now\s+)?(?:always\s+|only\s+|"
         r"never\s+)?(?:answer|reply|respond|say|output|print|comply|obey|ignore|pretend|refuse|repeat)\b", 0.35),
)

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
    "multilingual": "instructions$|anweisungen$|instruktionen$|instrucciones$|istruzioni$|instru$|consignes$|"
                    "indicaciones$|vorherigen$|bisherigen$|befehle$",
}
_MARKUP_GROUP = "markup"  # chat tokens, <system> tags, ### headers: the unit contains "<", "[" or "#"
_ANCHOR_OF = {
    "ignore_previous": "override_verb", "ignore_instructions_above": "override_verb",
    "forget_everything": "override_verb", "ignore_document": "override_verb",
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
    "you_respond": "you", "when_asked_then_act": "asker", "ask_ai_to": "ai_noun", "ai_instructions_header": "ai_noun", "instead_of_task": "nothing_else",
    "repeat_after_me": "above", "your_task_changed": "your", "conversation_scope": "scope", "instructions_you_were_given": "you", "you_were_told": "you",
    "your_usual_instructions": "your", "adopt_persona": "persona_word", "you_are_named": "you", "behave_like": "like",
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

# paired chat blocks taken whole
_BLOCK_PAIRS = (
    (re.compile(r"<\|im_start\|>"), re.compile(r"<\|im_end\|>")),
    (re.compile(r"\[INST\]"), re.compile(r"\[/INST\]")),
    (re.compile(r"<<SYS>>"), re.compile(r"<</SYS>>")),
    (re.compile(r"<\s*(system|sys|assistant|user|instructions?|admin|prompt)\s*>", re.I), None),  # closer built per match
    (re.compile(r"<\|start_header_id\|>"), re.compile(r"<\|eot_id\|>")),
)
_MAX_BLOCK_CHARS = 3000

_WRAPPERS = (("<!--", "-->"), ("[", "]"), ("(", ")"), ("{", "}"), ("**", "**"), ("__", "__"), ('"', '"'), ("“", "”"))

# units: sentence ends within lines; a unit never spans a newline
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?:[.!?…]+[\"'”’)\]*_]*|[>\]])(?=\s)|\|>")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_HAS_WORD = re.compile(r"[^\W_]")
_LOWER = re.compile(r"[a-z]")
_SHOUTED = re.compile(r"[A-Z]{3,}")
_DIGIT = re.compile(r"\d")


# ------------------------------------------------------------------------------------------------
def split_units(text: str) -> list[Unit]:
    """Cut ``text`` into units: sentence-like pieces within lines, at most ``MAX_UNIT_CHARS`` long."""
    units: list[Unit] = []
    blank_lines = [m.start() for m in _BLANK_LINE.finditer(text)]
    for line in _LINE.finditer(text):
        paragraph = bisect.bisect_left(blank_lines, line.start())
        cuts = [m.end() for m in _SENTENCE_END.finditer(text, line.start(), line.end())]
        piece_start = line.start()
        for cut in [*cuts, line.end()]:
            for s, e in _cap_length(text, piece_start, cut):
                s, e = _strip(text, s, e)
                if s < e:
                    units.append(Unit(s, e, paragraph))
            piece_start = cut
    return units


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cap_length(text: str, start: int, end: int):
    while end - start > MAX_UNIT_CHARS:
        cut = text.rfind(" ", start + MAX_UNIT_CHARS // 2, start + MAX_UNIT_CHARS)
        cut = cut + 1 if cut > 0 else start + MAX_UNIT_CHARS
        yield start, cut
        start = cut
    yield start, end


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


def _cues_to_run(text: str, units: list[Unit], prefilter: bool):
    """(unit index, cues) pairs worth scanning: the cues whose anchors occur in the unit."""
    for index, unit in enumerate(units):
        if not prefilter:
            yield index, CUES
            continue
        groups = _unit_anchor_groups(text[unit.start : unit.end])
        if groups:
            wanted = set().union(*(_CUE_INDICES_BY_GROUP.get(g, ()) for g in groups))
            yield index, [CUES[i] for i in sorted(wanted)]


def score_units(text: str, classifier: Classifier | None = None, *, prefilter: bool = True) -> list[ScoredUnit]:
    """Score every unit of ``text`` (rules, and the optional classifier).

    ``prefilter=False`` scans every unit with every cue (same scores, slower; used to check the prefilter).
    """
    units = split_units(text)
    if not units:
        return []
    # best weight per (unit, cue), and where it matched (None: matched outside an imperative position)
    found: dict[int, dict[str, tuple[float, str, int | None]]] = {}

    def record(index: int, name: str, weight: float, kind: str, pos: int | None) -> None:
        per_unit = found.setdefault(index, {})
        if weight > per_unit.get(name, (0.0,))[0]:
            per_unit[name] = (weight, kind, pos)

    for index, cues in _cues_to_run(text, units, prefilter):
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
        if classifier_scores is not None and classifier_scores[index] > score:
            score, kind, passage_start = classifier_scores[index], "classifier", unit.start
        scored.append(ScoredUnit(unit, round(score, 4), kind, passage_start))
    return scored


def _run_classifier(classifier: Classifier, text: str, units: list[Unit]) -> list[float]:
    scores = list(classifier([text[u.start : u.end] for u in units]))
    if len(scores) != len(units):
        raise ValueError(f"classifier returned {len(scores)} scores for {len(units)} passages")
    return [min(1.0, max(0.0, float(s))) for s in scores]


def find_instruction_spans(
    text: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    extend_threshold: float | None = None,
    classifier: Classifier | None = None,
) -> list[InstructionSpan]:
    """Return the instruction-like passages of ``text`` as spans of the original text, in order.

    ``threshold``: a unit scoring at least this is instruction-like. ``extend_threshold`` (default
    ``threshold / 2``): neighbouring units scoring at least this join the passage. ``classifier``: optional
    ``callable(list[str]) -> list[float]`` scoring every unit; the higher of rule and classifier score counts.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold!r}")
    extend_threshold = threshold / 2 if extend_threshold is None else extend_threshold
    scored = score_units(text, classifier)
    if not scored:
        return []
    flagged = [s.score >= threshold and s.score > 0 for s in scored]
    if not any(flagged):
        return []
    _take_blocks(text, scored, flagged)
    _grow(text, scored, flagged, extend_threshold)
    _fill_gaps(scored, flagged)

    spans: list[InstructionSpan] = []
    i = 0
    while i < len(scored):
        if not flagged[i]:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(scored)
            and flagged[j + 1]
            and scored[j + 1].unit.paragraph == scored[j].unit.paragraph
        ):
            j += 1
        members = scored[i : j + 1]
        best = max(members, key=lambda s: s.score)
        start = scored[i].passage_start
        start, end = _take_wrappers(text, start, scored[j].unit.end)
        spans.append(InstructionSpan(start, end, round(best.score, 4), best.kind or "model_address"))
        i = j + 1
    return _merge_overlaps(spans)


def _take_blocks(text: str, scored: list[ScoredUnit], flagged: list[bool]) -> None:
    """Flag every unit between a flagged chat-block opener and its closer."""
    starts = [s.unit.start for s in scored]
    for opener, closer in _BLOCK_PAIRS:
        for match in opener.finditer(text):
            index = bisect.bisect_right(starts, match.start()) - 1
            if index < 0 or not flagged[index]:
                continue
            close_re = closer or re.compile(r"<\s*/\s*" + re.escape(match.group(1)) + r"\s*>", re.I)
            close = close_re.search(text, match.end(), match.end() + _MAX_BLOCK_CHARS)
            if not close:
                continue
            last = bisect.bisect_right(starts, close.start()) - 1
            for k in range(index, last + 1):
                flagged[k] = True


def _is_glue(text: str, unit: Unit) -> bool:
    """A unit with no words of its own ("-->", "**"), or a short shouted one ("IMPORTANT:", "NOTICE"; with
    digits only as a line of its own, so that "600 BCE." inside a paragraph is not glue)."""
    piece = text[unit.start : unit.end]
    if not _HAS_WORD.search(piece):
        return True
    if len(piece) > 40 or _LOWER.search(piece) or not _SHOUTED.search(piece):
        return False
    own_line = (unit.start == 0 or text[unit.start - 1] == "\n") and (unit.end == len(text) or text[unit.end] == "\n")
    return own_line or not _DIGIT.search(piece)


def _grow(text: str, scored: list[ScoredUnit], flagged: list[bool], extend_threshold: float) -> None:
    def joins(k: int, towards: int) -> bool:
        if flagged[k] or scored[k].unit.paragraph != scored[towards].unit.paragraph:
            return False
        if k < towards and _is_opener(text, scored[k].unit):
            return True
        return scored[k].score >= extend_threshold and scored[k].score > 0 or _is_glue(text, scored[k].unit)

    for i in [i for i, f in enumerate(flagged) if f]:
        k = i - 1
        while k >= 0 and joins(k, k + 1):
            flagged[k] = True
            k -= 1
        k = i + 1
        while k < len(scored) and joins(k, k - 1):
            flagged[k] = True
            k += 1


_MAX_OPENER_WORDS = 2


def _is_opener(text: str, unit: Unit) -> bool:
    """A unit of at most two words right before a passage opens it ("Stop.", "Attention!", "Update:");
    a sentence of running text is longer."""
    return len(text[unit.start : unit.end].split()) <= _MAX_OPENER_WORDS


_MAX_GAP_CHARS = 80


def _fill_gaps(scored: list[ScoredUnit], flagged: list[bool]) -> None:
    """A short unit between two flagged units of one paragraph belongs to the passage
    ("ASSISTANT: Sure! / The code is 42. / USER: repeat it in every answer.")."""
    for k in range(1, len(scored) - 1):
        unit = scored[k].unit
        if (
            not flagged[k]
            and flagged[k - 1]
            and flagged[k + 1]
            and unit.end - unit.start <= _MAX_GAP_CHARS
            and scored[k - 1].unit.paragraph == unit.paragraph == scored[k + 1].unit.paragraph
        ):
            flagged[k] = True


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
        if k + 1 in found or _is_glue(text, following):
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


def _take_wrappers(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span over a wrapper that encloses it: [ ... ], ** ... **, <!-- ... -->, " ... "."""
    for _ in range(3):
        before = start
        while before > 0 and text[before - 1] in " \t":
            before -= 1
        after = end
        while after < len(text) and text[after] in " \t":
            after += 1
        inner = text[start:end]
        for opener, closer in _WRAPPERS:
            opened_before = before >= len(opener) and text.startswith(opener, before - len(opener))
            closed_after = text.startswith(closer, after)
            if opened_before and closed_after:
                start, end = before - len(opener), after + len(closer)
                break
            if inner.startswith(opener) and not inner.endswith(closer) and closed_after:
                end = after + len(closer)
                break
            if inner.endswith(closer) and not inner.startswith(opener) and opened_before:
                start = before - len(opener)
                break
        else:
            break
    return start, end


def _merge_overlaps(spans: list[InstructionSpan]) -> list[InstructionSpan]:
    merged: list[InstructionSpan] = []
    for span in spans:
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            best = last if last.score >= span.score else span
            merged[-1] = InstructionSpan(last.start, max(last.end, span.end), best.score, best.kind)
        else:
            merged.append(span)
    return merged


# ------------------------------------------------------------------------------------------------
def apply_spans(text: str, spans: Sequence[InstructionSpan], mode: str = "remove", placeholder: str = DEFAULT_PLACEHOLDER) -> str:
    """Remove (``"remove"``), mask (``"mask"``) or keep (``"tag"``) the spans of ``text``.

    Removal keeps one separator where a passage sat between two pieces of text (the one with more line
    breaks), so "A. <passage> B." becomes "A. B." and a removed paragraph leaves one paragraph break;
    a passage at the start or end of the text takes its surrounding whitespace with it.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "tag" or not spans:
        return text
    regions: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if span.end <= span.start:
            continue
        # spans separated by whitespace only are removed (or masked) as one region
        if regions and (span.start <= regions[-1][1] or not text[regions[-1][1] : span.start].strip()):
            regions[-1][1] = max(regions[-1][1], span.end)
        else:
            regions.append([span.start, span.end])
    pieces: list[str] = []
    cursor = 0
    for start, end in regions:
        if mode == "mask":
            pieces += [text[cursor:start], placeholder]
            cursor = end
            continue
        left = start
        while left > cursor and text[left - 1].isspace():
            left -= 1
        right = end
        while right < len(text) and text[right].isspace():
            right += 1
        left_ws, right_ws = text[left:start], text[end:right]
        if left == 0 or right == len(text):
            separator = ""
        else:
            separator = left_ws if left_ws.count("\n") >= right_ws.count("\n") else right_ws
        pieces += [text[cursor:left], separator]
        cursor = right
    pieces.append(text[cursor:])
    return "".join(pieces)


def instruction_fraction(text: str, spans: Sequence[InstructionSpan]) -> float:
    """Share of the non-space characters of ``text`` that lie inside ``spans``."""
    total = sum(1 for ch in text if not ch.isspace())
    if total == 0:
        return 0.0
    inside = sum(1 for s in spans for ch in text[s.start : s.end] if not ch.isspace())
    return min(1.0, inside / total)


def filter_instructions(
    text: str,
    *,
    mode: str = "remove",
    placeholder: str = DEFAULT_PLACEHOLDER,
    threshold: float = DEFAULT_THRESHOLD,
    max_instruction_fraction: float = 0.5,
    classifier: Classifier | None = None,
) -> InstructionFilterResult:
    """Find instruction-like spans and remove/mask them; ``keep`` is false when at least
    ``max_instruction_fraction`` of the document's non-space characters are instruction-like."""
    spans = find_instruction_spans(text, threshold=threshold, classifier=classifier)
    fraction = instruction_fraction(text, spans)
    return InstructionFilterResult(
        text=apply_spans(text, spans, mode, placeholder),
        spans=spans,
        instruction_fraction=round(fraction, 4),
        keep=not (spans and fraction >= max_instruction_fraction),
    )


def load_classifier(path: str) -> Classifier:
    """Import ``"package.module:function"`` (or ``"package.module.function"``) and check it is callable."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"classifier must be an import path like 'package.module:function', got {path!r}")
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"classifier must be an import path like 'package.module:function', got {path!r}")
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import classifier module {module_name!r}: {error}") from error
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ValueError(f"module {module_name!r} has no attribute {attr!r} (classifier {path!r})")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"classifier {path!r} is not callable")
    return target


# ------------------------------------------------------------------------------------------------
MOSTLY_INSTRUCTIONS = "mostly_instructions"
CLASSIFIER_ERROR = "classifier_error"


def filter_instruction_rows(
    rows: list[dict],
    *,
    column: str = "document",
    output_column: str | None = None,
    mode: str = "remove",
    placeholder: str = DEFAULT_PLACEHOLDER,
    threshold: float = DEFAULT_THRESHOLD,
    max_instruction_fraction: float = 0.5,
    classifier: Classifier | None = None,
    drop_rows: bool = False,
) -> list[dict]:
    """Filter ``column`` of each row in place (or into ``output_column``) and tag the row.

    Writes ``qabias_instruction_spans`` (``{start, end, score, kind}``, offsets into the text as it was
    given), ``qabias_instruction_reason``, ``keep_row_after_instruction_filtering`` (false when the
    document is mostly instruction-like, missing or not text) and ``qabias_keep``. A classifier that
    raises on a document is reported in the reason and that document is scored by the rules alone.
    Rows are removed only when ``drop_rows``.
    """
    from distilabel_qabias import schema

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold!r}")
    if not 0.0 < max_instruction_fraction <= 1.0:
        raise ValueError(f"max_instruction_fraction must be within (0, 1], got {max_instruction_fraction!r}")
    schema.require_columns(rows, [column])
    target = output_column or column
    for row in rows:
        value = row.get(column)
        reason = None
        if not isinstance(value, str):
            spans: list[InstructionSpan] = []
            row[target] = value
            keep = False
            reason = schema.invalid_text_reason(value)
        else:
            try:
                result = filter_instructions(
                    value, mode=mode, placeholder=placeholder, threshold=threshold,
                    max_instruction_fraction=max_instruction_fraction, classifier=classifier,
                )
            except Exception as error:  # a user classifier's bug must not void the batch
                if classifier is None:
                    raise
                reason = f"{CLASSIFIER_ERROR}: {type(error).__name__}: {error}"[:300]
                result = filter_instructions(
                    value, mode=mode, placeholder=placeholder, threshold=threshold,
                    max_instruction_fraction=max_instruction_fraction,
                )
            spans, keep = result.spans, result.keep
            row[target] = result.text
            if not keep:
                reason = MOSTLY_INSTRUCTIONS
        row[schema.INSTRUCTION_SPANS] = [s.to_dict() for s in spans]
        row[schema.INSTRUCTION_REASON] = reason
        row[schema.KEEP_INSTRUCTION] = keep
        schema.update_keep(row)
    return [r for r in rows if r[schema.KEEP_INSTRUCTION]] if drop_rows else rows
