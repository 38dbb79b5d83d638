"""Search finds posts in the member's own groups only, never deleted ones, with safe excerpts.

These tests run on SQLite (the simple fallback) and on PostgreSQL (full-text search with the
group's language configuration); the stemming and ranking tests need PostgreSQL.
"""

import re
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from community.forum import services
from community.forum.search import search_posts
from community.groups.models import SupportGroup


def requires_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("stemming and ranking use PostgreSQL full-text search")


def found(user, query: str) -> list[str]:
    """The body of each post the search finds for the user, best first."""
    return [hit.post.body_source for hit in search_posts(user, query)]


def search_page(client, user, query: str) -> str:
    client.force_login(user)
    response = client.get(reverse("forum:search"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def result_items(html: str) -> list[str]:
    return re.findall(r'<li class="card">(.*?)</li>', html, re.DOTALL)


@pytest.fixture
def post_in(start_thread):
    """Start a thread in a group with one post, and return the post."""

    def make(group, author, body, title="Everyday life"):
        return start_thread(author=author, in_group=group, title=title, body=body).posts.get()

    return make


@pytest.fixture
def other_author(make_user, join, other_group):
    user = make_user(display_name="Other Olga")
    join(user, other_group)
    return user


def test_a_member_finds_posts_of_their_own_group(post_in, group, member, peer):
    post_in(group, peer, "My insulin pump keeps beeping at night.")

    assert found(member, "insulin") == ["My insulin pump keeps beeping at night."]


def test_posts_of_other_groups_are_never_found_even_when_every_word_matches(
    post_in, group, other_group, member, other_author
):
    post_in(group, member, "Insulin pump tips from our group.")
    post_in(other_group, other_author, "Insulin pump tips from another group.")

    assert found(member, "insulin pump tips") == ["Insulin pump tips from our group."]
    assert found(other_author, "insulin pump tips") == ["Insulin pump tips from another group."]


def test_the_search_page_never_shows_another_groups_post_or_title(
    client, post_in, group, other_group, member, other_author
):
    post_in(other_group, other_author, "Secret insulin story", title="Their private thread")

    html = search_page(client, member, "insulin")

    assert "Secret insulin story" not in html
    assert "Their private thread" not in html
    assert "Nothing in your groups matches" in html


def test_a_member_of_two_groups_finds_posts_of_both(
    post_in, group, other_group, member, peer, other_author, join
):
    join(member, other_group)
    post_in(group, peer, "Walking helps my fatigue.")
    post_in(other_group, other_author, "Fatigue is worst in winter.")

    assert sorted(found(member, "fatigue")) == [
        "Fatigue is worst in winter.",
        "Walking helps my fatigue.",
    ]


def test_deleted_posts_are_never_found(post_in, group, member, peer):
    post = post_in(group, peer, "I regret writing about my insulin dose.")
    services.delete_post(actor=peer, post=post)

    assert found(member, "insulin") == []
    assert found(peer, "insulin") == []


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old_ones(
    post_in, group, member, peer
):
    post = post_in(group, peer, "My neighbour Anna has diabetes.")
    services.edit_post(editor=peer, post=post, body="Someone I know has diabetes.")

    assert found(member, "neighbour") == []
    assert found(member, "diabetes") == ["Someone I know has diabetes."]


@pytest.mark.parametrize("who", ["staff", "outsider", "removed_member"])
def test_people_who_are_not_members_find_nothing_in_the_group(
    request, client, post_in, group, member, who
):
    post_in(group, member, "Insulin at breakfast works for me.")
    user = request.getfixturevalue(who)

    assert found(user, "insulin") == []
    html = search_page(client, user, "insulin")
    assert "Insulin at breakfast" not in html
    assert result_items(html) == []


def test_a_muted_member_can_still_search_the_group_they_read(post_in, group, member, muted_member):
    post_in(group, member, "Insulin at breakfast works for me.")

    assert found(muted_member, "insulin") == ["Insulin at breakfast works for me."]


def test_a_clinician_whose_verification_was_revoked_finds_nothing_in_a_professional_group(
    make_group, make_user, join, start_thread
):
    professional = make_group("Clinicians only", kind=SupportGroup.Kind.PROFESSIONAL)
    colleague = make_user(is_verified_clinician=True, mfa=True)
    former = make_user(is_verified_clinician=True, mfa=True)
    join(colleague, professional)
    join(former, professional)
    start_thread(author=colleague, in_group=professional, body="Dosing insulin in frail patients")
    assert found(former, "insulin") == ["Dosing insulin in frail patients"]

    former.is_verified_clinician = False
    former.save(update_fields=["is_verified_clinician"])
    former = type(former).objects.get(pk=former.pk)

    assert found(former, "insulin") == []


def test_words_of_the_thread_title_find_its_posts(post_in, group, member, peer):
    post_in(group, peer, "Mine started last spring.", title="Insulin pumps")

    assert found(member, "pumps") == ["Mine started last spring."]


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_an_empty_query_shows_no_results_and_no_nothing_found_message(
    client, post_in, group, member, query
):
    post_in(group, member, "Something to find")

    html = search_page(client, member, query)

    assert found(member, query) == []
    assert result_items(html) == []
    assert "Nothing in your groups matches" not in html
    assert not re.search(r"\d+ results?\b", html)


def test_the_search_page_lists_each_hit_with_its_thread_group_and_a_permalink(
    client, post_in, group, member, peer
):
    post = post_in(group, peer, "Cold weather makes my joints ache.", title="Winter tips")

    html = search_page(client, member, "joints")

    items = result_items(html)
    assert len(items) == 1
    assert "1 result" in html
    assert "Winter tips" in items[0]
    assert group.name in items[0]
    permalink = reverse("forum:post_permalink", kwargs={"slug": group.slug, "post_id": post.pk})
    assert f'href="{permalink}"' in items[0]
    assert "<mark>joints</mark>" in items[0]


def test_excerpts_mark_the_matches_and_escape_html_written_in_the_post(
    client, post_in, group, member, peer
):
    post_in(
        group,
        peer,
        "My <b>bold</b> claim: insulin <script>alert(1)</script> helps, and 2 < 3 & 4 > 1.",
    )

    hits = search_posts(member, "insulin")
    excerpt = str(hits[0].excerpt)
    html = search_page(client, member, "insulin")

    assert "<mark>insulin</mark>" in excerpt
    assert "<b>" not in excerpt and "<script" not in excerpt
    assert "2 &lt; 3 &amp; 4 &gt; 1" in excerpt
    if connection.vendor == "sqlite":
        assert "&lt;b&gt;bold&lt;/b&gt;" in excerpt
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in excerpt
    result = result_items(html)[0]
    assert "<mark>insulin</mark>" in result
    assert "<script>alert(1)" not in html
    assert "<b>bold</b>" not in html


def test_an_excerpt_of_a_long_post_is_cut_around_the_match(post_in, group, member, peer):
    body = "Lorem ipsum dolor sit amet. " * 40 + "The insulin finally worked. " + "Etc. " * 60
    post_in(group, peer, body)

    excerpt = str(search_posts(member, "insulin")[0].excerpt)

    assert "<mark>insulin</mark>" in excerpt
    assert len(unescape(re.sub(r"</?mark>", "", excerpt))) < 400


def test_every_word_of_the_query_must_match(post_in, group, member, peer):
    post_in(group, peer, "Insulin at night")
    post_in(group, peer, "Insulin pump at night")

    assert found(member, "insulin pump") == ["Insulin pump at night"]


def test_matching_ignores_case(post_in, group, member, peer):
    post_in(group, peer, "INSULIN questions")

    assert found(member, "insulin") == ["INSULIN questions"]


# --- PostgreSQL full-text search ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "query"),
    [
        ("sv", "Tröttheten efter operationer är det värsta.", "trötthet"),
        ("sv", "Tröttheten efter operationer är det värsta.", "operationen"),
        ("nb", "Sykehusoppholdet var langt.", "sykehusopphold"),
        ("nl", "De medicijnen helpen goed.", "medicijn"),
        ("en", "Running every morning helps.", "runs"),
    ],
    ids=["swedish trötthet", "swedish operationen", "norwegian", "dutch", "english"],
)
def test_on_postgresql_words_are_found_in_other_forms_using_the_groups_language(
    make_group, make_user, join, start_thread, language, text, query
):
    requires_postgresql()
    in_language = make_group(f"Group in {language}", language=language)
    author = make_user()
    join(author, in_language)
    start_thread(author=author, in_group=in_language, body=text)

    assert found(author, query) == [text]


def test_on_postgresql_a_swedish_word_form_is_not_stemmed_in_an_english_group(
    make_group, make_user, join, start_thread
):
    requires_postgresql()
    english = make_group("English group", language="en")
    author = make_user()
    join(author, english)
    start_thread(author=author, in_group=english, body="Tröttheten efter operationer.")

    assert found(author, "trötthet") == []


def test_on_postgresql_each_group_is_searched_in_its_own_language(
    make_group, make_user, join, start_thread
):
    requires_postgresql()
    swedish = make_group("Svensk grupp", language="sv")
    english = make_group("English group", language="en")
    author = make_user()
    join(author, swedish)
    join(author, english)
    start_thread(author=author, in_group=swedish, body="Tröttheten är värst.")
    start_thread(author=author, in_group=english, body="Running helps.")

    assert found(author, "trötthet") == ["Tröttheten är värst."]
    assert found(author, "runs") == ["Running helps."]


def test_on_postgresql_a_match_in_the_title_ranks_above_one_in_the_body(
    post_in, group, member, peer
):
    requires_postgresql()
    post_in(group, peer, "Someone mentioned insulin once.", title="Holidays")
    post_in(group, peer, "How do you carry yours?", title="Insulin on holiday")

    assert found(member, "insulin") == [
        "How do you carry yours?",
        "Someone mentioned insulin once.",
    ]


def test_on_postgresql_websearch_syntax_excludes_words_with_a_minus(post_in, group, member, peer):
    requires_postgresql()
    post_in(group, peer, "Insulin pump review")
    post_in(group, peer, "Insulin pen review")

    assert found(member, "insulin -pump") == ["Insulin pen review"]
    assert found(member, '"pen review"') == ["Insulin pen review"]
