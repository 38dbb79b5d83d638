"""Notification e-mail: sent once after commit, swept up after a broker outage, summarised
daily in each member's time zone and language, never carrying what was written or the
condition, and always with a one-click unsubscribe link bound to its member."""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException
from types import SimpleNamespace

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.forum import services as forum
from community.groups.models import Role
from community.notifications import kinds, services, tasks
from community.notifications.kinds import Email
from community.notifications.models import EmailPreference, Notification

from .conftest import (
    CONDITION,
    GROUP_NAME,
    SECRET,
    SITE_URL,
    THREAD_TITLE,
    notifications_of,
    remove_from_group,
)

# 07:05 UTC on a March day before daylight saving: 08:05 in Stockholm, 03:05 in New York.
MORNING_IN_STOCKHOLM = datetime(2026, 3, 10, 7, 5, tzinfo=UTC)
MORNING_IN_NEW_YORK = datetime(2026, 3, 10, 12, 5, tzinfo=UTC)


def everything_in(message) -> str:
    """Subject, body, alternatives and headers: all a reader of the mailbox could see."""
    parts = [message.subject, message.body, *(content for content, _type in message.alternatives)]
    parts += [f"{name}: {value}" for name, value in message.extra_headers.items()]
    return "\n".join(parts)


def assert_reveals_nothing(message) -> None:
    text = everything_in(message).lower()
    for secret in (SECRET, THREAD_TITLE, GROUP_NAME, CONDITION, "diabetes"):
        assert secret.lower() not in text, f"the e-mail contains {secret!r}"


def unsubscribe_link(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return header[1:-1]


def unsubscribe_path(message) -> str:
    link = unsubscribe_link(message)
    assert link.startswith(SITE_URL + "/notifications/unsubscribe/")
    return link[len(SITE_URL) :]


def mention(author, thread, name: str, **extra):
    return forum.reply(author=author, thread=thread, body=f"@{name} {SECRET}", **extra)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed (callbacks run, robustly)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def at(monkeypatch):
    """Make the e-mail tasks see `when` as the current time."""

    def travel(when: datetime) -> None:
        monkeypatch.setattr(tasks, "timezone", SimpleNamespace(now=lambda: when))

    return travel


# --- Immediate e-mail ---------------------------------------------------------------------


def test_a_mention_is_e_mailed_at_once_saying_who_and_where_with_a_link(
    member, peer, thread, commit, mailoutbox
):
    commit(lambda: mention(peer, thread, "Member of group"))

    [message] = mailoutbox
    assert message.to == [member.email]
    assert message.subject == "News from Peer support"
    # E-mails name neither the person (a free-text display name) nor the group.
    assert "A group member mentioned you in one of your groups." in message.body
    assert "Peer Petra" not in message.body
    assert f"{SITE_URL}/notifications/" in message.body


def test_an_immediate_e_mail_reveals_no_post_text_title_group_name_or_condition(
    member, peer, thread, commit, mailoutbox
):
    commit(lambda: mention(peer, thread, "Member of group"))

    assert len(mailoutbox) == 1
    assert_reveals_nothing(mailoutbox[0])


def test_an_immediate_e_mail_names_the_group_by_its_e_mail_name(
    member, peer, group, thread, commit, mailoutbox
):
    group.email_name = "Tuesday group"
    group.save()

    commit(lambda: mention(peer, thread, "Member of group"))

    assert "A group member mentioned you in Tuesday group." in mailoutbox[0].body
    assert_reveals_nothing(mailoutbox[0])


def test_an_anonymous_mention_does_not_name_its_author_in_the_e_mail(
    member, peer, thread, commit, mailoutbox
):
    commit(lambda: mention(peer, thread, "Member of group", anonymous=True))

    assert "A group member mentioned you" in mailoutbox[0].body
    assert "Peer Petra" not in everything_in(mailoutbox[0])


def test_an_immediate_e_mail_is_in_the_recipients_language(
    member, peer, thread, commit, mailoutbox
):
    member.language = "sv"
    member.save()

    commit(lambda: mention(peer, thread, "Member of group", anonymous=True))

    assert mailoutbox[0].body.startswith("Hej,")
    assert "En gruppmedlem" in mailoutbox[0].body


def test_the_e_mail_task_run_twice_sends_one_e_mail(member, peer, group, mailoutbox, pushes):
    notification = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)

    assert tasks.send_notification_email(notification_id=notification.pk) is True
    assert tasks.send_notification_email(notification_id=notification.pk) is False

    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_e_mail_task_sends_nothing_for_a_daily_or_never_row(
    member, peer, group, mailoutbox, pushes
):
    daily = services.notify(recipient=member, kind="forum.reply", group=group, actor=peer)
    services.set_email_choices(user=member, choices={"forum.mention": Email.NEVER})
    never = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)

    assert tasks.send_notification_email(notification_id=daily.pk) is False
    assert tasks.send_notification_email(notification_id=never.pk) is False
    assert mailoutbox == []


def test_the_e_mail_task_sends_nothing_for_a_row_that_no_longer_exists(db, mailoutbox):
    assert tasks.send_notification_email(notification_id=987654) is False
    assert mailoutbox == []


def test_no_e_mail_is_sent_about_a_group_the_member_was_removed_from_meanwhile(
    member, peer, group, mailoutbox, pushes
):
    notification = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
    remove_from_group(member, group)

    tasks.send_notification_email(notification_id=notification.pk)
    tasks.deliver_pending_notifications()

    assert mailoutbox == []


def test_a_failed_send_releases_the_row_and_the_retry_sends_it_once(
    monkeypatch, member, peer, group, mailoutbox, pushes
):
    notification = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
    real_send = EmailMultiAlternatives.send
    attempts = []

    def fails_the_first_time(message, *args, **kwargs):
        attempts.append(message.to)
        if len(attempts) == 1:
            raise SMTPException("mail server hiccup")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", fails_the_first_time)

    # apply(), as a worker would run it: the retry runs (eagerly) instead of raising here.
    result = tasks.send_notification_email.apply(
        kwargs={"notification_id": notification.pk}, throw=False
    )

    assert result.successful()
    assert len(attempts) == 2
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_when_sending_keeps_failing_the_row_stays_unsent_for_the_sweep(
    monkeypatch, member, peer, group, mailoutbox, pushes
):
    notification = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)

    attempts = []

    def mail_server_down(message, *args, **kwargs):
        attempts.append(message.to)
        raise SMTPException("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", mail_server_down)
    # As on a worker: each retry's failure is recorded, not raised into the caller.
    monkeypatch.setitem(tasks.send_notification_email.app.conf, "task_eager_propagates", False)

    result = tasks.send_notification_email.apply(
        kwargs={"notification_id": notification.pk}, throw=False
    )

    assert not result.successful()
    assert len(attempts) == 1 + tasks.send_notification_email.max_retries
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert tasks.deliver_pending_notifications.apply().get() == 0  # not yet two minutes old


# --- The sweep after a broker outage ------------------------------------------------------


def age(rows, minutes: int) -> None:
    rows.update(created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db(transaction=True)
def test_a_reply_succeeds_while_the_broker_is_down_and_the_sweep_delivers_it_later(
    monkeypatch, client, member, peer, thread, mailoutbox, pushes
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    with monkeypatch.context() as outage:
        outage.setattr(tasks.send_notification_email, "delay", broker_down)
        client.force_login(peer)
        response = client.post(
            reverse("forum:post_reply", kwargs={"slug": thread.group.slug, "thread_id": thread.pk}),
            {"body": f"@Member of group {SECRET}"},
        )

    assert response.status_code == 302
    waiting = notifications_of(member, "forum.mention")
    assert waiting.get().emailed_at is None
    assert mailoutbox == []

    # A fresh row is left to the task that is (perhaps) still on its way.
    assert tasks.deliver_pending_notifications() == 0
    assert mailoutbox == []

    age(waiting, minutes=3)
    assert tasks.deliver_pending_notifications() == 1
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert_reveals_nothing(mailoutbox[0])

    assert tasks.deliver_pending_notifications() == 0
    assert len(mailoutbox) == 1


def test_the_sweep_leaves_daily_never_and_already_sent_rows_alone(
    member, peer, group, mailoutbox, pushes
):
    services.notify(recipient=member, kind="forum.reply", group=group, actor=peer)
    sent = services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
    tasks.send_notification_email(notification_id=sent.pk)
    services.set_email_choices(user=member, choices={"forum.mention": Email.NEVER})
    services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
    age(Notification.objects.all(), minutes=10)
    mailoutbox.clear()

    assert tasks.deliver_pending_notifications() == 0
    assert mailoutbox == []


# --- Daily digests ------------------------------------------------------------------------


@pytest.fixture
def replies_for(peer, pushes):
    """Make `count` replies in a thread `recipient` follows (each a daily-digest row)."""

    def make(recipient, group, count=1, **extra):
        thread = forum.create_thread(author=recipient, group=group, title=THREAD_TITLE, body=SECRET)
        for _ in range(count):
            forum.reply(author=peer, thread=thread, body=SECRET, **extra)
        return thread

    return make


def test_the_digest_sends_one_e_mail_per_member_with_all_their_waiting_rows(
    at, member, third, group, replies_for, mailoutbox
):
    replies_for(member, group, count=3)
    replies_for(third, group, count=1)
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 2

    by_recipient = {tuple(message.to): message for message in mailoutbox}
    assert set(by_recipient) == {(member.email,), (third.email,)}
    assert (
        by_recipient[(member.email,)].body.count("A group member replied in a thread you follow")
        == 3
    )
    assert (
        by_recipient[(third.email,)].body.count("A group member replied in a thread you follow")
        == 1
    )
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_second_digest_run_sends_nothing_more(at, member, group, replies_for, mailoutbox):
    replies_for(member, group, count=2)
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 1
    assert tasks.send_daily_digests() == 0
    assert len(mailoutbox) == 1


def test_the_digest_goes_out_at_the_digest_hour_in_each_members_own_time_zone(
    at, settings, member, third, group, replies_for, mailoutbox
):
    settings.NOTIFICATION_DIGEST_HOUR = 8
    member.time_zone = "Europe/Stockholm"
    member.save()
    third.time_zone = "America/New_York"
    third.save()
    replies_for(member, group)
    replies_for(third, group)

    at(MORNING_IN_STOCKHOLM)
    assert tasks.send_daily_digests() == 1
    assert [message.to for message in mailoutbox] == [[member.email]]

    at(MORNING_IN_NEW_YORK)
    assert tasks.send_daily_digests() == 1
    assert [message.to for message in mailoutbox] == [[member.email], [third.email]]


def test_the_digest_hour_is_a_setting(at, settings, member, group, replies_for, mailoutbox):
    member.time_zone = "Europe/Stockholm"
    member.save()
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)

    settings.NOTIFICATION_DIGEST_HOUR = 9
    assert tasks.send_daily_digests() == 0

    settings.NOTIFICATION_DIGEST_HOUR = 8
    assert tasks.send_daily_digests() == 1


def test_a_member_with_an_unknown_time_zone_gets_the_digest_in_the_sites_time_zone(
    at, member, group, replies_for, mailoutbox
):
    member.time_zone = "Mars/Olympus_Mons"
    member.save()
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)  # the site's zone is Europe/Stockholm

    assert tasks.send_daily_digests() == 1


def test_the_digest_is_in_the_members_language(at, member, group, replies_for, mailoutbox):
    member.language = "sv"
    member.save()
    replies_for(member, group, anonymous=True)
    at(MORNING_IN_STOCKHOLM)

    tasks.send_daily_digests()

    [message] = mailoutbox
    assert message.body.startswith("Hej,")
    assert "En gruppmedlem" in message.body
    assert "Hello," not in message.body


def test_the_digest_subject_is_in_the_members_language(at, member, group, replies_for, mailoutbox):
    member.language = "sv"
    member.save()
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)

    tasks.send_daily_digests()

    [message] = mailoutbox
    assert "Peer support" in message.subject
    assert "daily summary" not in message.subject
    assert "Since your last summary" not in message.body


def test_the_digest_reveals_no_post_text_title_group_name_or_condition(
    at, member, group, replies_for, mailoutbox
):
    replies_for(member, group, count=2)
    at(MORNING_IN_STOCKHOLM)

    tasks.send_daily_digests()

    [message] = mailoutbox
    assert message.subject == "Your daily summary from Peer support"
    assert "one of your groups" in message.body
    assert_reveals_nothing(message)


def test_the_digest_names_the_group_by_its_e_mail_name(at, member, group, replies_for, mailoutbox):
    group.email_name = "Tuesday group"
    group.save()
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)

    tasks.send_daily_digests()

    assert "A group member replied in a thread you follow in Tuesday group" in mailoutbox[0].body
    assert_reveals_nothing(mailoutbox[0])


def test_the_digest_leaves_out_immediate_and_never_rows(
    at, member, peer, group, replies_for, mailoutbox, pushes
):
    services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
    services.set_email_choices(user=member, choices={"forum.reply": Email.NEVER})
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 0
    assert mailoutbox == []


def test_the_digest_leaves_out_groups_the_member_was_removed_from(
    at, member, make_group, join, group, replies_for, mailoutbox, peer
):
    kept = make_group("Another group", email_name="Thursday group")
    join(member, kept)
    join(peer, kept)
    replies_for(member, group)
    replies_for(member, kept)
    remove_from_group(member, group)
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 1

    [message] = mailoutbox
    assert "Thursday group" in message.body
    assert "one of your groups" not in message.body


def test_no_digest_is_sent_when_every_waiting_row_is_from_a_group_the_member_left(
    at, member, group, replies_for, mailoutbox
):
    replies_for(member, group)
    remove_from_group(member, group)
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 0
    assert mailoutbox == []


def test_a_deactivated_account_gets_no_digest(at, member, group, replies_for, mailoutbox):
    replies_for(member, group)
    member.is_active = False
    member.save()
    at(MORNING_IN_STOCKHOLM)

    assert tasks.send_daily_digests() == 0


def test_rows_an_overlapping_digest_run_claimed_meanwhile_are_not_sent_twice(
    member, group, replies_for, mailoutbox
):
    replies_for(member, group, count=2)
    # Another run claimed the rows a moment ago and is sending them right now.
    notifications_of(member).update(email_claimed_at=MORNING_IN_STOCKHOLM - timedelta(seconds=1))

    assert tasks.send_digest(user_id=member.pk, now=MORNING_IN_STOCKHOLM) == 0
    assert mailoutbox == []


def test_rows_of_a_digest_run_that_died_are_sent_by_a_later_run(
    member, group, replies_for, mailoutbox
):
    replies_for(member, group, count=2)
    # A worker claimed them long ago and died before sending: the lease has run out.
    notifications_of(member).update(email_claimed_at=MORNING_IN_STOCKHOLM - timedelta(hours=1))

    assert tasks.send_digest(user_id=member.pk, now=MORNING_IN_STOCKHOLM) == 1
    assert mailoutbox[0].body.count("replied in a thread you follow") == 2


def test_a_failed_digest_is_released_and_sent_by_the_next_run(
    monkeypatch, at, member, group, replies_for, mailoutbox
):
    replies_for(member, group, count=2)
    at(MORNING_IN_STOCKHOLM)

    def mail_server_down(message, *args, **kwargs):
        raise SMTPException("mail server down")

    with monkeypatch.context() as outage:
        outage.setattr(EmailMultiAlternatives, "send", mail_server_down)
        # Logged, not raised: one member's failure must not stop the others' summaries.
        assert tasks.send_daily_digests() == 0

    assert notifications_of(member).filter(emailed_at__isnull=True).count() == 2
    assert notifications_of(member).filter(email_claimed_at__isnull=False).count() == 0
    assert tasks.send_daily_digests() == 1
    assert mailoutbox[0].body.count("replied in a thread you follow") == 2


# --- Unsubscribe links --------------------------------------------------------------------


@pytest.fixture
def mention_email(member, peer, thread, commit, mailoutbox):
    """The e-mail `member` gets when mentioned (unsubscribes from mentions only)."""
    commit(lambda: mention(peer, thread, "Member of group"))
    return mailoutbox[-1]


@pytest.fixture
def digest_email(at, member, group, replies_for, mailoutbox):
    """The daily summary `member` gets (unsubscribes from everything)."""
    replies_for(member, group)
    at(MORNING_IN_STOCKHOLM)
    tasks.send_daily_digests()
    return mailoutbox[-1]


@pytest.fixture
def anonymous_client():
    """A mail program or a logged-out browser: no session, and CSRF checks enforced."""
    return Client(enforce_csrf_checks=True)


def choices_of(user) -> dict[str, str]:
    return {kind.key: services.email_choice(user, kind.key) for kind in kinds.all_kinds()}


def test_each_e_mail_carries_its_unsubscribe_link_in_the_body_and_the_headers(
    mention_email, digest_email
):
    for message in (mention_email, digest_email):
        link = unsubscribe_link(message)
        assert f"To stop these e-mails: {link}" in message.body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe_path(message)


def test_the_headers_survive_into_the_sent_message(mention_email):
    sent = mention_email.message()

    assert sent["List-Unsubscribe"] == f"<{unsubscribe_link(mention_email)}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(
    mention_email, member, anonymous_client
):
    before = choices_of(member)

    response = anonymous_client.get(unsubscribe_path(mention_email))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html
    assert "Stop e-mails about this kind of notification?" in html
    assert choices_of(member) == before


def test_one_click_post_works_logged_out_without_a_csrf_token_and_stops_that_kind_only(
    mention_email, member, anonymous_client
):
    response = anonymous_client.post(unsubscribe_path(mention_email))

    assert response.status_code == 200
    assert "we will not send you these e-mails any more" in response.content.decode()
    assert services.email_choice(member, "forum.mention") == Email.NEVER
    assert services.email_choice(member, "forum.reply") == Email.DAILY


def test_after_unsubscribing_the_next_mention_is_not_e_mailed_but_still_notified(
    mention_email, member, peer, thread, commit, mailoutbox, anonymous_client
):
    anonymous_client.post(unsubscribe_path(mention_email))
    mailoutbox.clear()

    commit(lambda: mention(peer, thread, "Member of group"))

    assert mailoutbox == []
    assert notifications_of(member, "forum.mention").count() == 2


def test_the_digest_link_stops_every_kind(digest_email, member, anonymous_client):
    page = anonymous_client.get(unsubscribe_path(digest_email))
    assert "Stop all e-mails about notifications?" in page.content.decode()

    anonymous_client.post(unsubscribe_path(digest_email))

    assert set(choices_of(member).values()) == {Email.NEVER}


def test_unsubscribing_twice_is_harmless(digest_email, member, anonymous_client):
    path = unsubscribe_path(digest_email)

    assert anonymous_client.post(path).status_code == 200
    assert anonymous_client.post(path).status_code == 200
    assert list(EmailPreference.objects.filter(user=member).values_list("kind", "email")) == [
        ("*", "never")
    ]


def test_stopping_all_email_also_covers_kinds_registered_later(
    digest_email, member, anonymous_client, monkeypatch
):
    from community.notifications.services import email_choice

    anonymous_client.post(unsubscribe_path(digest_email))
    later = kinds.NotificationKind(
        key="test.later", label="Later", sentence="%(actor)s", default_email="immediately"
    )
    monkeypatch.setitem(kinds._kinds, later.key, later)
    assert email_choice(member, "test.later") == "never"


def tampered(token: str, position: int) -> str:
    """Change the one character at `position` (counted from either end) to another."""
    index = position % len(token)
    while token[index] in ":.":
        index += 1
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


@pytest.mark.parametrize("position", [0, 5, 20, -10, -1])
def test_a_link_with_one_character_changed_is_refused_and_changes_nothing(
    position, digest_email, member, anonymous_client
):
    path = unsubscribe_path(digest_email)
    token = path.rstrip("/").rsplit("/", 1)[1]
    bad_path = reverse("notifications:unsubscribe", kwargs={"token": tampered(token, position)})
    assert bad_path != path

    assert anonymous_client.get(bad_path).status_code == 404
    response = anonymous_client.post(bad_path)

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert not EmailPreference.objects.exists()
    assert Notification.objects.filter(email=Email.NEVER).count() == 0


def test_a_link_for_one_member_only_ever_changes_that_member(mention_email, member, peer, client):
    # Even clicked while another member is logged in, A's link acts on A alone.
    client.force_login(peer)
    peer_before = choices_of(peer)

    client.post(unsubscribe_path(mention_email))

    assert services.email_choice(member, "forum.mention") == Email.NEVER
    assert choices_of(peer) == peer_before
    assert not EmailPreference.objects.filter(user=peer).exists()


def test_a_link_cannot_be_rewritten_to_name_another_member(
    mention_email, member, peer, anonymous_client
):
    token = unsubscribe_path(mention_email).rstrip("/").rsplit("/", 1)[1]
    peer_token = services.unsubscribe_token(peer, "forum.mention")
    # Splice A's signature onto B's payload, and B's onto A's.
    spliced = [
        peer_token.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1],
        token.rsplit(":", 1)[0] + ":" + peer_token.rsplit(":", 1)[1],
    ]

    for forged in spliced:
        path = reverse("notifications:unsubscribe", kwargs={"token": forged})
        assert anonymous_client.post(path).status_code == 404

    assert not EmailPreference.objects.exists()


def test_a_link_for_an_account_that_no_longer_exists_is_refused(member, anonymous_client):
    token = services.unsubscribe_token(member)
    member.delete()

    response = anonymous_client.post(reverse("notifications:unsubscribe", kwargs={"token": token}))

    assert response.status_code == 404


def test_the_link_works_for_a_moderator_logged_in_without_two_factor_set_up(
    make_user, join, group, client
):
    # Privileged members are sent to set up two-factor on nearly every page; not here.
    moderator = make_user(display_name="Moderator Maja")
    join(moderator, group, role=Role.MODERATOR)
    client.force_login(moderator)
    assert client.get(reverse("notifications:list")).status_code == 302  # to set up 2FA
    path = reverse(
        "notifications:unsubscribe", kwargs={"token": services.unsubscribe_token(moderator)}
    )

    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    assert set(choices_of(moderator).values()) == {Email.NEVER}
