"""The consent gate of every page reads what is in force and what the member accepted in
one query, at every request: a new version and an acceptance count from the next one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.consent import services
from community.consent.models import Kind
from community.consent.policy import has_current_consents
from tests.accounts.test_page_base import BARE_URL, urlpatterns  # noqa: F401
from tests.consent.conftest import fresh

pytestmark = pytest.mark.urls(__name__)


def test_the_gate_sees_a_new_version_and_the_members_acceptance_at_the_next_request(
    client, accepted_member, publish, accept
):
    client.force_login(accepted_member)
    assert client.get(BARE_URL).status_code == 200

    publish(Kind.GUIDELINES, title="Community guidelines, version 2")
    assert client.get(BARE_URL).status_code == 302  # to the acceptance page
    assert not has_current_consents(fresh(accepted_member))  # live sockets close too

    accept(accepted_member)
    assert client.get(BARE_URL).status_code == 200
    assert has_current_consents(fresh(accepted_member))


def test_a_version_published_for_later_gates_from_its_effective_moment(
    client, accepted_member, publish
):
    later = publish(Kind.PRIVACY, effective_at=timezone.now() + timedelta(hours=1))
    client.force_login(accepted_member)
    assert client.get(BARE_URL).status_code == 200

    type(later).objects.filter(pk=later.pk).update(effective_at=timezone.now())
    assert client.get(BARE_URL).status_code == 302
    assert not has_current_consents(fresh(accepted_member))


def test_a_withdrawal_gates_the_next_request(client, accepted_member, commit):
    client.force_login(accepted_member)
    assert client.get(BARE_URL).status_code == 200

    commit(lambda: services.withdraw_consent(user=accepted_member, kind=Kind.PRIVACY))

    assert client.get(BARE_URL).status_code == 302
    assert not has_current_consents(fresh(accepted_member))
