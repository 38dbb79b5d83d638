"""Writes to a member's own account."""

from django.db import transaction

from .models import User


@transaction.atomic
def update_preferences(*, user: User, display_name: str, language: str, time_zone: str) -> User:
    """Save the member's pseudonym, language and time zone."""
    user.display_name = display_name
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["display_name", "language", "time_zone"])
    return user


@transaction.atomic
def set_language(*, user: User, language: str) -> User:
    """Save the member's preferred interface language."""
    user.language = language
    user.save(update_fields=["language"])
    return user
