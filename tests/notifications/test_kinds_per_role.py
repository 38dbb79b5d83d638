"""Each member's e-mail settings list only the kinds they could receive: a patient is not
asked about moderators' or clinicians' alerts, a moderator is; kinds for everyone (about the
member's own account) are listed for all."""

import re
from html import unescape

import pytest
from django.urls import reverse

from community.groups.models import Role
from community.notifications import services
from community.notifications.kinds import Email
from community.notifications.models import EmailPreference

SETTINGS = reverse("notifications:settings")
REVIEWERS_KINDS = {"moderation.crisis", "moderation.flagged", "moderation.ask_clinician"}
FOR_EVERYONE = {"moderation.outcome", "privacy.export_ready", "clinicians.decision"}
MEMBERS_KINDS = {"forum.reply", "forum.mention", "qa.answer", "qa.reminder"}


def listed(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    return {
        unescape(name)
        for name in re.findall(r'<input[^>]*type="radio"[^>]*name="([^"]*)"', html)
        + re.findall(r'<input[^>]*name="([^"]*)"[^>]*type="radio"', html)
    }


def test_a_patient_is_offered_their_own_kinds_and_no_moderators_or_inviters_kinds(client, member):
    kinds = listed(client, member)

    assert kinds >= MEMBERS_KINDS | FOR_EVERYONE
    assert not kinds & REVIEWERS_KINDS
    assert "moderation.appeal" not in kinds
    assert "moderation.clinician_answered" not in kinds
    assert "groups.invitation_accepted" not in kinds


@pytest.mark.parametrize("role", ["moderator", "clinician"])
def test_a_moderator_or_clinician_is_offered_the_reviewers_kinds_too(client, request, role):
    user = request.getfixturevalue(role)

    kinds = listed(client, user)

    assert kinds >= REVIEWERS_KINDS | MEMBERS_KINDS | FOR_EVERYONE
    assert "moderation.clinician_answered" in kinds


def test_a_group_admin_is_also_told_when_their_invitations_are_accepted(client, group_admin):
    kinds = listed(client, group_admin)

    assert "groups.invitation_accepted" in kinds
    assert kinds >= REVIEWERS_KINDS


def test_staff_in_no_group_are_offered_appeals_and_invitations_but_no_group_content(
    client, staff, group
):
    kinds = listed(client, staff)

    assert {"moderation.appeal", "groups.invitation_accepted"} | FOR_EVERYONE <= kinds
    assert not kinds & (REVIEWERS_KINDS | MEMBERS_KINDS)


def test_a_moderator_in_one_group_and_a_patient_in_another_is_offered_the_reviewers_kinds(
    client, make_user, join, group, other_group
):
    user = make_user(mfa=True)
    join(user, other_group)
    join(user, group, role=Role.MODERATOR)

    assert listed(client, user) >= REVIEWERS_KINDS


def test_a_removed_moderator_is_no_longer_offered_the_reviewers_kinds(
    client, make_user, join, group
):
    from community.groups.models import Membership

    user = make_user(mfa=True)
    join(user, group, role=Role.MODERATOR, state=Membership.State.REMOVED)

    kinds = listed(client, user)

    assert not kinds & REVIEWERS_KINDS
    assert kinds >= FOR_EVERYONE


def test_a_posted_choice_for_a_kind_the_patient_cannot_receive_is_ignored(client, member):
    client.force_login(member)
    choices = {kind.key: Email.DAILY for kind in services.kinds_for(member)}

    response = client.post(SETTINGS, {**choices, "moderation.crisis": Email.NEVER})

    assert response.status_code == 302
    saved = dict(EmailPreference.objects.filter(user=member).values_list("kind", "email"))
    assert saved == choices
    assert "moderation.crisis" not in saved


def test_the_service_refuses_a_choice_for_a_kind_the_member_cannot_receive(member):
    with pytest.raises(ValueError):
        services.set_email_choices(user=member, choices={"moderation.flagged": Email.NEVER})

    assert not EmailPreference.objects.filter(user=member).exists()


def test_the_settings_page_asks_a_fixed_number_of_queries_however_many_groups(
    client, make_user, join, make_group, django_assert_max_num_queries
):
    user = make_user()
    join(user, make_group())
    client.force_login(user)
    client.get(SETTINGS)
    with django_assert_max_num_queries(20) as few:
        client.get(SETTINGS)
    for _ in range(10):
        join(user, make_group(), role=Role.MODERATOR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(SETTINGS)


def test_logged_out_visitors_are_sent_to_log_in(db, client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
