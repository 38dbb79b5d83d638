"""Crisis language: curated phrases per language (data/crisis_phrases.json), matched on
whole words after normalisation. A match never stops content from being published; it
puts a person in front of a moderator quickly, and resources in front of the writer."""

import json
import re
from functools import cache
from pathlib import Path

from django.conf import settings

from .normalise import normalise

DATA = Path(__file__).parent / "data"


@cache
def phrase_patterns() -> dict[str, re.Pattern]:
    """One pattern per language, of its normalised phrases on word boundaries."""
    phrases = json.loads((DATA / "crisis_phrases.json").read_text(encoding="utf-8"))
    return {
        language: re.compile(
            r"\b(?:" + "|".join(re.escape(normalise(p)) for p in entries["phrases"]) + r")\b"
        )
        for language, entries in phrases.items()
        if not language.startswith("_")
    }


def crisis_languages(text: str) -> list[str]:
    """The languages whose crisis phrases appear in `text` (any language is checked: people
    write in the language that comes, not the one their account is set to)."""
    plain = normalise(text)
    return [language for language, pattern in phrase_patterns().items() if pattern.search(plain)]


def is_crisis(text: str) -> bool:
    return bool(crisis_languages(text))


def crisis_phrases(text: str) -> set[str]:
    """The (normalised) crisis phrases that appear in `text`, in any language."""
    plain = normalise(text)
    patterns = phrase_patterns().values()
    return {match.group(0) for pattern in patterns for match in pattern.finditer(plain)}


def newly_in_crisis(text: str, *, earlier: str = "") -> bool:
    """Whether `text` has crisis words that its `earlier` version did not have: an edit that
    brings them in is a new call for help; fixing a typo beside old ones is not."""
    return bool(crisis_phrases(text) - crisis_phrases(earlier))


def resources() -> dict:
    """The deployment's crisis lines (SAFETY_CRISIS_RESOURCES), else the shipped ones."""
    return load_resources(settings.SAFETY_CRISIS_RESOURCES or str(DATA / "crisis_resources.json"))


@cache
def load_resources(path: str) -> dict:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    if not table.get("default"):
        raise ValueError(f"{path}: the crisis lines need a 'default' list")
    return table


def resources_for(country: str) -> list[dict]:
    """Crisis lines for a country (ISO code), falling back to the shipped default."""
    table = resources()
    return table.get(country.upper(), table["default"])
