"""Sections that apps above groups add to the group's page and to the home page.

groups may not import forum, qa or moderation, so each registers a section in its
AppConfig.ready(): a template and a function that gives the template's context for this
user, or None where the user may see nothing of it. Each function asks a fixed number of
queries, however much content there is.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str  # "forum.recent_threads"
    template: str  # rendered with the context under the name `section`
    context: Callable[..., dict | None]  # (user, group) on the group page, (user) at home
    order: int = 0  # lower first


_group_sections: dict[str, Section] = {}
_home_sections: dict[str, Section] = {}


def _register(registry: dict[str, Section], section: Section) -> None:
    registered = registry.get(section.key)
    if registered is not None and registered != section:
        raise ValueError(f"Section {section.key!r} is already registered.")
    registry[section.key] = section


def register_group_section(section: Section) -> None:
    """Show a section on every group's page (apps call this from AppConfig.ready())."""
    _register(_group_sections, section)


def register_home_section(section: Section) -> None:
    """Show a section on the page where signed-in users land."""
    _register(_home_sections, section)


def _shown(registry: dict[str, Section], *args) -> list[tuple[str, dict]]:
    shown = []
    for section in sorted(registry.values(), key=lambda section: (section.order, section.key)):
        context = section.context(*args)
        if context is not None:
            shown.append((section.template, context))
    return shown


def group_sections(user, group) -> list[tuple[str, dict]]:
    """(template, context) of each section this user sees on the group's page."""
    return _shown(_group_sections, user, group)


def home_sections(user) -> list[tuple[str, dict]]:
    """(template, context) of each section this user sees where they land."""
    return _shown(_home_sections, user)
