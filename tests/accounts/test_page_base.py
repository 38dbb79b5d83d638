"""What every page pays before its content (issue 18.4): the session from the cache, the
member, the consent gate in one query, the MFA check, and the bell only when shown."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from community.accounts import sessions
from community.consent.demo import accept_required_documents, seed_demo_documents
from community.consent.state import missing_required

BARE_URL = "/test-bare/"


def bare_view(request):
    """A tiny page rendered with the request: the middleware and context processors only."""
    template = engines["django"].from_string("<p>{{ user.pk }}</p>")
    return HttpResponse(template.render({}, request))


urlpatterns = [path("test-bare/", bare_view), path("", include("config.urls"))]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def accepted_member(member):
    """A member who accepted the documents in force, as every page's gate asks."""
    seed_demo_documents({}, {})
    accept_required_documents(member)
    assert not missing_required(type(member).objects.get(pk=member.pk))
    return member


def test_a_bare_page_costs_a_logged_in_member_at_most_three_queries(
    client, accepted_member, django_assert_max_num_queries
):
    client.force_login(accepted_member)
    assert client.get(BARE_URL).status_code == 200  # the session is now in the cache

    with django_assert_max_num_queries(3):
        assert client.get(BARE_URL).status_code == 200


def test_a_logout_drops_the_cached_session(client, accepted_member):
    client.force_login(accepted_member)
    client.get(BARE_URL)
    key = client.session.session_key
    assert cache.get(sessions.KEY_PREFIX + key) is not None

    client.post("/accounts/logout/")

    assert cache.get(sessions.KEY_PREFIX + key) is None
    assert not Session.objects.filter(session_key=key).exists()


def test_a_session_row_deleted_any_other_way_leaves_the_cache_too(client, accepted_member):
    client.force_login(accepted_member)
    assert client.get(BARE_URL).status_code == 200
    key = client.session.session_key

    Session.objects.filter(session_key=key).delete()

    assert cache.get(sessions.KEY_PREFIX + key) is None
    assert client.get(BARE_URL).content == b"<p>None</p>"  # logged out: no member


def test_a_cache_outage_falls_back_to_the_database(client, accepted_member, monkeypatch):
    client.force_login(accepted_member)
    key = client.session.session_key

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    store_cache = sessions.SessionStore(key)._cache
    for name in ("get", "set", "delete"):
        monkeypatch.setattr(store_cache, name, broken)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(BARE_URL).status_code == 200
    assert any("django_session" in query["sql"] for query in captured.captured_queries)

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()


def test_sessions_loaded_together_read_as_one_by_one_and_ended_ones_are_empty(member, client):
    from community.accounts.sessions import SessionStore, load_sessions

    client.force_login(member)
    live = client.session.session_key
    SessionStore(live).load()  # now cached
    other = SessionStore()
    other["note"] = "not cached yet"
    other.create()
    from community.accounts.sessions import forget_session

    forget_session(other.session_key)
    loaded = load_sessions([live, other.session_key, "no-such-session-key", ""])
    assert loaded[live] == SessionStore(live).load() and loaded[live]
    assert loaded[other.session_key]["note"] == "not cached yet"  # read from the database
    assert loaded["no-such-session-key"] == {}
