"""Boilerplate: page chrome that is not content. Whole lines of navigation, cookie, privacy and
terms banners, share bars, newsletter prompts, "Retrieved from", copyright footers and Wikipedia
hatnotes; navigation bars (``Home | News | About us``); and a few banner phrases that share a line
with prose, when they start it or follow a sentence end.
"""

from __future__ import annotations

import re

from distilabel_qabias.text.artifacts.edits import BOILERPLATE, HORIZONTAL_SPACE, Artifact, EditSet, absorb_space_before

_SOCIAL = r"(?:facebook|twitter|x|linkedin|pinterest|reddit|whatsapp|tumblr|telegram|instagram|youtube|e-?mail)"
_NAV_TOKEN = (
    r"(?:home|about(?: us)?|contact(?: us)?|news|blog|faq|help|search|menu|main menu|navigation menu|"
    r"privacy(?: policy)?|privacy notice|terms(?: of (?:use|service))?|terms (?:and|&) conditions|"
    r"cookie (?:policy|settings|preferences|notice)|accessibility|sitemap|site map|careers|disclaimers?|"
    r"about wikipedia|donate|create account|log ?in|log ?out|sign ?in|sign ?up|register|subscribe|"
    r"advertisement|advertise(?: with us)?|sponsored(?: content)?|back to top|scroll to top|"
    r"print(?: this (?:page|article))?|tweet|pin it|copy link|"
    r"share(?: (?:this|it))?(?: (?:article|story|post|page))?(?: (?:on|via|to) " + _SOCIAL + r")?:?|"
    r"(?:follow us|find us|like us) on " + _SOCIAL + r"|" + _SOCIAL + r"|"
    r"(?:jump|skip) to (?:main )?(?:navigation|search|content|footer)|skip navigation|toggle navigation)"
)
_SPACE_OR_TAG = r"(?:[ \t]|<[^<>\n]{0,200}>)*"  # HTML tags may share a boilerplate line (<li>Share</li>)
# spaces before a separator character can only go to the first group, after it to the second: a
# single space that either group could take would make a failing line backtrack 2^tokens ways
_NAV_SEP = _SPACE_OR_TAG + r"(?:[|·•»/,>\-–—]" + _SPACE_OR_TAG + r")?"
_BOILERPLATE_LINE = (
    r"(?:" + _NAV_TOKEN + r"(?:" + _NAV_SEP + _NAV_TOKEN + r"){0,30}"
    r"|(?:we|this (?:web)?site|our (?:web)?site|this page) uses? cookies\b[^\n]{0,400}"
    r"|by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b[^\n]{0,400}"
    r"|(?:accept|reject|allow|decline|manage)(?: all)? cookies\b[^\n]{0,100}"
    r"|(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?(?:weekly |daily |monthly )?newsletter\b[^\n]{0,300}"
    r"|enter your e-?mail(?: address)?\b[^\n]{0,150}"
    r"|(?:don't|never) miss (?:a|an|another) (?:story|update|article)\b[^\n]{0,150}"
    r"|retrieved from\s+[\"“]?(?:https?://|www\.)[^\n]{0,500}"
    r"|retrieved (?:on )?(?:\d{1,2} [A-Za-z]{3,9}|[A-Za-z]{3,9} \d{1,2},?) \d{4}\.?"
    r"|this page was last (?:edited|modified) on\b[^\n]{0,200}"
    r"|text is available under the creative commons\b[^\n]{0,500}"
    r"|from wikipedia, the free encyclopedia"
    r"|this article is about\b[^\n]{0,300}"  # hatnotes: page chrome, not article content
    r"|for other uses,? see\b[^\n]{0,300}"
    r"|not to be confused with\b[^\n]{0,300}"
    r"|(?:hidden )?categories: [^\n]{0,500}"
    r"|(?:copyright )?(?:©|\(c\)|copyright) ?\d{4}\b[^\n]{0,300}"
    r"|[^\n]{0,150}\ball rights reserved\b[^\n]{0,300}"
    r"|(?:related|recommended) (?:articles|stories|posts|reading)|you (?:may|might) also like|read more(?: »)?"
    r"|(?:click|tap) here to (?:subscribe|sign up|share|print|read more|learn more|accept)\b[^\n]{0,200})"
)
_BOILERPLATE_LINE_RE = re.compile(
    r"^(?=[^\n]{0,600}$)" + _SPACE_OR_TAG + r"(?=[A-Za-z©(])" + _BOILERPLATE_LINE
    + r"(?:[ \t.!:]|<[^<>\n]{0,200}>)*\r?(?:\n|$)",
    re.I | re.M,
)
# A bar of three or more short items ("Home | News | Sport | About us") with a navigation word in it.
_NAV_BAR_RE = re.compile(r"^(?=[^\n]{0,300}$)[^|·•»\n]{1,40}(?:[|·•»][^|·•»\n]{1,40}){2,}\r?(?:\n|$)", re.M)
_NAV_TOKEN_RE = re.compile(_NAV_TOKEN, re.I)
# Boilerplate that shares a line with prose: nav phrases and strong banner sentences. They must
# start a line or follow a sentence end; that context is checked in Python so the regex can
# start with literal words (sre skips ahead on them) instead of a look-behind at every position.
_BOILERPLATE_INLINE_RE = re.compile(
    r"(?:(?:jump|skip) to (?:main )?(?:navigation|search|content)(?:[ \t]*(?:[|,][ \t]*)?|$)){1,4}"
    r"|(?:we|this (?:web)?site) uses? cookies\b[^\n.!?]{0,300}[.!?]?"
    r"|(?:subscribe|sign up) (?:to|for) our (?:free )?newsletter\b[^\n.!?]{0,200}[.!?]?"
    r"|(?:click|tap) here to (?:subscribe|sign up|share|accept)\b[^\n.!?]{0,200}[.!?]?"
    r"|share this (?:article|story|post)\b[^\n.!?]{0,100}[.!?]?",
    re.I | re.M,
)


_BOILERPLATE_INLINE_KEYS = ("to navigation", "to search", "to content", "to main", "cookies", "newsletter", "here to", "share this")


def _starts_sentence(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in HORIZONTAL_SPACE:
        pos -= 1
    return pos == 0 or text[pos - 1] in "\n.!?:>}"  # after a sentence, or after markup (<br>, }})


def _is_nav_bar(line: str) -> bool:
    items = [item.strip() for item in re.split(r"[|·•»]", line)]
    return (
        all(0 < len(item.split()) <= 4 and item[-1] not in ".?!" for item in items)
        and any(_NAV_TOKEN_RE.fullmatch(item) for item in items)
    )


def detect_boilerplate(text: str, edits: EditSet) -> None:
    for m in _BOILERPLATE_LINE_RE.finditer(text):
        if m.group().strip():
            edits.add(Artifact(m.start(), m.end(), BOILERPLATE))
    if "|" in text or "·" in text or "•" in text or "»" in text:
        for m in _NAV_BAR_RE.finditer(text):
            if _is_nav_bar(m.group()):
                edits.add(Artifact(m.start(), m.end(), BOILERPLATE))
    lowered = text.lower()
    if not any(key in lowered for key in _BOILERPLATE_INLINE_KEYS):
        return
    previous_end = -1
    for m in _BOILERPLATE_INLINE_RE.finditer(text):
        # a phrase right after one just removed starts where that one started ("Jump to navigation" x 40)
        follows_removed = previous_end >= 0 and not text[previous_end:m.start()].strip(HORIZONTAL_SPACE)
        if follows_removed or _starts_sentence(text, m.start()):
            start = max(absorb_space_before(text, m.start()), previous_end)
            # take the space on one side only: before it mid-line, after it at a line start
            end = m.start() + len(m.group().rstrip()) if start < m.start() else m.end()
            if edits.add(Artifact(start, end, BOILERPLATE)):
                previous_end = end

