"""Fixtures of other folders, for the forms whose failed pages are tested here."""

from tests.consent.conftest import accept, accepted_member, commit, in_force, publish  # noqa: F401
from tests.moderation.conftest import item  # noqa: F401
from tests.submissions.conftest import post, thread  # noqa: F401
