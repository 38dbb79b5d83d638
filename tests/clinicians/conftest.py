"""Clinician verification fixtures: an applicant, their application, and staff deciding it."""

import pytest

from community.clinicians import services

CREDENTIALS = {
    "profession": "Diabetes nurse",
    "registration_number": "RN-4711-ANNA",
    "organisation": "County hospital",
}
APPLY_URL = "/clinicians/apply/"
REVIEW_LIST_URL = "/clinicians/review/"


def review_url(application) -> str:
    return f"/clinicians/review/{application.pk}/"


@pytest.fixture
def applicant(make_user):
    """A member who applies; with two-factor, as a verified clinician must have it."""
    return make_user(mfa=True, display_name="Applicant Anna")


@pytest.fixture
def apply():
    """Apply through the service with complete credentials unless told otherwise."""

    def make(user, **fields):
        return services.apply_for_verification(user=user, **{**CREDENTIALS, **fields})

    return make


@pytest.fixture
def application(applicant, apply):
    """The applicant's application, waiting for review."""
    return apply(applicant)


@pytest.fixture
def verified_application(application, staff):
    """The applicant's application, verified by staff."""
    return services.decide(reviewer=staff, application=application, verify=True)
