"""The demo seeder publishes version 1 of every document and has the demo accounts accept
the required ones; running it again changes nothing."""

from community.consent import state
from community.consent.demo import seed_demo_documents
from community.consent.models import ConsentDocument, ConsentRecord, Kind

from .conftest import fresh


def test_the_demo_seeder_publishes_the_documents_and_the_demo_accounts_accept_them(
    make_user, group
):
    users = {"patient1": make_user(), "moderator1": make_user()}
    assert state.current_versions() == {}  # cached before seeding
    assert all(state.missing_required(fresh(user)) == [] for user in users.values())

    seed_demo_documents({"group": group}, users)

    assert state.current_versions() == {kind: 1 for kind in Kind.values}
    for user in users.values():
        assert state.missing_required(fresh(user)) == []
        assert set(user.consent_records.values_list("kind", "decision", "method")) == {
            (Kind.GUIDELINES, ConsentRecord.Decision.GRANTED, ConsentRecord.Method.DEMO),
            (Kind.PRIVACY, ConsentRecord.Decision.GRANTED, ConsentRecord.Method.DEMO),
        }


def test_the_demo_seeder_is_idempotent(make_user, group):
    users = {"patient1": make_user(), "moderator1": make_user()}
    seed_demo_documents({"group": group}, users)
    documents = list(ConsentDocument.objects.values_list("pk", "published_at"))
    records = list(ConsentRecord.objects.values_list("pk", flat=True))

    seed_demo_documents({"group": group}, users)

    assert list(ConsentDocument.objects.values_list("pk", "published_at")) == documents
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == records
    assert len(documents) == 4
    assert len(records) == 4


def test_a_demo_account_added_later_is_given_its_acceptances_on_the_next_run(make_user, group):
    first = make_user()
    seed_demo_documents({"group": group}, {"first": first})
    later = make_user()

    seed_demo_documents({"group": group}, {"first": first, "later": later})

    assert ConsentDocument.objects.count() == 4
    assert first.consent_records.count() == 2
    assert later.consent_records.count() == 2
    assert state.missing_required(fresh(later)) == []
