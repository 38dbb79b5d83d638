"""The flag page shows which words the concern is about: an excerpt of the content as plain
text (never its markup), behind the author's content warning if it has one; only those who
may flag it see the page at all."""

from html import unescape

import pytest
from django.urls import reverse

from community.forum import services as forum

from .conftest import BODY, KIND


def flag_url(post) -> str:
    return reverse("moderation:flag", kwargs={"kind": KIND, "object_id": post.pk})


def test_the_flag_page_quotes_the_post_being_flagged(client, peer, post):
    client.force_login(peer)

    html = unescape(client.get(flag_url(post)).content.decode())

    assert "What you are raising a concern about (Forum post):" in html
    assert BODY in html


def test_the_excerpt_is_plain_text_so_no_markup_of_the_post_reaches_the_page(
    client, member, peer, group
):
    thread = forum.create_thread(
        author=member,
        group=group,
        title="Markup",
        body='**Bold words** and <script>alert("x")</script> [a link](https://example.org)',
    )
    client.force_login(peer)

    html = client.get(flag_url(thread.posts.get())).content.decode()
    excerpt = html[html.index("flag-excerpt") : html.index("</figure>")]

    assert "Bold words" in excerpt
    assert "<strong>" not in excerpt
    assert "<script>" not in excerpt
    assert "<a " not in excerpt


def test_a_post_with_a_content_warning_is_quoted_behind_it(client, member, peer, group):
    thread = forum.create_thread(
        author=member,
        group=group,
        title="Hard night",
        body="What happened in the ward last night.",
        content_warning="hospital stay",
    )
    client.force_login(peer)

    html = unescape(client.get(flag_url(thread.posts.get())).content.decode())
    excerpt = html[html.index("flag-excerpt") : html.index("</figure>")]

    assert "<details><summary>Content warning: hospital stay</summary>" in excerpt
    assert excerpt.index("Content warning") < excerpt.index("What happened in the ward")


def test_a_long_post_is_shortened_to_an_excerpt(client, member, peer, group):
    words = [f"word{number}" for number in range(200)]
    thread = forum.create_thread(author=member, group=group, title="Long", body=" ".join(words))
    client.force_login(peer)

    html = client.get(flag_url(thread.posts.get())).content.decode()

    assert "word0 " in html
    assert "word199" not in html


@pytest.mark.parametrize("visitor", ["outsider", "removed_member"])
def test_non_members_get_404_and_see_nothing_of_the_post(client, request, visitor, post):
    client.force_login(request.getfixturevalue(visitor))

    response = client.get(flag_url(post))

    assert response.status_code == 404
    assert BODY not in unescape(response.content.decode())


def test_logged_out_visitors_are_sent_to_log_in_from_the_flag_page(db, client, post):
    response = client.get(flag_url(post))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
