"""The demo data: idempotent, complete, and never in production."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from community.groups.models import Condition, Invitation, Membership, SupportGroup
from community.moderation.models import ModerationItem
from community.notifications.models import Notification
from tests.groups.test_access_table import ACCESS_TABLE, World

DEMO_EMAILS = [
    "admin@demo.example",
    "moderator@demo.example",
    "clinician@demo.example",
    "patient1@demo.example",
    "patient2@demo.example",
    "patient3@demo.example",
]


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_seed_demo_creates_the_documented_accounts_and_groups(demo):
    users = get_user_model().objects
    assert sorted(users.values_list("email", flat=True)) == sorted(DEMO_EMAILS)
    assert Condition.objects.count() == 2
    assert SupportGroup.objects.count() == 3
    assert SupportGroup.objects.filter(kind=SupportGroup.Kind.PROFESSIONAL).count() == 1
    assert users.get(email="admin@demo.example").is_staff
    for email in ["moderator@demo.example", "clinician@demo.example"]:
        assert Authenticator.objects.filter(user__email=email, type="totp").exists()
    first = SupportGroup.objects.get(slug="t1d-adults")
    first_members = set(first.memberships.values_list("user__email", flat=True))
    assert first_members == {
        "moderator@demo.example",
        "clinician@demo.example",
        "patient1@demo.example",
        "patient2@demo.example",
    }
    assert list(
        Membership.objects.filter(user__email="patient3@demo.example").values_list(
            "group__slug", flat=True
        )
    ) == ["living-with-ms"]


def test_seed_demo_can_run_twice_without_duplicates(demo):
    from community.forum.models import Post, Thread

    threads, posts = Thread.objects.count(), Post.objects.count()
    assert threads >= 5
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Thread.objects.count(), Post.objects.count()) == (threads, posts)
    assert get_user_model().objects.count() == 6
    assert Membership.objects.count() == 6
    assert Authenticator.objects.filter(type="totp").count() == 3


def test_the_demo_shows_a_clinicians_note_and_a_claim_waiting_in_the_clinicians_lane(demo):
    from community.forum.models import ClinicianNote
    from community.moderation.models import Flag

    note = ClinicianNote.objects.get()
    assert note.author.email == "clinician@demo.example" and note.stance == "corrects"
    assert ModerationItem.objects.for_clinicians().count() == 1
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ClinicianNote.objects.count() == 1
    assert Flag.objects.filter(reason="health_claim").count() == 2


def test_demo_accounts_log_in_with_the_demo_password(demo, client):
    response = client.post(
        reverse("account_login"),
        {"login": "patient1@demo.example", "password": "community-demo"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_seed_demo_refuses_to_run_in_production_mode(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", force=True)
    assert not get_user_model().objects.exists()


def test_patient3_gets_404_for_every_page_of_the_first_group_that_patient1_can_reach(demo, client):
    group = SupportGroup.objects.get(slug="t1d-adults")
    staff = get_user_model().objects.get(email="admin@demo.example")
    invitation = Invitation.objects.create(
        email="x@example.test",
        group=group,
        inviter=staff,
        token_hash="0" * 64,
        expires_at="2099-01-01T00:00:00Z",
    )
    from community.chat.models import ChatMessage
    from community.clinicians.models import ClinicianApplication
    from community.consent.models import ConsentDocument
    from community.forum.models import ClinicianNote, PostImage, Thread
    from community.privacy.models import DataExport
    from community.qa.models import KnowledgeEntry, QASession, Question

    thread = Thread.objects.filter(group=group).first()
    post = thread.posts.first()
    world = World(
        group=group,
        users={},
        invitation=invitation,
        invitation_token="",
        thread=thread,
        post=post,
        image=PostImage(pk=0, post=post),
        notification=Notification(pk=0),
        unsubscribe_token="x",
        moderation_item=ModerationItem(pk=0),
        document=ConsentDocument(pk=0, kind="research", version=1),
        draft=ConsentDocument(pk=0),
        export=DataExport(pk=0),
        chat_message=ChatMessage(pk=0),
        application=ClinicianApplication(pk=0),
        qa_session=QASession(pk=0),
        question=Question(pk=0),
        knowledge_entry=KnowledgeEntry(pk=0),
        clinician_note=ClinicianNote(pk=0),
    )
    patient1 = get_user_model().objects.get(email="patient1@demo.example")
    patient3 = get_user_model().objects.get(email="patient3@demo.example")
    # Every row whose URL lies inside a group (it takes the group's slug).
    group_rows = [row for row in ACCESS_TABLE if row.kwargs and "slug" in row.kwargs(world)]
    reachable = []
    for row in group_rows:
        kwargs = row.kwargs(world)
        if "slug" not in kwargs:
            continue
        url = reverse(row.name, kwargs=kwargs)
        client.force_login(patient1)
        if getattr(client, row.method)(url).status_code == 200:
            reachable.append((row, url))
        client.force_login(patient3)
        assert getattr(client, row.method)(url).status_code == 404, url
    assert reachable, "patient1 should reach at least the group page"
