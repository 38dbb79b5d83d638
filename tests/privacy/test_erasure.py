"""Closing an account: what goes, what stays as "Former member", and what nobody sees again."""

import contextlib

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.urls import reverse

from community.consent.models import ConsentRecord, Kind
from community.forum import services as forum
from community.forum.images import clean_image
from community.forum.models import Post, PostImage, PostRevision, Reaction, ReadState, ThreadFollow
from community.groups.models import Membership
from community.notifications.models import Notification
from community.privacy import exports
from community.privacy.exports import ExportSection
from community.privacy.models import AccessRecord, DataExport
from community.privacy.services import close_account, request_data_export
from community.privacy.tasks import build_data_export
from tests.conftest import PASSWORD
from tests.forum.photos import photo_upload
from tests.privacy.helpers import built

PSEUDONYM = "Quiet Heron"
EMAIL = "heron@example.test"
TITLE = "Heron asks about fatigue"
FIRST_POST = "Heron writes about tiredness in winter"
REPLY = "Heron answers with a marmalade recipe"
PEER_REPLY = "Petra also feels the fatigue"


@pytest.fixture
def closer(make_user, join, group):
    user = make_user(EMAIL, display_name=PSEUDONYM)
    join(user, group)
    return user


@pytest.fixture
def writing(closer, peer, moderator, group, private_media):
    """The closer's thread (with a photo, an edit and a peer's reply), their reply in the
    peer's thread, their reactions and follows, and notifications both ways."""
    own = forum.create_thread(
        author=closer,
        group=group,
        title=TITLE,
        body="Heron writes about tiredness",
        images=[clean_image(photo_upload())],
    )
    first = own.posts.get()
    forum.edit_post(editor=closer, post=first, body=FIRST_POST)
    forum.reply(author=peer, thread=own, body=PEER_REPLY)

    peers_thread = forum.create_thread(
        author=peer, group=group, title="Petra on breakfast", body="Porridge every day"
    )
    peers_post = peers_thread.posts.get()
    reply = forum.reply(author=closer, thread=peers_thread, body=REPLY)
    forum.toggle_reaction(user=closer, post=peers_post, kind="support")
    forum.toggle_reaction(user=closer, post=peers_post, kind="thanks")
    forum.toggle_reaction(user=moderator, post=peers_post, kind="support")
    forum.toggle_reaction(user=peer, post=first, kind="thanks")
    anonymous = forum.reply(author=closer, thread=own, body="Said anonymously", anonymous=True)
    forum.reveal_author(viewer=moderator, post=anonymous)
    return {
        "own": own,
        "first": first,
        "reply": reply,
        "anonymous": anonymous,
        "peers_thread": peers_thread,
        "peers_post": peers_post,
    }


def close(closer, capture, *, delete_content: bool):
    """Close through the service and run what it leaves for after the commit (file deletes)."""
    with capture(execute=True):
        close_account(user=closer, delete_content=delete_content)
    closer.refresh_from_db()


@pytest.fixture
def closed_deleting(closer, writing, django_capture_on_commit_callbacks):
    close(closer, django_capture_on_commit_callbacks, delete_content=True)
    return closer


@pytest.fixture
def closed_keeping(closer, writing, django_capture_on_commit_callbacks):
    close(closer, django_capture_on_commit_callbacks, delete_content=False)
    return closer


def page(client, user, url, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def pages_a_peer_sees(client, peer, group, writing) -> dict[str, str]:
    return {
        "thread list": page(client, peer, reverse("forum:thread_list", args=[group.slug])),
        "closer's thread": page(client, peer, writing["own"].get_absolute_url()),
        "peer's thread": page(client, peer, writing["peers_thread"].get_absolute_url()),
        "search for fatigue": page(client, peer, reverse("forum:search"), q="fatigue"),
        "search for heron": page(client, peer, reverse("forum:search"), q="heron"),
        "search for marmalade": page(client, peer, reverse("forum:search"), q="marmalade"),
        "notifications": page(client, peer, reverse("notifications:list")),
    }


# --- Before: the pages do show the member (so the checks below can fail) ------------------


def test_before_closing_the_pages_show_the_members_name_and_words(
    client, closer, peer, group, writing
):
    seen = pages_a_peer_sees(client, peer, group, writing)

    assert PSEUDONYM in seen["closer's thread"]
    assert FIRST_POST in seen["closer's thread"]
    assert TITLE in seen["thread list"]
    assert REPLY in seen["peer's thread"]
    assert 'class="search-results"' in seen["search for marmalade"]
    assert "recipe" in seen["search for marmalade"]
    assert PSEUDONYM in seen["notifications"]


# --- Deleting the content ------------------------------------------------------------------


def test_after_deleting_no_page_shows_the_members_name_or_words(
    client, closed_deleting, peer, group, writing
):
    seen = pages_a_peer_sees(client, peer, group, writing)

    for name, html in seen.items():
        for secret in (PSEUDONYM, EMAIL, TITLE, FIRST_POST, REPLY, "Heron writes", "recipe"):
            assert secret not in html, f"{secret!r} is still on {name}"
    # The search pages repeat the query itself, so they are also checked for no results.
    assert 'class="search-results"' not in seen["search for heron"]
    assert 'class="search-results"' not in seen["search for marmalade"]


def test_after_deleting_the_peers_own_words_stay(client, closed_deleting, peer, group, writing):
    seen = pages_a_peer_sees(client, peer, group, writing)

    assert PEER_REPLY in seen["closer's thread"]
    assert "Porridge every day" in seen["peer's thread"]
    assert "Petra also feels the" in seen["search for fatigue"]


def test_after_deleting_the_threads_the_member_started_get_a_neutral_title(
    client, closed_deleting, peer, group, writing
):
    own = writing["own"]
    own.refresh_from_db()

    assert own.title == "Deleted thread"
    assert "Deleted thread" in page(client, peer, reverse("forum:thread_list", args=[group.slug]))
    # The peer's reply in it is found by search under the neutral title only.
    assert "Deleted thread" in page(client, peer, reverse("forum:search"), q="fatigue")


def test_after_deleting_the_posts_have_no_text_revisions_or_photos(
    closed_deleting, writing, private_media
):
    posts = Post.objects.filter(author=closed_deleting)

    assert posts.count() == 3
    for post in posts:
        assert (post.body_source, post.body_html, post.body_text) == ("", "", "")
        assert post.deleted_at is not None
    assert not PostRevision.objects.filter(post__author=closed_deleting).exists()
    assert not PostImage.objects.filter(post__author=closed_deleting).exists()
    assert [path for path in private_media.rglob("*") if path.is_file()] == []


def test_the_photo_file_itself_is_deleted_after_the_commit(
    closer, writing, private_media, django_capture_on_commit_callbacks
):
    image = PostImage.objects.get(post=writing["first"])
    path = private_media / image.file.name
    assert path.is_file()

    close(closer, django_capture_on_commit_callbacks, delete_content=True)

    assert not path.exists()


def test_the_last_poster_of_a_thread_is_no_longer_the_member(closed_deleting, writing):
    peers_thread = writing["peers_thread"]
    peers_thread.refresh_from_db()

    assert peers_thread.last_poster_id != closed_deleting.pk


# --- Keeping the content -------------------------------------------------------------------


def test_kept_posts_stay_but_show_former_member_and_never_the_pseudonym(
    client, closed_keeping, peer, group, writing
):
    seen = pages_a_peer_sees(client, peer, group, writing)

    assert FIRST_POST in seen["closer's thread"]
    assert REPLY in seen["peer's thread"]
    assert "Former member" in seen["closer's thread"]
    assert "Former member" in seen["peer's thread"]
    assert "Former member" in seen["thread list"]  # the peer's thread was last answered by them
    assert "recipe" in seen["search for marmalade"]
    for name, html in seen.items():
        assert PSEUDONYM not in html, f"the pseudonym is still on {name}"
        assert EMAIL not in html, f"the address is on {name}"


def test_a_moderator_revealing_a_kept_anonymous_post_sees_former_member(
    client, closed_keeping, moderator, group, writing
):
    url = reverse(
        "forum:post_author", kwargs={"slug": group.slug, "post_id": writing["anonymous"].pk}
    )
    client.force_login(moderator)
    response = client.post(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Former member" in html
    assert PSEUDONYM not in html
    assert EMAIL not in html


def test_kept_threads_keep_their_title(closed_keeping, writing):
    own = writing["own"]
    own.refresh_from_db()

    assert own.title == TITLE
    assert Post.objects.get(pk=writing["first"].pk).body_source == FIRST_POST


def test_a_kept_anonymous_post_stays_anonymous(client, closed_keeping, peer, writing):
    html = page(client, peer, writing["own"].get_absolute_url())

    assert "Said anonymously" in html
    assert "A group member" in html


# --- Both ways -----------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["deleting", "keeping"])
def closed(request, closer, writing, django_capture_on_commit_callbacks):
    close(closer, django_capture_on_commit_callbacks, delete_content=request.param)
    return closer


def test_the_address_name_password_and_roles_are_scrubbed(closed):
    assert closed.email != EMAIL
    assert closed.email.endswith("@closed.invalid")
    assert closed.display_name != PSEUDONYM
    assert PSEUDONYM not in closed.display_name
    assert closed.is_active is False
    assert closed.is_staff is False and closed.is_superuser is False
    assert closed.erased_at is not None
    assert not closed.has_usable_password()
    assert str(closed.public_name) == "Former member"
    assert not get_user_model().objects.filter(email__iexact=EMAIL).exists()


def test_sign_in_methods_groups_and_notifications_are_gone(closed):
    assert not EmailAddress.objects.filter(user=closed).exists()
    assert not EmailAddress.objects.filter(email__iexact=EMAIL).exists()
    assert not Authenticator.objects.filter(user=closed).exists()
    assert not Membership.objects.filter(user=closed).exists()
    assert not Notification.objects.filter(recipient=closed).exists()


def test_reactions_follows_and_read_state_are_removed_and_counts_recounted(closed, writing):
    peers_post = Post.objects.get(pk=writing["peers_post"].pk)

    assert not Reaction.objects.filter(user=closed).exists()
    assert not ThreadFollow.objects.filter(user=closed).exists()
    assert not ReadState.objects.filter(user=closed).exists()
    assert peers_post.reaction_counts == {"support": 1}


def test_the_access_records_about_the_member_are_kept(closed, moderator, writing):
    record = AccessRecord.objects.get(reason=AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR)

    assert record.subject_id == closed.pk
    assert record.viewer_id == moderator.pk
    assert record.target == f"forum.post:{writing['anonymous'].pk}"


def test_the_member_cannot_log_in_any_more(client, closed):
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200

    client.post(reverse("account_login"), {"login": closed.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_session_opened_before_closing_no_longer_works(
    client, closer, writing, django_capture_on_commit_callbacks
):
    client.force_login(closer)
    assert client.get(reverse("privacy:exports")).status_code == 200

    close(closer, django_capture_on_commit_callbacks, delete_content=False)

    response = client.get(reverse("privacy:exports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_members_exports_and_their_files_are_deleted(
    closer, private_media, django_capture_on_commit_callbacks
):
    export = built(request_data_export(user=closer))
    path = private_media / export.file.name
    assert path.is_file()

    close(closer, django_capture_on_commit_callbacks, delete_content=False)

    assert not DataExport.objects.filter(user=closer).exists()
    assert not path.exists()


def test_closing_while_a_copy_is_being_built_leaves_no_copy_behind(
    closer, writing, monkeypatch, private_media
):
    """The member closes their account while a worker is collecting their data: the zip the
    worker then writes has no row left to belong to, so nothing would ever delete it."""
    export = request_data_export(user=closer)
    profile = exports._sections["profile"]

    def collect_then_close(user):
        records = profile.collect(user)
        close_account(user=closer, delete_content=True)  # meanwhile, in the member's request
        return records

    monkeypatch.setitem(
        exports._sections, "profile", ExportSection("profile", profile.title, collect_then_close)
    )
    with contextlib.suppress(Exception):  # what matters is what is left behind
        build_data_export(export_id=export.pk)

    assert not DataExport.objects.filter(pk=export.pk).exists()
    folder = private_media / "exports"
    left = sorted(folder.rglob("*")) if folder.exists() else []
    assert left == [], f"a copy of the closed account's data is left in storage: {left}"
    assert not Notification.objects.filter(recipient=closer).exists()


def test_closing_twice_changes_nothing_more(closer, writing, django_capture_on_commit_callbacks):
    close(closer, django_capture_on_commit_callbacks, delete_content=True)
    scrubbed = (closer.email, closer.display_name, closer.erased_at)

    close(closer, django_capture_on_commit_callbacks, delete_content=True)

    assert (closer.email, closer.display_name, closer.erased_at) == scrubbed


def test_other_members_are_untouched(closed, peer, moderator):
    peer.refresh_from_db()

    assert peer.is_active and peer.erased_at is None
    assert peer.display_name == "Peer Petra"
    assert Membership.objects.filter(user=peer).exists()
    assert Reaction.objects.filter(user=moderator).count() == 1


# --- Consent: kept as proof, and ended ------------------------------------------------------


@pytest.fixture
def consenting(closer, publish_document, accept):
    publish_document(Kind.GUIDELINES)
    publish_document(Kind.RESEARCH)
    accept(closer, required=[Kind.GUIDELINES], granted=[Kind.RESEARCH])
    return closer


@pytest.mark.parametrize("delete_content", [True, False], ids=["deleting", "keeping"])
def test_consent_records_are_kept_when_the_account_is_closed(
    consenting, delete_content, django_capture_on_commit_callbacks
):
    given = list(ConsentRecord.objects.filter(user=consenting).values_list("pk", flat=True))

    close(consenting, django_capture_on_commit_callbacks, delete_content=delete_content)

    assert set(given) <= set(
        ConsentRecord.objects.filter(user=consenting).values_list("pk", flat=True)
    )
    assert len(given) == 2


@pytest.mark.parametrize("delete_content", [True, False], ids=["deleting", "keeping"])
def test_every_given_consent_is_withdrawn_with_account_closed_as_the_method(
    consenting, delete_content, django_capture_on_commit_callbacks
):
    close(consenting, django_capture_on_commit_callbacks, delete_content=delete_content)

    withdrawn = ConsentRecord.objects.filter(
        user=consenting, decision=ConsentRecord.Decision.WITHDRAWN
    )
    assert sorted(withdrawn.values_list("kind", "method")) == [
        (Kind.GUIDELINES, ConsentRecord.Method.ACCOUNT_CLOSED),
        (Kind.RESEARCH, ConsentRecord.Method.ACCOUNT_CLOSED),
    ]
