"""Safety fixtures: the Q&A tests' sessions, for questions that the checks look at."""

from tests.qa.conftest import make_session, open_session  # noqa: F401
