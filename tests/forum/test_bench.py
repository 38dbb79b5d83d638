"""The in-process benchmark runs, and its thread pages cost the same queries at any size."""

from community.forum.management.commands import bench_forum


def test_the_benchmark_measures_published_thread_pages_with_a_fixed_query_count(db, settings):
    settings.ROOT_URLCONF = bench_forum.BENCH_URLCONF
    settings.FORUM_POSTS_PER_PAGE = bench_forum.LARGE

    figures = bench_forum.measure(posts=5, seconds=0.01)

    assert set(figures["timings"]) == {"bare", "one", "many", "list"}
    assert all(value > 0 for value in figures["timings"].values())
    assert figures["queries"]["small"] == figures["queries"]["large"]
    assert set(figures["writes"]) == {"many", "list", "group", "bare"}
