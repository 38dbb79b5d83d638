"""The safety detectors on their own (issue 9 wires them into posting, chat and Q&A):
crisis language in four languages with normalisation, and personal data with checksums."""

import pytest

from community.chat.demo import DEMO_CHAT
from community.forum.demo import DEMO_THREADS
from community.safety.crisis import crisis_languages, is_crisis, resources_for
from community.safety.normalise import normalise
from community.safety.pii import bsn_valid, find_personal_data, luhn_valid, norwegian_id

# --- Crisis language ------------------------------------------------------------------------

CRISIS = [
    ("en", "Some nights I just want to die."),
    ("en", "I have been thinking about SUICIDE again"),
    ("en", "sometimes i hurt myself when it gets too much"),
    ("sv", "Jag orkar inte leva så här längre"),
    ("sv", "jag har haft självmordstankar hela veckan"),
    ("sv", "Jag vill do"),  # written without the diacritic
    ("nb", "Jeg har tenkt på selvmord"),
    ("nb", "jeg vil ikke leve mer"),
    ("nl", "Ik wil niet meer leven."),
    ("nl", "ik denk aan zelfmoord"),
]


@pytest.mark.parametrize(("language", "text"), CRISIS)
def test_crisis_phrases_in_each_language_are_found(language, text):
    assert language in crisis_languages(text)


@pytest.mark.parametrize(
    "text",
    ["I want to diiiie", "SJÄLVMOOORD", "selvmord!!!", "ZELFMOORD", "kill  myself"],
)
def test_case_repeated_letters_punctuation_and_spaces_do_not_hide_a_phrase(text):
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "I killed it at the gym today",
        "My pump died overnight",
        "Jag skär upp äpplet",
        "Ik wil dolgraag meer leren",
        "Orker ikke mer trening i dag",
    ],
)
def test_ordinary_words_that_resemble_a_phrase_do_not_match(text):
    assert not is_crisis(text)


def demo_texts() -> list[str]:
    texts = []
    for threads in DEMO_THREADS.values():
        for _author, title, body, _cw, _anonymous, replies, _reactions in threads:
            texts += [title, body, *(reply[1] for reply in replies)]
    texts += [text for lines in DEMO_CHAT.values() for _author, text in lines]
    assert texts
    return texts


def test_the_demo_texts_raise_no_crisis():
    assert [text for text in demo_texts() if is_crisis(text)] == []


def test_the_demo_texts_hold_no_personal_data():
    assert [text for text in demo_texts() if find_personal_data(text)] == []


def test_normalising_removes_case_diacritics_and_repeats():
    assert normalise("Självmooord, NU!") == "sjalvmord nu"
    assert normalise("Jeg vil dø") == "jeg vil do"


def test_crisis_resources_cite_a_source_for_every_country_and_fall_back_to_112():
    for country in ("SE", "NO", "NL", "XX"):
        lines = resources_for(country)
        assert lines and all(
            line["phone"] and line["source"].startswith("https://") for line in lines
        )
    assert resources_for("XX")[0]["phone"] == "112"
    assert "90101" in [line["phone"] for line in resources_for("se")]


# --- Personal data -------------------------------------------------------------------------

FOUND = [
    ("email", "Write to anna.berg@example.se please"),
    ("phone", "Ring mig på 070-123 45 67"),
    ("phone", "Call +47 412 34 567 tonight"),
    ("phone", "Bel 06-12345678"),
    ("personnummer", "Mitt personnummer är 811218-9876"),
    ("personnummer", "19811218-9876"),
    ("personnummer", "samordningsnummer 811278-9873"),
    ("fodselsnummer", "fødselsnummer 24128530106"),
    ("fodselsnummer", "D-nummer 41019012393"),
    ("bsn", "Mijn BSN is 111222333"),
    ("titled_name", "Dr Lindqvist said it was fine"),
    ("titled_name", "dokter Jansen zei dat"),
]


@pytest.mark.parametrize(("kind", "text"), FOUND)
def test_personal_data_with_valid_checksums_is_found(kind, text):
    assert kind in {finding.kind for finding in find_personal_data(text)}


NOT_FOUND = [
    "Mitt nummer är 811218-9875",  # personnummer with a wrong Luhn digit
    "811318-9876",  # month 13
    "fødselsnummer 24128530107",  # wrong second check digit
    "BSN 111222334",  # fails the 11-check
    "We met on 2024-05-01 at 14:30",
    "It cost 1 299 kr, or €12.50",
    "Order 0701234567 has shipped",
    "Ordernummer: 0612345678",
    "My HbA1c went from 58 to 52 mmol/mol",
    "12345678",
    "I walked 10 000 steps",
]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_dates_prices_order_numbers_and_invalid_numbers_are_not_found(text):
    assert find_personal_data(text) == []


def test_the_checksums_themselves():
    assert luhn_valid("8112189876") and not luhn_valid("8112189875")
    assert norwegian_id("24128530106") and not norwegian_id("24128530107")
    assert bsn_valid("111222333") and not bsn_valid("000000000")


def test_a_deployment_can_ship_its_own_crisis_lines(settings, tmp_path):
    own = tmp_path / "lines.json"
    own.write_text(
        '{"default": [{"name": "Our clinic", "phone": "0701", "source": "https://example.org"}]}'
    )
    settings.SAFETY_CRISIS_RESOURCES = str(own)

    assert resources_for("SE")[0]["name"] == "Our clinic"
