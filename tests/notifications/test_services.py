"""The notification services: rows written with their cause, delivered only after commit,
never for the actor or for someone who may no longer see the group; reading and choices."""

import pytest
from django.core import signing
from django.db import transaction
from django.urls import reverse

from community.forum import services as forum
from community.groups.models import Invitation
from community.groups.services import InvitationError, accept_invitation, create_invitation
from community.notifications import kinds, services
from community.notifications.forms import EmailChoicesForm
from community.notifications.kinds import Email, NotificationKind
from community.notifications.models import EmailPreference, Notification

from .conftest import notifications_of, remove_from_group


def notify_reply(recipient, actor, group, **extra):
    return services.notify(
        recipient=recipient, kind="forum.reply", group=group, actor=actor, **extra
    )


# --- The kinds registry -------------------------------------------------------------------


def test_the_forum_and_invitation_kinds_are_registered_with_their_default_e_mail():
    defaults = {kind.key: kind.default_email for kind in kinds.all_kinds()}

    assert defaults["forum.reply"] == Email.DAILY
    assert defaults["forum.mention"] == Email.IMMEDIATELY
    assert defaults["groups.invitation_accepted"] == Email.DAILY


def test_kinds_with_a_higher_priority_are_listed_first():
    keys = [kind.key for kind in kinds.all_kinds()]

    assert keys.index("forum.mention") < keys.index("forum.reply")


def test_another_app_adds_a_kind_by_registering_it_and_it_appears_in_the_e_mail_settings(
    monkeypatch, member
):
    new_kind = NotificationKind(
        key="qa.answer", label="Answers to your questions", sentence="%(actor)s answered"
    )
    monkeypatch.setitem(kinds._kinds, new_kind.key, new_kind)

    form = EmailChoicesForm(user=member)

    assert "qa.answer" in form.fields
    assert services.email_choice(member, "qa.answer") == Email.DAILY


def test_notifying_with_an_unregistered_kind_fails_loudly_and_writes_nothing(member, peer, group):
    with pytest.raises(KeyError):
        services.notify(recipient=member, kind="forum.nonsense", group=group, actor=peer)

    assert not Notification.objects.exists()


# --- Who is notified ----------------------------------------------------------------------


def test_notify_writes_one_row_with_what_happened_and_the_members_e_mail_choice(
    member, peer, group, pushes
):
    notification = notify_reply(member, peer, group, target="forum.post:1", url="/somewhere/")

    row = Notification.objects.get()
    assert row == notification
    assert (row.recipient, row.kind, row.actor, row.group) == (member, "forum.reply", peer, group)
    assert (row.target, row.url, row.read_at, row.emailed_at) == (
        "forum.post:1",
        "/somewhere/",
        None,
        None,
    )
    assert row.email == Email.DAILY


def test_a_new_e_mail_choice_applies_to_what_is_still_waiting(member, peer, group):
    services.set_email_choices(user=member, choices={"forum.reply": Email.DAILY})
    waiting = notify_reply(member, peer, group)
    services.set_email_choices(user=member, choices={"forum.reply": Email.NEVER})
    later = notify_reply(member, peer, group)

    waiting.refresh_from_db()
    later.refresh_from_db()
    assert (waiting.email, later.email) == (Email.NEVER, Email.NEVER)


def test_nobody_is_notified_of_their_own_action(member, group, pushes):
    assert notify_reply(member, member, group) is None

    assert not Notification.objects.exists()


def test_a_non_member_of_the_group_is_not_notified_about_it(outsider, member, group, pushes):
    assert notify_reply(outsider, member, group) is None

    assert not notifications_of(outsider).exists()


def test_a_removed_member_is_not_notified_about_the_group_any_more(
    removed_member, member, group, pushes
):
    assert notify_reply(removed_member, member, group) is None

    assert not Notification.objects.exists()
    assert pushes == []


def test_a_muted_member_can_still_read_and_is_still_notified(muted_member, member, group, pushes):
    assert notify_reply(muted_member, member, group) is not None


def test_a_deactivated_account_is_not_notified(member, peer, group, pushes):
    member.is_active = False
    member.save()

    assert notify_reply(member, peer, group) is None
    assert not Notification.objects.exists()


# --- On commit, never on rollback ---------------------------------------------------------


def test_the_row_exists_inside_the_transaction_and_is_pushed_only_after_commit(
    member, peer, group, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(member, peer, group)
        assert notifications_of(member).count() == 1
        assert pushes == []

    assert pushes == [member.pk]
    assert notifications_of(member).count() == 1


def test_an_immediate_kind_is_e_mailed_only_after_commit_and_exactly_once(
    member, peer, group, pushes, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
        assert mailoutbox == []

    assert [message.to for message in mailoutbox] == [[member.email]]
    assert Notification.objects.get().emailed_at is not None


def test_a_daily_kind_is_not_e_mailed_at_once(
    member, peer, group, pushes, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(member, peer, group)

    assert mailoutbox == []
    assert pushes == [member.pk]


def test_a_rolled_back_cause_leaves_no_row_no_push_and_no_e_mail(
    member, peer, group, pushes, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
        raise RuntimeError("the cause failed after notifying")

    assert not Notification.objects.exists()
    assert callbacks == []
    assert pushes == []
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_with_real_transactions_a_commit_delivers_once_and_a_rollback_delivers_nothing(
    member, peer, group, pushes, mailoutbox
):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
        raise RuntimeError

    assert (Notification.objects.count(), pushes, mailoutbox) == (0, [], [])

    with transaction.atomic():
        services.notify(recipient=member, kind="forum.mention", group=group, actor=peer)
        assert (pushes, mailoutbox) == ([], [])

    assert Notification.objects.count() == 1
    assert pushes == [member.pk]
    assert len(mailoutbox) == 1


def test_a_failing_push_after_commit_does_not_undo_the_notification(
    monkeypatch, member, peer, group, django_capture_on_commit_callbacks
):
    def channel_layer_down(user_ids):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(services, "push_unread_counts", channel_layer_down)

    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(member, peer, group)

    assert notifications_of(member).count() == 1


def test_the_pushed_count_is_the_members_unread_count_on_their_own_channel(
    monkeypatch, member, peer, group
):
    sent = []

    class FakeLayer:
        async def group_send(self, group_name, message):
            sent.append((group_name, message))

    monkeypatch.setattr(services, "get_channel_layer", FakeLayer)
    notify_reply(member, peer, group)
    notify_reply(member, peer, group)
    notify_reply(peer, member, group)

    services.push_unread_counts([member.pk])

    assert sent == [(f"notifications.user.{member.pk}", {"type": "unread.count", "count": 2})]


# --- Invitation accepted --------------------------------------------------------------------


@pytest.fixture
def invitation(group_admin, group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return create_invitation(inviter=group_admin, group=group, email="new@example.test")


def test_accepting_an_invitation_notifies_the_inviter(
    invitation, group_admin, group, make_user, pushes, django_capture_on_commit_callbacks
):
    newcomer = make_user("new@example.test", display_name="Newcomer Nils")

    with django_capture_on_commit_callbacks(execute=True):
        accept_invitation(invitation=invitation, user=newcomer)

    row = notifications_of(group_admin).get()
    assert (row.kind, row.actor, row.group) == ("groups.invitation_accepted", newcomer, group)
    assert row.url == reverse("groups:detail", kwargs={"slug": group.slug})
    assert row.email == Email.DAILY
    assert (
        services.describe(row) == f"Newcomer Nils accepted your invitation and joined {group.name}"
    )
    assert pushes == [group_admin.pk]
    assert not notifications_of(newcomer).exists()


def test_a_refused_acceptance_notifies_nobody(invitation, group_admin, make_user, pushes):
    wrong_person = make_user("someone.else@example.test")

    with pytest.raises(InvitationError):
        accept_invitation(invitation=invitation, user=wrong_person)

    assert not Notification.objects.exists()
    assert Invitation.objects.get().accepted_at is None


# --- Reading ------------------------------------------------------------------------------


def test_marking_one_read_sets_read_at_and_pushes_the_new_count_after_commit(
    member, peer, group, pushes, django_capture_on_commit_callbacks
):
    notification = notify_reply(member, peer, group)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_read(user=member, notification=notification)
        assert pushes == []

    notification.refresh_from_db()
    assert notification.read_at is not None
    assert pushes == [member.pk]
    assert services.unread_count(member) == 0


def test_marking_an_already_read_notification_keeps_its_first_read_time(member, peer, group):
    notification = notify_reply(member, peer, group)
    services.mark_read(user=member, notification=notification)
    first = Notification.objects.get().read_at

    services.mark_read(user=member, notification=Notification.objects.get())

    assert Notification.objects.get().read_at == first


def test_a_member_cannot_mark_someone_elses_notification_read(member, peer, group):
    notification = notify_reply(member, peer, group)

    with pytest.raises(PermissionError):
        services.mark_read(user=peer, notification=notification)

    assert Notification.objects.get().read_at is None


def test_mark_all_read_changes_only_the_members_own_unread_rows(
    member, peer, third, group, pushes, django_capture_on_commit_callbacks
):
    notify_reply(member, peer, group)
    notify_reply(member, third, group)
    notify_reply(peer, member, group)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        changed = services.mark_all_read(user=member)

    assert changed == 2
    assert services.unread_count(member) == 0
    assert services.unread_count(peer) == 1
    assert pushes == [member.pk]


# --- E-mail choices -----------------------------------------------------------------------


def test_without_a_choice_each_kind_uses_its_default(member):
    assert services.email_choice(member, "forum.mention") == Email.IMMEDIATELY
    assert services.email_choice(member, "forum.reply") == Email.DAILY


def test_saved_choices_replace_the_defaults_one_row_per_kind(member):
    services.set_email_choices(user=member, choices={"forum.mention": Email.DAILY})
    services.set_email_choices(
        user=member, choices={"forum.mention": Email.NEVER, "forum.reply": Email.IMMEDIATELY}
    )

    assert services.email_choice(member, "forum.mention") == Email.NEVER
    assert services.email_choice(member, "forum.reply") == Email.IMMEDIATELY
    assert EmailPreference.objects.filter(user=member).count() == 2


def test_an_invalid_choice_is_refused_and_nothing_is_saved(member):
    with pytest.raises(ValueError):
        services.set_email_choices(
            user=member, choices={"forum.reply": Email.NEVER, "forum.mention": "hourly"}
        )

    assert not EmailPreference.objects.exists()


def test_a_choice_for_an_unknown_kind_is_refused(member):
    with pytest.raises(KeyError):
        services.set_email_choices(user=member, choices={"forum.nonsense": Email.NEVER})

    assert not EmailPreference.objects.exists()


def test_one_members_choices_do_not_change_anothers(member, peer):
    services.set_email_choices(user=member, choices={"forum.mention": Email.NEVER})

    assert services.email_choice(peer, "forum.mention") == Email.IMMEDIATELY


# --- Unsubscribe tokens -------------------------------------------------------------------


def test_an_unsubscribe_token_names_its_member_and_kind(member):
    assert services.read_unsubscribe_token(services.unsubscribe_token(member, "forum.reply")) == (
        member.pk,
        "forum.reply",
    )
    assert services.read_unsubscribe_token(services.unsubscribe_token(member)) == (member.pk, "*")


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda pk: signing.dumps({"u": pk, "k": "*"}), id="signed-without-the-salt"),
        pytest.param(
            lambda pk: signing.dumps({"u": pk, "k": "*"}, salt="other", compress=True),
            id="signed-for-another-purpose",
        ),
        pytest.param(
            lambda pk: signing.dumps(
                {"u": pk, "k": "*"}, key="guessed-key", salt=services.UNSUBSCRIBE_SALT
            ),
            id="signed-with-another-key",
        ),
        pytest.param(lambda pk: f"{pk}:*", id="not-signed"),
        pytest.param(lambda pk: "", id="empty"),
    ],
)
def test_a_forged_unsubscribe_token_is_not_accepted(member, forged):
    assert services.read_unsubscribe_token(forged(member.pk)) is None


def test_a_genuinely_signed_token_without_a_member_id_is_not_accepted():
    token = signing.dumps(["not", "a", "dict"], salt=services.UNSUBSCRIBE_SALT)

    assert services.read_unsubscribe_token(token) is None


def test_unsubscribing_from_one_kind_stops_it_and_its_waiting_e_mails_only(
    member, peer, group, pushes
):
    waiting_reply = notify_reply(member, peer, group)
    waiting_mention = services.notify(
        recipient=member, kind="forum.mention", group=group, actor=peer
    )

    services.unsubscribe(user=member, kind="forum.reply")

    assert services.email_choice(member, "forum.reply") == Email.NEVER
    assert services.email_choice(member, "forum.mention") == Email.IMMEDIATELY
    waiting_reply.refresh_from_db()
    waiting_mention.refresh_from_db()
    assert (waiting_reply.email, waiting_mention.email) == (Email.NEVER, Email.IMMEDIATELY)


def test_unsubscribing_from_everything_stops_every_kind_but_keeps_in_app_notifications(
    member, peer, group, pushes
):
    notify_reply(member, peer, group)

    services.unsubscribe(user=member)

    assert {services.email_choice(member, kind.key) for kind in kinds.all_kinds()} == {Email.NEVER}
    assert Notification.objects.get().email == Email.NEVER
    assert notify_reply(member, peer, group) is not None
    assert services.unread_count(member) == 2


# --- Describing without content -----------------------------------------------------------


def test_the_sentence_names_the_actor_the_kind_and_the_group(member, peer, group):
    notification = notify_reply(member, peer, group)

    assert services.describe(notification) == (
        f"Peer Petra replied in a thread you follow in {group.name}"
    )


def test_a_hidden_actor_is_described_as_a_group_member(member, peer, group):
    notification = notify_reply(member, peer, group, actor_hidden=True)

    assert services.describe(notification) == (
        f"A group member replied in a thread you follow in {group.name}"
    )


def test_an_actor_whose_account_is_gone_is_described_as_a_group_member(member, peer, group):
    notification = notify_reply(member, peer, group)
    peer.delete()
    notification.refresh_from_db()

    assert services.describe(notification).startswith("A group member replied")


def test_e_mails_name_a_group_by_its_e_mail_name_or_not_at_all(group):
    assert services.email_group_label(group) == "one of your groups"

    group.email_name = "Tuesday group"

    assert services.email_group_label(group) == "Tuesday group"


def test_a_removed_member_keeps_old_notifications_but_gets_no_new_ones(member, peer, group, pushes):
    notify_reply(member, peer, group)
    remove_from_group(member, group)

    assert notify_reply(member, peer, group) is None
    assert notifications_of(member).count() == 1


def test_a_reply_notifies_through_the_forum_service_in_the_same_transaction(
    member, peer, thread, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(author=peer, thread=thread, body="Same here.")
        assert notifications_of(member, "forum.reply").count() == 1
        assert pushes == []

    row = notifications_of(member).get()
    assert row.target == f"forum.post:{post.pk}"
    assert pushes == [member.pk]


def test_staff_removed_from_a_group_hear_nothing_more_of_its_content(
    make_user, join, group, peer, thread
):
    from community.groups.models import Membership

    staff_follower = make_user(is_staff=True, mfa=True)
    join(staff_follower, group)
    forum.mark_read(user=staff_follower, thread=thread, number=1)
    forum.set_following(user=staff_follower, thread=thread, follow=True)
    Membership.objects.filter(user=staff_follower, group=group).update(
        state=Membership.State.REMOVED
    )
    staff_follower = type(staff_follower).objects.get(pk=staff_follower.pk)

    forum.reply(author=peer, thread=thread, body="Anyone?")

    assert not Notification.objects.filter(recipient=staff_follower).exists()


def test_an_e_mail_name_that_reveals_the_condition_is_refused(group):
    from django.core.exceptions import ValidationError

    group.email_name = "Diabetes Tuesday"
    group.condition.name = "Type 1 diabetes"
    with pytest.raises(ValidationError):
        group.email_name = group.condition.name + " group"
        group.full_clean()
    group.email_name = "Tuesday group"
    group.full_clean()


# --- The bell's count, kept in the cache ---------------------------------------------------


def test_the_bell_is_counted_once_then_read_from_the_cache_until_it_changes(
    member, peer, group, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(1):
        assert services.unread_count(member) == 0
    with django_assert_num_queries(0):
        assert services.unread_count(member) == 0

    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(member, peer, group)
    with django_assert_num_queries(0):  # the new count was kept after the commit
        assert services.unread_count(member) == 1


def test_a_change_is_counted_afresh_in_its_own_transaction_before_the_commit(member, peer, group):
    assert services.unread_count(member) == 0
    notify_reply(member, peer, group)  # not committed yet: nothing pushed
    assert services.unread_count(member) == 1
    services.mark_all_read(user=member)
    assert services.unread_count(member) == 0


def test_a_recount_reads_the_database_and_corrects_the_kept_count(member, peer, group):
    assert services.unread_count(member) == 0
    # Written without the service (as by a process whose push was lost).
    Notification.objects.create(recipient=member, kind="forum.reply", group=group, actor=peer)
    assert services.unread_count(member) == 0  # the kept count, for up to UNREAD_TTL
    assert services.unread_count(member, recount=True) == 1
    assert services.unread_count(member) == 1


def test_while_redis_is_down_the_bell_is_counted_from_the_database(
    member, peer, group, monkeypatch
):
    import redis
    from django.core.cache import caches

    def down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    notify_reply(member, peer, group)
    for name in ("get", "add", "set", "delete_many"):
        monkeypatch.setattr(type(caches["default"]), name, down)
    assert services.unread_count(member) == 1
    services.mark_all_read(user=member)
    assert services.unread_count(member) == 0
