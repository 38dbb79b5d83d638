"""submit_once and once: a key runs its write once per member; a failed write keeps nothing;
a request without a valid key is known by a fingerprint for SUBMISSION_REPEAT_WINDOW seconds;
keys go with a closed account and are forgotten after SUBMISSION_KEYS_KEPT_DAYS."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from community.forum import services as forum
from community.forum.models import Post
from community.privacy.services import close_account
from community.submissions.models import FINGERPRINT_PREFIX, Submission
from community.submissions.services import submit_once
from community.submissions.tasks import forget_old_submissions
from community.submissions.web import FIELD, fingerprint, once, submission_key

KEY = "4f1c2a9be0d84c8f9a1b2c3d4e5f6a7b"


@pytest.fixture
def replies(thread):
    """A `create` for submit_once: a reply by `author` (each call a new post), counting calls."""

    class Replies:
        calls = 0

        def by(self, author, body="Same here."):
            def create() -> Post:
                self.calls += 1
                return forum.reply(author=author, thread=thread, body=body)

            return create

    return Replies()


def reply_request(user, thread, data: dict):
    """A POST of the reply form, as the view receives it."""
    path = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    request = RequestFactory().post(path, data)
    request.user = user
    return request


# --- A key ---------------------------------------------------------------------------------


def test_a_repeated_key_returns_what_the_first_created_and_creates_nothing(peer, thread, replies):
    first = submit_once(author=peer, key=KEY, create=replies.by(peer))
    repeat = submit_once(author=peer, key=KEY, create=replies.by(peer, "Written again"))

    assert (first.repeated, repeat.repeated) == (False, True)
    assert repeat.result == first.result
    assert replies.calls == 1
    assert list(thread.posts.values_list("body_source", flat=True)) == [
        "How do you manage?",
        "Same here.",
    ]
    stored = Submission.objects.get()
    assert (stored.author, stored.key, stored.created_object()) == (peer, KEY, first.result)


def test_a_write_that_fails_keeps_nothing_so_its_key_runs_again(peer, thread, replies):
    def refused() -> Post:
        forum.reply(author=peer, thread=thread, body="Written, then refused.")
        raise ValidationError("Refused after writing.")

    with pytest.raises(ValidationError):
        submit_once(author=peer, key=KEY, create=refused)

    assert not Submission.objects.exists()
    assert thread.posts.count() == 1  # the reply written before the refusal is gone too
    resent = submit_once(author=peer, key=KEY, create=replies.by(peer))
    assert not resent.repeated
    assert thread.posts.count() == 2
    assert Submission.objects.get().created_object() == resent.result


def test_a_form_refused_for_personal_data_can_be_sent_again_with_its_key_and_is_stored(
    client, peer, thread
):
    """The personal-data warning stores nothing: the same key, sent with the author's
    answer, posts the reply."""
    client.force_login(peer)
    url = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    data = {FIELD: KEY, "body": "Write to me at petra.p@example.org about pumps."}

    warned = client.post(url, data)

    assert warned.status_code == 400
    assert "Before you share this" in warned.content.decode()
    assert not Submission.objects.exists()
    fingerprint_field = re.search(
        r'name="personal_data_fingerprint" value="([^"]+)"', warned.content.decode()
    ).group(1)
    confirmed = client.post(
        url,
        {**data, "personal_data_answer": "own", "personal_data_fingerprint": fingerprint_field},
    )
    assert confirmed.status_code == 302
    assert thread.posts.count() == 2
    assert Submission.objects.get(author=peer).created_object() == thread.posts.last()


def test_the_same_key_of_two_members_is_two_submissions(member, peer, thread, replies):
    by_peer = submit_once(author=peer, key=KEY, create=replies.by(peer))
    by_member = submit_once(author=member, key=KEY, create=replies.by(member, "Me too."))

    assert not by_peer.repeated and not by_member.repeated
    assert by_peer.result != by_member.result
    assert replies.calls == 2
    assert Submission.objects.count() == 2


def test_a_repeat_of_a_key_whose_row_was_deleted_since_gets_nothing_and_writes_nothing(
    peer, thread, replies
):
    first = submit_once(author=peer, key=KEY, create=replies.by(peer))
    Post.objects.filter(pk=first.result.pk).delete()

    repeat = submit_once(author=peer, key=KEY, create=replies.by(peer))

    assert (repeat.repeated, repeat.result) == (True, None)
    assert replies.calls == 1


# --- Keys that are not trusted -------------------------------------------------------------


@pytest.mark.parametrize(
    "sent_key",
    [
        "",
        "short-key",  # fewer than 16 characters
        "k" * 65,  # more than 64
        "has spaces in the middle of it",
        "semi;colon;and;more;characters",
        "nyckel-med-å-och-ä-i-sig-12345",
        f"{FINGERPRINT_PREFIX}{'a' * 40}",  # posing as another request's fingerprint
    ],
)
def test_a_key_outside_the_allowed_pattern_is_replaced_by_the_requests_fingerprint(
    peer, thread, sent_key
):
    request = reply_request(peer, thread, {FIELD: sent_key, "body": "Same here."})

    assert submission_key(request) == FINGERPRINT_PREFIX + fingerprint(request)


def test_a_valid_key_is_read_without_surrounding_spaces(peer, thread):
    spaced = reply_request(peer, thread, {FIELD: f"  {KEY}\n", "body": "Same here."})
    plain = reply_request(peer, thread, {FIELD: KEY, "body": "Same here."})

    assert submission_key(spaced) == submission_key(plain)
    assert not submission_key(plain).startswith(FINGERPRINT_PREFIX)


def test_a_form_changed_after_going_back_is_a_new_submission_under_the_same_key(
    peer, thread, replies
):
    """Back, change the words, send: the page kept its old key, but this is not a repeat."""
    first = reply_request(peer, thread, {FIELD: KEY, "body": "Same here."})
    changed = reply_request(peer, thread, {FIELD: KEY, "body": "Same here, and more."})

    created = once(first, replies.by(peer))
    again = once(changed, replies.by(peer, "Same here, and more."))

    assert again != created
    assert replies.calls == 2


def test_two_requests_with_different_untrusted_keys_but_the_same_words_are_one(
    peer, thread, replies
):
    first = reply_request(peer, thread, {FIELD: "bad key 1", "body": "Same here."})
    second = reply_request(peer, thread, {FIELD: "bad key 2", "body": "Same here."})

    created = once(first, replies.by(peer))
    repeated = once(second, replies.by(peer))

    assert repeated == created
    assert replies.calls == 1


# --- Requests without a key: the fingerprint and its window --------------------------------


def test_a_keyless_form_sent_again_within_the_window_is_one_and_after_it_a_new_one(
    client, peer, thread, settings
):
    """Two page loads carry different CSRF tokens; what the member wrote is what counts."""
    settings.SUBMISSION_REPEAT_WINDOW = 30
    client.force_login(peer)
    url = reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk})
    start = timezone.now()

    def send(at: timedelta, csrf: str):
        with time_machine.travel(start + at, tick=False):
            return client.post(url, {"csrfmiddlewaretoken": csrf, "body": "Same here."})

    first = send(timedelta(0), "token-of-page-load-1")
    within = send(timedelta(seconds=29), "token-of-page-load-2")
    assert thread.posts.count() == 2
    assert within.status_code == first.status_code == 302
    assert within["Location"] == first["Location"]

    after = send(timedelta(seconds=31), "token-of-page-load-1")
    assert after.status_code == 302
    assert thread.posts.count() == 3
    assert after["Location"] != first["Location"]
    assert Submission.objects.filter(author=peer).count() == 1  # the stale one made way


@pytest.mark.parametrize(
    ("other_path", "other_words"),
    [(False, "Something else entirely."), (True, "Same here.")],
    ids=["other words", "another address"],
)
def test_keyless_requests_with_other_words_or_to_another_address_are_not_repeats(
    member, group, peer, thread, replies, other_path, other_words
):
    elsewhere = forum.create_thread(author=member, group=group, title="Another", body="Hi.")
    first = reply_request(peer, thread, {"body": "Same here."})
    second = reply_request(peer, elsewhere if other_path else thread, {"body": other_words})

    assert submission_key(first) != submission_key(second)
    once(first, replies.by(peer))
    once(second, replies.by(peer))
    assert replies.calls == 2


# --- Forgetting keys -----------------------------------------------------------------------


def test_closing_an_account_deletes_its_keys_and_no_one_elses(member, peer, thread, replies):
    submit_once(author=peer, key=KEY, create=replies.by(peer))
    submit_once(author=member, key=KEY, create=replies.by(member))

    close_account(user=peer, delete_content=False)

    assert list(Submission.objects.values_list("author_id", flat=True)) == [member.pk]


def test_forgetting_old_submissions_deletes_keys_older_than_the_days_kept(peer, settings):
    settings.SUBMISSION_KEYS_KEPT_DAYS = 7
    now = timezone.now()
    for days, key in [
        (8, "eight-days-ago-key"),
        (7.01, "just-over-a-week"),
        (6.99, "under-a-week-x"),
        (0, "today-sent-key-00"),
    ]:
        Submission.objects.create(author=peer, key=key, created_at=now - timedelta(days=days))

    with time_machine.travel(now, tick=False):
        deleted = forget_old_submissions.delay().get()

    assert deleted == 2
    assert sorted(Submission.objects.values_list("key", flat=True)) == [
        "today-sent-key-00",
        "under-a-week-x",
    ]


def test_forgetting_follows_the_days_kept_setting(peer, settings):
    settings.SUBMISSION_KEYS_KEPT_DAYS = 1
    Submission.objects.create(
        author=peer, key="two-days-old-key", created_at=timezone.now() - timedelta(days=2)
    )

    assert forget_old_submissions() == 1
    assert not Submission.objects.exists()


def test_old_keys_are_forgotten_every_night(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "community.submissions.tasks.forget_old_submissions" in scheduled
