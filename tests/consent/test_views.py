"""Staff pages for drafting and publishing versions; the member's consent page; the public
document pages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from community.consent import services, state
from community.consent.models import ConsentDocument, Kind

MANAGE = reverse("consent:manage")


def draft_form(**fields) -> dict:
    return {
        "kind": Kind.GUIDELINES,
        "language": "en",
        "title": "Community guidelines",
        "body": "**Be kind.**\n\n<script>alert(1)</script>",
        "summary_of_changes": "Kindness first.",
        "effective_at": "2020-01-01T09:00",
        **fields,
    }


def saved_draft(staff, title: str = "Community guidelines") -> ConsentDocument:
    fields = {**draft_form(title=title), "effective_at": timezone.now()}
    return services.save_draft(author=staff, **fields)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# --- The staff pages --------------------------------------------------------------------


def test_the_manage_page_counts_the_members_who_accepted_the_version_in_force(
    staff_client, accepted_member, peer, moderator
):
    members = get_user_model().objects.filter(is_active=True).count()  # staff, three members

    page = staff_client.get(MANAGE).content.decode()

    assert members == 4
    assert f"Version 1 is in force; 1 of {members} members have accepted it." in page
    assert "No version is in force yet." in page  # the optional documents


def test_the_manage_page_counts_no_one_for_a_version_just_published(
    staff_client, accepted_member, guidelines_v2
):
    page = staff_client.get(MANAGE).content.decode()

    assert "Version 2 is in force; 0 of 2 members have accepted it." in page
    assert "Version 1 is in force; 1 of 2 members have accepted it." in page  # privacy


def test_staff_draft_preview_and_publish_a_new_version(staff_client, staff, commit):
    created = staff_client.post(reverse("consent:draft_new"), draft_form())
    document = ConsentDocument.objects.get()
    preview = staff_client.get(created["Location"])

    published = commit(lambda: staff_client.post(reverse("consent:publish", args=[document.pk])))

    assert created["Location"] == reverse("consent:draft_detail", args=[document.pk])
    page = preview.content.decode()
    assert "Preview: Community guidelines" in page
    assert "<strong>Be kind.</strong>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert published["Location"] == MANAGE
    document.refresh_from_db()
    assert (document.version, document.published_by) == (1, staff)
    assert state.current_versions() == {Kind.GUIDELINES: 1}


def test_an_invalid_draft_is_shown_again_with_its_errors_and_nothing_is_saved(staff_client):
    response = staff_client.post(reverse("consent:draft_new"), draft_form(title=""))

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ConsentDocument.objects.exists()


def test_a_clashing_draft_is_refused_on_the_form_and_nothing_is_saved(staff_client, in_force):
    response = staff_client.post(
        reverse("consent:draft_new"), draft_form(translation_of_current="on")
    )

    assert response.status_code == 400
    assert "Version 1 of this document already exists in this language." in (
        response.content.decode()
    )
    assert ConsentDocument.objects.filter(kind=Kind.GUIDELINES).count() == 1


def test_a_draft_can_be_edited_before_publishing(staff_client, staff):
    staff_client.post(reverse("consent:draft_new"), draft_form())
    document = ConsentDocument.objects.get()

    response = staff_client.post(
        reverse("consent:draft_edit", args=[document.pk]), draft_form(title="Our guidelines")
    )

    document.refresh_from_db()
    assert response["Location"] == reverse("consent:draft_detail", args=[document.pk])
    assert (document.title, document.version) == ("Our guidelines", 1)


def test_a_published_version_has_no_edit_page(staff_client, in_force):
    document = in_force[Kind.GUIDELINES]

    response = staff_client.get(reverse("consent:draft_edit", args=[document.pk]))

    assert response.status_code == 404


def test_publishing_a_version_twice_is_refused_with_a_message(staff_client, in_force):
    document = in_force[Kind.GUIDELINES]
    published_at = document.published_at

    response = staff_client.post(reverse("consent:publish", args=[document.pk]), follow=True)

    assert "This version is already published." in response.content.decode()
    document.refresh_from_db()
    assert document.published_at == published_at


@pytest.mark.parametrize(
    ("method", "name", "needs_document"),
    [
        ("get", "consent:manage", False),
        ("get", "consent:draft_new", False),
        ("post", "consent:draft_new", False),
        ("get", "consent:draft_detail", True),
        ("get", "consent:draft_edit", True),
        ("post", "consent:publish", True),
    ],
)
def test_members_and_moderators_get_not_found_on_the_staff_pages(
    client, staff, member, moderator, method, name, needs_document
):
    draft = saved_draft(staff)
    url = reverse(name, args=[draft.pk] if needs_document else [])
    for user in (member, moderator):
        client.force_login(user)
        response = getattr(client, method)(url, draft_form(title="Taken over"))
        assert response.status_code == 404, (user, url)
    draft.refresh_from_db()
    assert (draft.published_at, draft.title, ConsentDocument.objects.count()) == (
        None,
        "Community guidelines",
        1,
    )


def test_staff_without_two_factor_are_sent_to_set_it_up(client, make_user):
    client.force_login(make_user(is_staff=True))

    response = client.get(MANAGE)

    assert response["Location"].startswith(reverse("mfa_activate_totp"))


# --- The member's consent page ----------------------------------------------------------


def test_the_members_consent_page_lists_what_is_given_and_the_history(
    client, accepted_member, guidelines_v2, publish, accept
):
    publish(Kind.RESEARCH, title="Research use")
    accept(accepted_member, required=[Kind.GUIDELINES], declined=[Kind.RESEARCH])
    client.force_login(accepted_member)

    page = client.get(reverse("consent:mine")).content.decode()

    assert page.count("When joining") == 2  # guidelines and privacy, version 1
    assert page.count("On the page asking for acceptance") == 2  # guidelines 2, research
    assert "Declined" in page
    assert reverse("consent:document_version", args=[Kind.GUIDELINES, 1]) in page
    assert reverse("consent:withdraw", args=[Kind.GUIDELINES]) in page
    assert reverse("consent:grant", args=[Kind.RESEARCH]) in page


def test_a_member_sees_only_their_own_history(client, accepted_member, peer, accept):
    accept(peer)
    client.force_login(peer)

    response = client.get(reverse("consent:mine"))

    assert [entry.user_id for entry in response.context["page"]] == [peer.pk, peer.pk]


def test_the_consent_page_needs_a_logged_in_member(client):
    response = client.get(reverse("consent:mine"))

    assert response["Location"].startswith(reverse("account_login"))


# --- Public document pages --------------------------------------------------------------


def test_the_document_in_force_can_be_read_logged_out(client, in_force, guidelines_v2):
    page = client.get(reverse("consent:document", args=[Kind.GUIDELINES]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>No photos of other people.</strong>" in text
    assert "This is not the version in force." not in text


def test_an_earlier_version_can_be_read_and_is_marked_as_not_in_force(
    client, in_force, guidelines_v2
):
    page = client.get(reverse("consent:document_version", args=[Kind.GUIDELINES, 1]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "The text of guidelines in en." in text
    assert "This is not the version in force." in text


def test_a_document_is_shown_in_the_readers_language_where_translated(client, in_force, publish):
    publish(Kind.GUIDELINES, title="Gemenskapens riktlinjer", language="sv", translation=True)
    url = reverse("consent:document", args=[Kind.GUIDELINES])

    english = client.get(url).content.decode()
    client.cookies["django_language"] = "sv"
    swedish = client.get(url).content.decode()

    assert "Community guidelines" in english
    assert "Gemenskapens riktlinjer" not in english
    assert "Gemenskapens riktlinjer" in swedish


@pytest.mark.parametrize(
    "url",
    [
        reverse("consent:document", args=["no-such-document"]),
        reverse("consent:document", args=[Kind.RESEARCH]),  # nothing published
        reverse("consent:document_version", args=[Kind.GUIDELINES, 2]),  # only a draft
        reverse("consent:document_version", args=[Kind.GUIDELINES, 9]),
        reverse("consent:document_version", args=["no-such-document", 1]),
    ],
)
def test_an_unknown_or_unpublished_document_is_not_found(client, staff, in_force, url):
    saved_draft(staff, title="Secret draft")

    response = client.get(url)

    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode()
