"""Crisis first, everywhere (issue 17, item 1): after any post, reply, edit, question or
chat message with crisis words, the writer lands on the support panel (the redirect opens the
page at #support, the panel is the first thing in the page's main region, takes focus and is
announced); a "Need help now?" page with the crisis lines of the member's country, in their
language, each with its source; the lines are the organisation's to replace."""

import json
import re

import pytest
from django.urls import reverse

from community.forum import services as forum
from community.safety.crisis import country_for, lines_for, load_resources, resources_for
from community.safety.services import SESSION_KEY
from tests.chat.conftest import room, write  # noqa: F401
from tests.consent.conftest import commit, in_force, publish  # noqa: F401
from tests.qa.conftest import make_session, open_session  # noqa: F401

CRISIS = "I want to end my life tonight"
HARMLESS = "Good luck with the new pump, tell us how it goes."


# --- Helpers ------------------------------------------------------------------------------


def main_of(page: str) -> str:
    """The page's main region, as the member reads it from the top."""
    return page[page.index('<main id="main"') :]


def assert_lands_on_the_panel(response) -> None:
    """The write redirected to #support, and that page opens with the focused, announced
    panel as the first thing in its main region (before the confirmation and the heading)."""
    assert response.redirect_chain, "the write did not redirect"
    url, status = response.redirect_chain[-1]
    assert status == 302 and url.endswith("#support"), url
    main = main_of(response.content.decode())
    panel = re.search(r"<section [^>]*id=\"support\"[^>]*>", main)
    assert panel, "no panel at #support"
    opening = panel.group(0)
    for attribute in ('tabindex="-1"', 'role="alert"', "autofocus", "data-crisis-landing"):
        assert attribute in opening, attribute
    assert main.index('id="support"') < main.index("<h1"), "the panel is not first in view"
    assert "You are not alone" in main and 'href="tel:112"' in main


def post_form(client, url, data):
    return client.post(url, data, follow=True)


# --- Each write path lands on the panel ---------------------------------------------------


def test_a_new_thread_with_crisis_words_lands_its_writer_on_the_panel(client, member, group):
    client.force_login(member)
    url = reverse("forum:thread_create", kwargs={"slug": group.slug})

    response = post_form(client, url, {"title": "A hard week", "body": CRISIS})

    assert_lands_on_the_panel(response)
    assert "Your thread was posted." in main_of(response.content.decode())


def test_a_crisis_reply_lands_on_the_panel_not_on_the_new_post_further_down(
    client, member, peer, group
):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": group.slug, "thread_id": thread.pk})

    response = post_form(client, url, {"body": CRISIS})

    assert_lands_on_the_panel(response)
    page = main_of(response.content.decode())
    assert "#post-2" not in response.redirect_chain[-1][0]
    assert 'id="post-2"' in page  # the reply is on the page, below the panel
    assert page.index('id="support"') < page.index("Your reply was posted.")


def test_an_edit_into_crisis_words_lands_its_writer_on_the_panel(client, member, group):
    thread = forum.create_thread(author=member, group=group, title="Pumps", body=HARMLESS)
    post = thread.posts.get()
    client.force_login(member)
    url = reverse("forum:post_edit", kwargs={"slug": group.slug, "post_id": post.pk})

    response = post_form(client, url, {"body": CRISIS})

    assert_lands_on_the_panel(response)


def test_a_crisis_question_lands_its_writer_on_the_panel(client, member, open_session):  # noqa: F811
    client.force_login(member)

    response = post_form(client, open_session.get_absolute_url(), {"text": CRISIS})

    assert_lands_on_the_panel(response)


def test_a_crisis_chat_message_sent_without_javascript_lands_on_the_panel(
    client,
    member,
    room,  # noqa: F811
):
    client.force_login(member)

    response = post_form(client, room.get_absolute_url(), {"text": CRISIS, "client_id": "nojs-1"})

    assert_lands_on_the_panel(response)


def test_a_chat_message_edited_into_crisis_words_on_its_page_lands_on_the_panel(
    client,
    member,
    room,  # noqa: F811
    write,  # noqa: F811
):
    message = write(member, HARMLESS)
    client.force_login(member)
    url = reverse("chat:message_edit", kwargs={"message_id": message.pk})

    response = post_form(client, url, {"text": CRISIS})

    assert_lands_on_the_panel(response)


def test_an_ordinary_reply_lands_at_the_new_post_with_no_panel(client, member, peer, group):
    thread = forum.create_thread(author=peer, group=group, title="Evenings", body="How are you?")
    client.force_login(member)
    url = reverse("forum:post_reply", kwargs={"slug": group.slug, "thread_id": thread.pk})

    response = post_form(client, url, {"body": HARMLESS})

    assert response.redirect_chain[-1][0].endswith("#post-2")
    page = response.content.decode()
    assert 'id="support"' not in page and "You are not alone" not in page
    # The confirmation is marked for the script that shows it beside the new post.
    assert re.search(r'<div class="messages" data-messages>\s*<p[^>]*>Your reply was posted', page)


def test_a_fragment_fetched_by_a_script_does_not_use_up_the_panel(client, member, group):
    client.force_login(member)
    session = client.session
    session[SESSION_KEY] = True
    session.save()

    client.get(reverse("home"), headers={"HX-Request": "true"})
    page = client.get(reverse("home")).content.decode()

    assert 'id="support"' in page


# --- "Need help now?" ---------------------------------------------------------------------


def help_url() -> str:
    return reverse("safety:help")


def test_every_signed_in_page_links_to_the_help_page_and_the_login_page_does_not(client, member):
    login_page = client.get(reverse("account_login")).content.decode()
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()

    assert f'href="{help_url()}"' in home and "Need help now?" in home
    assert f'href="{help_url()}"' not in login_page


def test_a_logged_out_visitor_is_sent_to_log_in_for_the_help_page(client):
    response = client.get(help_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["member", "moderator", "clinician", "staff", "outsider"])
def test_every_signed_in_role_reads_the_lines_with_their_sources(client, role, request):
    client.force_login(request.getfixturevalue(role))

    response = client.get(help_url())

    page = response.content.decode()
    assert response.status_code == 200
    for line in resources_for("default"):
        assert line["phone"] in page and f'href="{line["source"]}"' in page
    assert 'href="tel:116123"' in page  # Samaritans, for English-language members


def test_a_member_who_still_owes_an_acceptance_can_read_the_help_page(
    client,
    member,
    in_force,  # noqa: F811
):
    client.force_login(member)

    response = client.get(help_url())

    assert client.get(reverse("home")).status_code == 302  # everything else waits
    assert response.status_code == 200 and 'href="tel:112"' in response.content.decode()


def test_a_swedish_member_sees_the_swedish_lines_in_swedish(client, member):
    member.language = "sv"
    member.save(update_fields=["language"])
    client.force_login(member)

    page = client.get(help_url()).content.decode()

    assert "Självmordslinjen (Mind)" in page and 'href="tel:90101"' in page
    assert "https://mind.se/hitta-hjalp/sjalvmordslinjen/" in page
    assert "Nödnummer" in page


def test_the_deployment_country_decides_and_the_language_words_the_lines(client, member, settings):
    settings.SAFETY_COUNTRY = "NO"
    client.force_login(member)  # an English-speaking member of a Norwegian organisation

    page = client.get(help_url()).content.decode()

    assert "Medical emergency" in page and 'href="tel:113"' in page
    assert "Mental Helse Hjelpetelefonen" in page and 'href="tel:116123"' in page
    assert "Samaritans" not in page


# --- The lines themselves -----------------------------------------------------------------

COUNTRIES = {
    "SE": ["112", "90101"],
    "NO": ["113", "116 123"],
    "NL": ["112", "0800-0113"],
    "GB": ["999", "116 123"],
    "IE": ["112", "116 123"],
    "default": ["112", "116 123"],
}


@pytest.mark.parametrize(("country", "phones"), COUNTRIES.items())
@pytest.mark.parametrize("language", ["en", "sv", "nb", "nl"])
def test_each_country_has_an_emergency_number_and_a_helpline_with_sources_in_each_language(
    country, phones, language
):
    lines = lines_for(country=country, language=language)

    assert [line["phone"] for line in lines if line["phone"] in phones] == phones
    assert lines[0]["kind"] == "emergency"
    for line in lines:
        assert line["name"] and line["source"].startswith("https://") and line["kind_label"]
        assert re.fullmatch(r"\+?[0-9]+", line["tel"])


def test_names_follow_the_members_language_and_proper_names_stay(settings):
    assert lines_for(country="SE", language="en")[0]["name"] == "Emergency number"
    assert lines_for(country="SE", language="nl")[0]["name"] == "Alarmnummer"
    assert lines_for(country="SE", language="en")[1]["name"] == "Självmordslinjen (Mind)"


@pytest.mark.parametrize(
    ("deployed", "language", "country"),
    [
        ("", "sv", "SE"),
        ("", "nb", "NO"),
        ("", "nl", "NL"),
        ("", "en", "default"),
        ("ie", "sv", "IE"),
    ],
)
def test_the_country_is_the_deployments_else_the_one_the_language_suggests(
    settings, deployed, language, country
):
    settings.SAFETY_COUNTRY = deployed

    assert country_for(language) == country


def test_an_organisations_file_replaces_the_lines_and_may_word_them_in_each_language(
    settings, tmp_path, client, member
):
    own = tmp_path / "lines.json"
    own.write_text(
        json.dumps(
            {
                "default": [
                    {
                        "name": {"en": "Our clinic's crisis team", "sv": "Vårt kristeam"},
                        "phone": "08-123 456",
                        "kind": "health",
                        "source": "https://clinic.example.org/crisis",
                    }
                ]
            }
        )
    )
    settings.SAFETY_CRISIS_RESOURCES = str(own)
    client.force_login(member)

    page = client.get(help_url()).content.decode()

    assert "Our clinic&#x27;s crisis team" in page and 'href="tel:08123456"' in page
    assert "https://clinic.example.org/crisis" in page and "Samaritans" not in page


def test_an_organisations_line_without_a_source_is_refused(tmp_path):
    own = tmp_path / "lines.json"
    own.write_text(json.dumps({"default": [{"name": "Somewhere", "phone": "0701"}]}))

    with pytest.raises(ValueError, match="no source"):
        load_resources(str(own))
