"""A failed form's page opens with an error summary: a "There is a problem" box at the top
of the page (before the form), announced (role="alert"), focusable, with a link to each field
that needs attention."""

import re

import pytest
from django.urls import reverse

from community.moderation import services as moderation
from community.moderation.models import ModerationAction
from tests.conftest import PASSWORD
from tests.submissions.conftest import form_on

Action = ModerationAction.Action
SUMMARY = re.compile(r'<div class="error-summary"[^>]*data-error-summary[^>]*>(.*?)</div>', re.S)


def summary_of(response) -> str:
    """The error summary's HTML; fails if the page has none or has it after the form."""
    page = response.content.decode()
    found = SUMMARY.search(page)
    assert found, "the page shows no error summary"
    assert 'role="alert"' in found.group(0) and 'tabindex="-1"' in found.group(0)
    assert "There is a problem" in found.group(1)
    main = page.index('<main id="main"')
    form = page.index("<form", main)
    assert main < found.start() < form, "the summary is not at the top, before the form"
    return found.group(1)


def links(summary: str) -> list[str]:
    return re.findall(r'<a href="#([^"]+)"', summary)


def assert_targets_exist(response, ids: list[str]) -> None:
    page = response.content.decode()
    for target in ids:
        assert f'id="{target}"' in page, f"the summary links to #{target}, which is not on the page"


def test_an_empty_consent_form_opens_with_a_summary_linking_to_each_unticked_box(
    client, member, in_force
):
    client.force_login(member)

    response = client.post(reverse("consent:accept"), {})

    assert response.status_code == 400
    targets = links(summary_of(response))
    assert targets == ["id_accept_guidelines", "id_accept_privacy"]
    assert_targets_exist(response, targets)


def test_an_empty_reply_opens_with_a_summary_linking_to_the_message_field(client, member, thread):
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    form = form_on(client, url)

    response = client.post(form.action, form.data(body=""))

    assert response.status_code in (200, 400)
    targets = links(summary_of(response))
    assert targets == ["id_body"]
    assert_targets_exist(response, targets)


def test_a_flag_without_a_reason_links_to_the_first_reason_to_choose(client, peer, post):
    client.force_login(peer)
    url = reverse("moderation:flag", kwargs={"kind": "forum.post", "object_id": post.pk})
    form = form_on(client, url)

    response = client.post(form.action, form.data(note="Worried."))

    targets = links(summary_of(response))
    assert targets == ["id_reason_0"]
    assert_targets_exist(response, targets)


def test_an_empty_appeal_opens_with_a_summary_linking_to_the_message(
    client, member, moderator, item
):
    moderation.act(moderator=moderator, item=item, action=Action.REMOVE, reason="Names.")
    client.force_login(member)
    form = form_on(client, reverse("moderation:appeal", args=[item.pk]))

    response = client.post(form.action, form.data(message=""))

    targets = links(summary_of(response))
    assert targets == ["id_message"]
    assert_targets_exist(response, targets)


def test_preferences_with_an_empty_name_open_with_a_summary_linking_to_the_name(client, member):
    client.force_login(member)
    url = reverse("accounts:preferences")

    response = client.post(url, {"display_name": "", "language": "xx", "time_zone": "UTC"})

    targets = links(summary_of(response))
    assert targets == ["id_display_name", "id_language"]
    assert_targets_exist(response, targets)


@pytest.mark.parametrize("name", ["consent:accept", "accounts:preferences"])
def test_a_form_page_that_has_not_failed_shows_no_summary(client, member, in_force, name):
    client.force_login(member)

    page = client.get(reverse(name)).content.decode()

    assert "data-error-summary" not in page
    assert "There is a problem" not in page


def test_a_wrong_authenticator_code_opens_with_a_summary_linking_to_the_code(client, staff):
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    targets = links(summary_of(response))
    assert targets == ["id_code"]
    assert_targets_exist(response, targets)


def test_a_failed_login_opens_with_a_summary(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})

    summary = summary_of(response)
    assert "The email address and/or password you specified are not correct." in summary


def test_a_reply_with_a_phone_number_links_the_summary_to_the_question_of_whose_it_is(
    client, member, thread
):
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    form = form_on(client, url)

    response = client.post(form.action, form.data(body="Call my nurse on 070-123 45 67."))

    targets = links(summary_of(response))
    assert targets == ["id_personal_data_answer_0"]
    assert_targets_exist(response, targets)
