"""Crisis language: curated phrases per language (data/crisis_phrases.json), matched on
whole words after normalisation. A match never stops content from being published; it
puts a person in front of a moderator quickly, and resources in front of the writer."""

import json
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

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


# Where a member probably lives, when the deployment does not say (SAFETY_COUNTRY). English
# says nothing about it (an English-speaking member of a Swedish clinic lives in Sweden): it
# gets the "default" lines, which serve the UK and Ireland and give 112 for the rest.
COUNTRY_OF_LANGUAGE = {"sv": "SE", "nb": "NO", "nl": "NL"}
COUNTRY_NAMES = {
    "GB": _("the United Kingdom"),
    "IE": _("Ireland"),
    "SE": _("Sweden"),
    "NO": _("Norway"),
    "NL": _("the Netherlands"),
}
# What each kind of line is for, in the member's language (a line's `kind`).
KIND_LABELS = {
    "emergency": _("Emergency: when a life is in danger now"),
    "suicide": _("Suicide prevention: for thoughts of ending your life"),
    "listening": _("Someone to talk to, day and night"),
    "health": _("Health-care advice by phone"),
}
LINE_FIELDS = ("name", "phone", "source")


def resources() -> dict:
    """The deployment's crisis lines (SAFETY_CRISIS_RESOURCES), else the shipped ones."""
    return load_resources(settings.SAFETY_CRISIS_RESOURCES or str(DATA / "crisis_resources.json"))


@cache
def load_resources(path: str) -> dict:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    if not table.get("default"):
        raise ValueError(f"{path}: the crisis lines need a 'default' list")
    for country, lines in table.items():
        if country.startswith("_"):
            continue
        for line in lines:
            missing = [field for field in LINE_FIELDS if not line.get(field)]
            if missing:
                raise ValueError(f"{path}: a line for {country} has no {', '.join(missing)}")
            if not str(line["source"]).startswith("https://"):
                raise ValueError(f"{path}: the source of {line['phone']} must be an https:// page")
    return table


def resources_for(country: str) -> list[dict]:
    """Crisis lines for a country (ISO code), falling back to the shipped default."""
    table = resources()
    return table.get(country.upper(), table["default"])


def country_for(language: str) -> str:
    """The deployment's country (SAFETY_COUNTRY), else the one the member's language suggests,
    else "default"."""
    country = settings.SAFETY_COUNTRY or COUNTRY_OF_LANGUAGE.get(language, "")
    return country.upper() if country else "default"


def lines_for(*, country: str, language: str) -> list[dict]:
    """The lines of a country, worded for a member who reads `language`: each with its name
    in that language (else English, else the first given), its number, a dialable `tel`,
    its `kind` and the `source` where it was checked."""
    return [
        {
            "name": localised(line["name"], language),
            "phone": line["phone"],
            "tel": re.sub(r"[^0-9+]", "", line["phone"]),
            "kind": line.get("kind", ""),
            "kind_label": KIND_LABELS.get(line.get("kind", ""), ""),
            "source": line["source"],
        }
        for line in resources_for(country)
    ]


def localised(text: str | dict, language: str) -> str:
    if isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()))
