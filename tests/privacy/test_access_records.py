"""The access-audit log: one record per privileged look, and no way to change or remove one."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from community.forum import services as forum_services
from community.groups.models import Role
from community.privacy.models import AccessRecord, AppendOnlyError
from community.privacy.services import record_access, target_label


@pytest.fixture
def moderator(make_user, join, group):
    user = make_user(mfa=True, display_name="Moderator Mona")
    join(user, group, role=Role.MODERATOR)
    return user


@pytest.fixture
def anonymous_post(member, group):
    thread = forum_services.create_thread(
        author=member, group=group, title="Hard to say", body="Said anonymously", anonymous=True
    )
    return thread.posts.get()


@pytest.fixture
def record(moderator, member, anonymous_post, group):
    return record_access(
        viewer=moderator,
        subject=member,
        reason=AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR,
        target=anonymous_post,
        group_id=group.pk,
    )


def test_record_access_stores_viewer_subject_reason_target_and_group(
    record, moderator, member, anonymous_post, group
):
    stored = AccessRecord.objects.get()

    assert stored.pk == record.pk
    assert (stored.viewer, stored.subject) == (moderator, member)
    assert stored.reason == "reveal_author"
    assert stored.target == f"forum.post:{anonymous_post.pk}"
    assert stored.group_id == group.pk
    assert stored.created_at is not None


def test_a_target_is_named_by_app_model_and_id(anonymous_post, group):
    assert target_label(anonymous_post) == f"forum.post:{anonymous_post.pk}"
    assert target_label(group) == f"groups.supportgroup:{group.pk}"


def test_revealing_an_author_writes_exactly_one_record(moderator, member, anonymous_post):
    forum_services.reveal_author(viewer=moderator, post=anonymous_post)

    stored = AccessRecord.objects.get()
    assert (stored.viewer, stored.subject, stored.reason) == (
        moderator,
        member,
        AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR,
    )
    assert stored.target == f"forum.post:{anonymous_post.pk}"


def test_the_reveal_page_records_on_confirmation_only(
    client, moderator, member, anonymous_post, group
):
    url = reverse("forum:post_author", kwargs={"slug": group.slug, "post_id": anonymous_post.pk})
    client.force_login(moderator)

    assert client.get(url).status_code == 200
    assert AccessRecord.objects.count() == 0

    response = client.post(url)

    assert response.status_code == 200
    assert member.display_name in response.content.decode()
    assert AccessRecord.objects.count() == 1


def test_a_record_cannot_be_changed_by_saving_it(record):
    record.reason = AccessRecord.Reason.VIEW_REVISIONS

    with pytest.raises(AppendOnlyError):
        record.save()

    assert AccessRecord.objects.get().reason == AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR


def test_a_record_fetched_again_cannot_be_saved_either(record):
    fetched = AccessRecord.objects.get(pk=record.pk)
    fetched.target = "forum.post:0"

    with pytest.raises(AppendOnlyError):
        fetched.save(update_fields=["target"])

    assert AccessRecord.objects.get().target == record.target


def test_a_record_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyError):
        record.delete()

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_records_cannot_be_updated_in_bulk(record):
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(reason="view_revisions")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().update(target="nothing")

    assert AccessRecord.objects.get().reason == AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR


def test_records_cannot_be_deleted_in_bulk(record):
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).delete()

    assert AccessRecord.objects.count() == 1


def test_records_cannot_be_changed_with_bulk_update(record):
    record.reason = AccessRecord.Reason.VIEW_REVISIONS

    # bulk_update runs in atomic(savepoint=False); a savepoint of our own keeps the test's
    # transaction usable after the refusal.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AccessRecord.objects.bulk_update([record], ["reason"])

    assert AccessRecord.objects.get().reason == AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR


def test_records_cannot_be_changed_with_update_or_create(record):
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.update_or_create(pk=record.pk, defaults={"target": "x:1"})

    assert AccessRecord.objects.get().target == record.target


def test_a_user_named_in_a_record_cannot_be_deleted_and_the_record_stays(record, member, moderator):
    # Accounts are closed and scrubbed, never deleted: a deletion would rewrite the log.
    for user in (member, moderator):
        with pytest.raises(ProtectedError) as refused, transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).delete()
        assert record in refused.value.protected_objects

    stored = AccessRecord.objects.get()
    assert (stored.subject, stored.viewer) == (member, moderator)
    assert stored.target == record.target


def test_new_records_can_still_be_added_after_others(record, moderator, member, anonymous_post):
    forum_services.record_history_view(viewer=moderator, post=anonymous_post)

    assert list(AccessRecord.objects.values_list("reason", flat=True).order_by("pk")) == [
        AccessRecord.Reason.REVEAL_ANONYMOUS_AUTHOR,
        AccessRecord.Reason.VIEW_REVISIONS,
    ]


def test_the_admin_cannot_add_change_or_delete_records(client, make_user, record):
    client.force_login(make_user(is_staff=True, is_superuser=True, mfa=True))
    change = reverse("admin:privacy_accessrecord_change", args=[record.pk])
    delete = reverse("admin:privacy_accessrecord_delete", args=[record.pk])

    assert client.get(change).status_code == 200  # readable
    assert client.get(reverse("admin:privacy_accessrecord_add")).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.post(change, {"reason": "view_revisions", "target": "x:1"}).status_code == 403
    assert AccessRecord.objects.get().target == record.target
