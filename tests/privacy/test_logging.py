"""Logs never carry a group's name or an invitation token."""

import logging

from django.urls import reverse

from community.privacy.logging import RedactSensitivePaths, redact


def test_group_slugs_and_invitation_tokens_are_redacted():
    text = "Not Found: /groups/living-with-ms/threads/4/ and /invitations/abcDEF123_-x/"
    assert redact(text) == "Not Found: /groups/…/threads/4/ and /invitations/…/"


def test_the_filter_redacts_arguments_of_django_request_warnings(client, member, caplog):
    client.force_login(member)
    handler_filter = RedactSensitivePaths()
    caplog.handler.addFilter(handler_filter)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("groups:invitation_open"))
        client.get("/groups/living-with-ms/threads/")
    logged = caplog.text
    assert "living-with-ms" not in logged
    assert "/groups/…/" in logged


def test_the_project_logging_configuration_installs_the_filter():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert "redact_paths" in handler["filters"]


def test_paths_inside_a_next_parameter_are_redacted_encoded_or_not():
    text = "GET /consent/accept/?next=%2Fgroups%2Fliving-with-ms%2Fthreads%2F and /groups/x/"
    assert redact(text) == "GET /consent/accept/?next=%2Fgroups%2F…%2Fthreads%2F and /groups/…/"


def test_the_acceptance_redirect_keeps_the_path_readable_for_redaction(
    client, member, publish_document
):
    publish_document("guidelines")
    client.force_login(member)

    location = client.get("/groups/living-with-ms/threads/")["Location"]

    assert "next=/groups/living-with-ms/threads/" in location
    assert redact(location) == "/consent/accept/?next=/groups/…/threads/"
