"""The consent ledger is append-only: not the ORM, not the admin, and on PostgreSQL not even
raw SQL can rewrite or remove what a member agreed to."""

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from community.consent.models import ConsentRecord, Kind
from community.privacy.models import AppendOnlyError


@pytest.fixture
def entry(accepted_member) -> ConsentRecord:
    """The member's acceptance of the guidelines, version 1."""
    return ConsentRecord.objects.get(user=accepted_member, kind=Kind.GUIDELINES)


def unchanged(entry: ConsentRecord) -> bool:
    stored = ConsentRecord.objects.filter(pk=entry.pk).values("decision", "version").first()
    return stored == {"decision": ConsentRecord.Decision.GRANTED, "version": 1}


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")


# --- The ORM ----------------------------------------------------------------------------


def test_saving_an_existing_record_again_is_refused(entry):
    entry.decision = ConsentRecord.Decision.WITHDRAWN

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert unchanged(entry)


def test_deleting_a_record_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert unchanged(entry)


def test_updating_records_through_a_queryset_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=entry.pk).update(decision=ConsentRecord.Decision.WITHDRAWN)

    assert unchanged(entry)


def test_deleting_records_through_a_queryset_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.all().delete()

    assert unchanged(entry)
    assert ConsentRecord.objects.count() == 2


def test_bulk_updating_records_is_refused(entry):
    entry.decision = ConsentRecord.Decision.WITHDRAWN

    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.bulk_update([entry], ["decision"])

    assert unchanged(entry)


# --- The admin --------------------------------------------------------------------------


@pytest.fixture
def superuser(make_user, accept):
    user = make_user(mfa=True, is_staff=True, is_superuser=True)
    accept(user)  # the admin is gated like any other page
    return user


@pytest.fixture
def staff_with_permissions(staff, accept):
    """Staff who were given every permission the admin knows on the ledger."""
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consent", content_type__model="consentrecord"
        )
    )
    accept(staff)
    return staff


@pytest.fixture(params=["superuser", "staff_with_permissions"])
def admin_user(request, entry):
    return request.getfixturevalue(request.param)


def test_the_admin_shows_a_record_without_a_way_to_save_it(client, admin_user, entry):
    client.force_login(admin_user)

    page = client.get(reverse("admin:consent_consentrecord_change", args=[entry.pk]))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_the_admin_refuses_to_change_a_record(client, admin_user, entry):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:consent_consentrecord_change", args=[entry.pk]),
        {"decision": ConsentRecord.Decision.WITHDRAWN, "version": 2, "_save": "Save"},
    )

    assert response.status_code == 403
    assert unchanged(entry)


def test_the_admin_refuses_to_delete_a_record(client, admin_user, entry):
    client.force_login(admin_user)
    url = reverse("admin:consent_consentrecord_delete", args=[entry.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert unchanged(entry)


def test_the_admin_offers_no_bulk_delete_of_records(client, admin_user, entry):
    client.force_login(admin_user)
    url = reverse("admin:consent_consentrecord_changelist")

    listing = client.get(url)
    client.post(url, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})

    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    assert unchanged(entry)


def test_the_admin_cannot_add_records(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("admin:consent_consentrecord_add"))

    assert response.status_code == 403


# --- The database itself ----------------------------------------------------------------


def test_a_raw_sql_update_is_refused_by_postgresql(postgresql_only, entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE consent_consentrecord SET decision = %s, version = 2 WHERE id = %s",
            [ConsentRecord.Decision.WITHDRAWN, entry.pk],
        )

    assert unchanged(entry)


def test_a_raw_sql_delete_is_refused_by_postgresql(postgresql_only, entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [entry.pk])

    assert unchanged(entry)


def test_raw_sql_can_still_append_to_the_ledger_on_postgresql(postgresql_only, entry):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consent_consentrecord "
            "(user_id, document_id, kind, version, decision, method, created_at) "
            "SELECT user_id, document_id, kind, version, %s, method, NOW() "
            "FROM consent_consentrecord WHERE id = %s",
            [ConsentRecord.Decision.WITHDRAWN, entry.pk],
        )

    assert ConsentRecord.objects.filter(
        user=entry.user_id, decision=ConsentRecord.Decision.WITHDRAWN
    ).exists()
    assert unchanged(entry)
