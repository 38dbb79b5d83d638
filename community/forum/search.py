"""Search inside the member's own groups: PostgreSQL full text, a simple fallback elsewhere.

Only posts of groups the member belongs to, never deleted ones. Excerpts are escaped
before the matches are marked, so a post's text can never become markup.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from community.groups.policy import groups_readable_by

from .models import Post

MAX_RESULTS = 200
EXCERPT_CHARS = 160
# Text-search configurations per group language (PostgreSQL's built-in dictionaries).
SEARCH_CONFIGS = {"en": "english", "sv": "swedish", "nb": "norwegian", "nl": "dutch"}
# Match markers that cannot occur in escaped text; replaced by <mark> after escaping.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class SearchHit:
    post: Post
    excerpt: SafeString


def searchable_posts(user) -> QuerySet:
    """Posts the member may find: in groups they may read, not deleted."""
    return Post.objects.filter(
        hidden_at__isnull=True,
        removed_at__isnull=True,
        held_at__isnull=True,
        thread__is_held=False,
        thread__group__in=groups_readable_by(user),
        deleted_at__isnull=True,
    ).select_related("thread__group")


def search_posts(user, query: str) -> list[SearchHit]:
    """Return the member's best matches for `query`, best first."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    if connection.vendor == "postgresql":
        return full_text_search(user, query)
    return simple_search(user, query)


def mark_matches(text: str) -> SafeString:
    """Escape an excerpt, then turn the match markers into <mark> elements."""
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def full_text_search(user, query: str) -> list[SearchHit]:
    # order_by() first: the default ordering by name would make DISTINCT keep one row per
    # group, and a member of two English groups would get every hit twice.
    languages = groups_readable_by(user).order_by().values_list("language", flat=True).distinct()
    hits: list[tuple[float, SearchHit]] = []
    for language in languages:
        config = SEARCH_CONFIGS.get(language, "simple")
        search_query = SearchQuery(query, config=config, search_type="websearch")
        vector = SearchVector("thread__title", weight="A", config=config) + SearchVector(
            "body_text", weight="B", config=config
        )
        posts = (
            searchable_posts(user)
            .filter(thread__group__language=language)
            .annotate(document=vector)
            .filter(document=search_query)
            .annotate(
                rank=SearchRank(vector, search_query),
                headline=SearchHeadline(
                    "body_text",
                    search_query,
                    config=config,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by("-rank", "-created_at")[:MAX_RESULTS]
        )
        hits.extend((post.rank, SearchHit(post, mark_matches(post.headline))) for post in posts)
    hits.sort(key=lambda item: item[0], reverse=True)
    return [hit for _rank, hit in hits[:MAX_RESULTS]]


def simple_search(user, query: str) -> list[SearchHit]:
    """Every word must appear in the post or its thread's title (SQLite, development)."""
    words = query.split()[:10]
    matches = Q()
    for word in words:
        matches &= Q(body_text__icontains=word) | Q(thread__title__icontains=word)
    posts = searchable_posts(user).filter(matches).order_by("-created_at")[:MAX_RESULTS]
    return [SearchHit(post, excerpt_around(post.body_text, words)) for post in posts]


def excerpt_around(text: str, words: list[str]) -> SafeString:
    """Cut an excerpt around the first match and mark every match in it."""
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max((first.start() if first else 0) - EXCERPT_CHARS // 2, 0)
    excerpt = text[start : start + EXCERPT_CHARS]
    marked = pattern.sub(lambda match: f"{START}{match.group(0)}{STOP}", excerpt)
    prefix = "…" if start else ""
    suffix = "…" if start + EXCERPT_CHARS < len(text) else ""
    return mark_matches(f"{prefix}{marked}{suffix}")
