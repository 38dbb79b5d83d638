"""Gating: once a new required version is in force, a member who has not accepted it is
sent to accept it before anything else works; the way out stays open."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from community.consent.models import ConsentRecord, Kind
from community.forum.models import Thread

ACCEPT = reverse("consent:accept")


def acceptance_for(path: str) -> str:
    return f"{ACCEPT}?next={quote(path, safe='/')}"


def group_page(group) -> str:
    return reverse("groups:detail", kwargs={"slug": group.slug})


@pytest.fixture
def gated(client, guidelines_v2, accepted_member):
    """The member, logged in, with version 2 of the guidelines still to accept."""
    client.force_login(accepted_member)
    return accepted_member


def test_a_member_who_accepted_what_is_in_force_uses_the_site_normally(
    client, accepted_member, group
):
    client.force_login(accepted_member)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(group_page(group)).status_code == 200


def test_a_new_required_version_sends_members_to_the_acceptance_page(client, gated, group):
    home = client.get(reverse("home"))
    detail = client.get(group_page(group) + "?tab=about")

    assert (home.status_code, home["Location"]) == (302, acceptance_for("/"))
    assert (detail.status_code, detail["Location"]) == (
        302,
        acceptance_for(group_page(group) + "?tab=about"),
    )


def test_a_new_version_of_the_privacy_notice_gates_too(client, accepted_member, publish):
    publish(Kind.PRIVACY)
    client.force_login(accepted_member)

    assert client.get(reverse("home"))["Location"] == acceptance_for("/")


def test_a_new_optional_document_does_not_gate(client, accepted_member, publish):
    publish(Kind.RESEARCH)
    client.force_login(accepted_member)

    assert client.get(reverse("home")).status_code == 200


def test_a_version_dated_in_the_future_gates_pages_only_from_that_moment(
    client, accepted_member, publish
):
    client.force_login(accepted_member)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        publish(Kind.GUIDELINES, effective_at=start + timedelta(hours=2))
        before = client.get(reverse("home"))

        clock.shift(timedelta(hours=2, seconds=1))
        after = client.get(reverse("home"))

    assert before.status_code == 200
    assert after["Location"] == acceptance_for("/")


def test_a_form_post_is_refused_with_the_reason_and_nothing_is_written(client, gated, group):
    response = client.post(
        reverse("forum:thread_create", kwargs={"slug": group.slug}),
        {"title": "Evenings", "body": "The new pump made my evenings calmer."},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing you sent has been saved" in page
    assert f'href="{ACCEPT}"' in page
    assert not Thread.objects.exists()


def test_an_htmx_request_is_told_to_go_to_the_acceptance_page(client, gated, group):
    response = client.get(
        reverse("forum:thread_list", kwargs={"slug": group.slug}), headers={"HX-Request": "true"}
    )
    post = client.post(
        reverse("forum:mark_all_read", kwargs={"slug": group.slug}),
        headers={"HX-Request": "true"},
    )

    assert response["HX-Redirect"] == ACCEPT
    assert post["HX-Redirect"] == ACCEPT


@pytest.mark.parametrize(
    "name",
    [
        "accounts:preferences",
        "account_email",
        "consent:mine",
        "consent:accept",
        "privacy:exports",
        "privacy:close_account",
    ],
)
def test_account_consent_and_privacy_pages_stay_reachable(client, gated, name):
    response = client.get(reverse(name))

    assert response.status_code == 200


def test_the_documents_themselves_can_be_read_while_gated(client, gated):
    response = client.get(reverse("consent:document", kwargs={"kind": Kind.GUIDELINES}))

    assert response.status_code == 200
    assert "No photos of other people" in response.content.decode()


def test_after_accepting_the_member_is_sent_back_where_they_were_going(
    client, gated, group, commit
):
    target = group_page(group)
    client.get(target)

    response = commit(lambda: client.post(ACCEPT, {"accept_guidelines": "on", "next": target}))

    assert (response.status_code, response["Location"]) == (302, target)
    assert client.get(target).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    assert ConsentRecord.objects.filter(user=gated, kind=Kind.GUIDELINES, version=2).exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/groups/", "javascript:alert(1)"]
)
def test_a_next_address_on_another_site_is_not_followed(client, gated, commit, target):
    response = commit(lambda: client.post(ACCEPT, {"accept_guidelines": "on", "next": target}))

    assert (response.status_code, response["Location"]) == (302, reverse("home"))


def test_a_foreign_next_address_is_not_put_into_the_acceptance_form(client, gated):
    page = client.get(ACCEPT, {"next": "https://evil.example/"}).content.decode()

    assert '<input type="hidden" name="next" value="/">' in page


def test_nothing_is_gated_on_a_fresh_install_without_documents(client, member, group):
    client.force_login(member)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(group_page(group)).status_code == 200


def test_a_member_who_never_accepted_anything_is_gated_once_documents_are_published(
    client, member, in_force
):
    client.force_login(member)

    assert client.get(reverse("home"))["Location"] == acceptance_for("/")


def test_logged_out_visitors_are_never_gated(client, in_force, guidelines_v2, group):
    home = client.get(reverse("home"))
    detail = client.get(group_page(group))
    login = client.get(reverse("account_login"))

    assert home["Location"].startswith(reverse("account_login"))
    assert detail["Location"].startswith(reverse("account_login"))
    assert login.status_code == 200
