"""Text as the detectors compare it: lower case, no diacritics, no repeated letters, single
spaces between words. Phrases go through the same function, so "SJÄLVMORD", "självmooord"
and "sjalvmord" all meet "självmord"."""

import re
import unicodedata

REPEATS = re.compile(r"(\w)\1+")
NOT_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    # ø, æ and ß have no combining mark to drop.
    plain = plain.replace("ø", "o").replace("æ", "ae").replace("ß", "ss")
    words = NOT_WORD.sub(" ", plain).strip()
    return REPEATS.sub(r"\1", words)
