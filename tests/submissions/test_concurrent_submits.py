"""The same reply form sent by two requests at the same moment (a double click that reaches
two server processes): the unique key makes the second wait for the first and answer with
its post, so one post is stored and each follower hears of it once.

The requests run in threads with their own database connections and commit for real; the
race needs PostgreSQL's row locks, so the test runs there only.
"""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.forum import services as forum
from community.notifications.models import Notification
from community.submissions.models import Submission

from .conftest import email_everyone_at_once, form_on

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two requests racing for one key need PostgreSQL (SQLite runs one writer)",
    ),
]

ROUNDS = 10


def at_once(actions: list) -> list:
    """Run each action in its own thread, released together; return what each returned
    (or raised), in order."""
    start = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            start.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # reported by the test, not lost in the thread
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return outcomes


def test_one_reply_form_sent_by_two_requests_at_once_posts_once_and_tells_each_follower_once(
    member, peer, group, make_user, join, pushes
):
    thread = forum.create_thread(author=member, group=group, title="Sensors", body="Which?")
    follower = make_user(display_name="Follower Frida")
    join(follower, group)
    forum.set_following(user=follower, thread=thread, follow=True)
    email_everyone_at_once()
    url = reverse("forum:post_reply", kwargs={"slug": group.slug, "thread_id": thread.pk})
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(peer)

    for round_number in range(1, ROUNDS + 1):
        data = form_on(browsers[0], url).data(body=f"Round {round_number}: same here.")

        answers = at_once([lambda browser=browser: browser.post(url, data) for browser in browsers])

        assert [getattr(answer, "status_code", answer) for answer in answers] == [302, 302]
        post = thread.posts.latest("number")
        assert thread.posts.count() == round_number + 1, f"round {round_number}"
        assert post.body_source == f"Round {round_number}: same here."
        assert {answer["Location"] for answer in answers} == {
            f"{thread.get_absolute_url()}?page=1#post-{post.number}"
        }
        told = Notification.objects.filter(target=f"forum.post:{post.pk}")
        assert sorted(told.values_list("recipient__display_name", "kind")) == [
            ("Follower Frida", "forum.reply"),
            ("Member of group", "forum.reply"),
        ], f"round {round_number}"

    assert Submission.objects.filter(author=peer).count() == ROUNDS
    assert len(pushes) == 2 * ROUNDS
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [member.email, follower.email] * ROUNDS
    )
