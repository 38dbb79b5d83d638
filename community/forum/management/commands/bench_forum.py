"""Measure what a thread page costs, as ratios to a bare Django view, in one run.

Runs in a throwaway test database through the full middleware stack (sessions, auth,
CSP, policy) with Django's test client, so the figures compare like with like:

    python manage.py bench_forum            # or: make bench

The number that matters is the cost of one more post on a page relative to a whole bare
view; a peer Django forum measured here spends about one bare view per post.
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from community.accounts.models import User
from community.forum.models import Thread
from community.forum.services import create_thread, reply, toggle_reaction
from community.groups.models import Condition, Membership, SupportGroup
from community.moderation.models import GroupRules


def bare_view(request):
    return HttpResponse("ok")


# This module doubles as the URLconf while benchmarking: the project's URLs plus a bare view.
urlpatterns = [path("bench/bare/", bare_view), path("", include("config.urls"))]


class Command(BaseCommand):
    help = "Benchmark thread pages against a bare view (ratios measured in one run)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")

    def handle(self, *args, posts: int, seconds: float, **options):
        # Not setup_test_environment(): it instruments every template render and would
        # inflate exactly the per-post cost this measures.
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with override_settings(
                ROOT_URLCONF=__name__,
                FORUM_POSTS_PER_PAGE=max(posts, 20),
                ALLOWED_HOSTS=["testserver"],
                DEBUG=False,
            ):
                self.report(*measure(posts, seconds), posts)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def report(self, timings: dict, queries: dict, posts: int) -> None:
        bare = timings["bare"]
        per_post = (timings["many"] - timings["one"]) / max(posts - 1, 1)
        self.stdout.write(f"bare view           {bare * 1000:8.3f} ms   1.00 bare")
        for key, label in [("one", "thread, 1 post"), ("many", f"thread, {posts} posts")]:
            self.stdout.write(
                f"{label:<19} {timings[key] * 1000:8.3f} ms {timings[key] / bare:6.2f} bare"
                f"   {queries[key]} queries"
            )
        self.stdout.write(
            f"thread list         {timings['list'] * 1000:8.3f} ms "
            f"{timings['list'] / bare:6.2f} bare   {queries['list']} queries"
        )
        self.stdout.write(
            f"one more post       {per_post * 1000:8.3f} ms {per_post / bare:6.3f} bare"
        )


def measure(posts: int, seconds: float) -> tuple[dict, dict]:
    member, other, one, many, group = build_data(posts)
    client = Client()
    client.force_login(member)
    urls = {
        "bare": "/bench/bare/",
        "one": one.get_absolute_url(),
        "many": many.get_absolute_url(),
        "list": f"/groups/{group.slug}/threads/",
    }
    timings, queries = {}, {}
    for key, url in urls.items():
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[key] = len(captured.captured_queries)
        timings[key] = time_requests(client, url, seconds)
    return timings, queries


def time_requests(client: Client, url: str, seconds: float) -> float:
    """Mean seconds per request over about `seconds` of repeated requests."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.get(url)
        count += 1
    return (time.perf_counter() - start) / count


def build_data(posts: int):
    condition = Condition.objects.create(name="Bench condition", slug="bench")
    group = SupportGroup.objects.create(condition=condition, name="Bench group", slug="bench")
    # Measure published pages: no pre-moderation of the writer's first post.
    GroupRules.objects.create(group=group, premoderate_first_posts=0)
    member = User.objects.create_user("reader@bench.example", "x", display_name="Reader")
    other = User.objects.create_user("writer@bench.example", "x", display_name="Writer")
    for user in (member, other):
        Membership.objects.create(user=user, group=group)
    body = "Some **Markdown** with a [link](https://example.org) and a list:\n\n- one\n- two"
    one = create_thread(author=other, group=group, title="One post", body=body)
    many = create_thread(author=other, group=group, title="Many posts", body=body)
    for number in range(posts - 1):
        post = reply(author=other, thread=many, body=body, anonymous=number % 3 == 0)
        if number % 2:
            toggle_reaction(user=member, post=post, kind="support")
    for number in range(30):
        create_thread(author=other, group=group, title=f"Thread {number}", body=body)
    return member, other, Thread.objects.get(pk=one.pk), Thread.objects.get(pk=many.pk), group
