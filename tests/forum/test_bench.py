"""The benchmark command's measurement runs, and its pages cost the same queries."""

from community.forum.management.commands import bench_forum


def test_the_benchmark_measures_published_thread_pages_with_a_fixed_query_count(db, settings):
    settings.ROOT_URLCONF = bench_forum.__name__
    settings.FORUM_POSTS_PER_PAGE = 20

    timings, queries = bench_forum.measure(posts=5, seconds=0.01)

    assert set(timings) == {"bare", "one", "many", "list"}
    assert all(value > 0 for value in timings.values())
    assert queries["one"] == queries["many"]
