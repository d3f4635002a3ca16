"""Scrubbing keeps what ftfy fixes: ftfy 6.3.1's own test cases (attributed fixture, Apache-2.0)."""

import json
from pathlib import Path

import ftfy
from ftfy.badness import is_bad
from ftfy.fixes import uncurl_quotes
from hypothesis import given, settings
from hypothesis import strategies as st

from distilabel_qabias.text.artifacts import scrub_text
from distilabel_qabias.text.artifacts.mojibake import _looks_bad

CASES = json.loads((Path(__file__).parent / "fixtures" / "ftfy" / "test_cases.json").read_text(encoding="utf-8"))
PASSING = [case for case in CASES if case["expect"] == "pass"]


def test_the_fixture_is_ftfys_suite():
    assert len(PASSING) == 151
    assert all(ftfy.fix_text(case["original"]) == case["fixed"] for case in PASSING)


def test_scrub_text_gives_ftfys_expected_text_on_at_least_95_percent():
    # scrub_text keeps curly quotes (ftfy uncurls them), so quotes are normalised on both sides
    missed = [case for case in PASSING if uncurl_quotes(scrub_text(case["original"]).text) != uncurl_quotes(case["fixed"])]
    assert len(missed) <= 0.05 * len(PASSING), [case["original"] for case in missed]


def test_the_mixups_ftfy_decodes():
    assert scrub_text("MĂĄm dost tĹ\x99etĂ\xadho tisĂ\xadciletĂ\xad").text == "Mám dost třetího tisíciletí"  # Windows-1250, soft hyphens
    assert scrub_text("LiĂ¨ge Avenue de l'HĂ´pital").text == "Liège Avenue de l'Hôpital"
    assert scrub_text("wei√ü").text == "weiß"  # MacRoman
    assert scrub_text("Å veices baÅ†Ä·ieri gaida konkrÄ“tus investÄ«ciju projektus").text == (
        "Šveices baņķieri gaida konkrētus investīciju projektus"  # Windows-1257
    )
    assert scrub_text("РґРѕСЂРѕРіРµ Р\x98Р·-РїРѕРґ #С„СѓС‚Р±РѕР»").text == "дороге Из-под #футбол"  # Windows-1251


def test_letters_next_to_a_replacement_character_are_kept():
    # U+FFFD stands for a lost character: removing it would glue the letters into a wrong word
    assert scrub_text("SlovenÄ\ufffdina").text == "Sloven\ufffdina"
    assert scrub_text("Sloven\ufffdina and the \ufffd mark").text == "Sloven\ufffdina and the \ufffd mark"


def test_entities_inside_mojibake_are_decoded_with_it():
    assert scrub_text("10Î&frac14;s").text == "10μs"


MOJIBAKE_ALPHABET = "ab .\n-1ÃÂâ€œ™é¢£ÄÅÐÑРСВГĂ√≈‚Äœ×²àØÙ\xa0\x81\x93"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=MOJIBAKE_ALPHABET, max_size=60) | st.sampled_from([c["original"] for c in CASES]))
def test_the_cheap_badness_gate_never_misses_what_ftfy_would_fix(text):
    # the gate checks only the neighbourhoods of non-ASCII characters; it may say "bad" more often
    # than ftfy, never less
    if is_bad(text):
        assert _looks_bad(text)
