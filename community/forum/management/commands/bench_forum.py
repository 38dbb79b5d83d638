"""Measure pages in-process, as ratios to a bare view, in one run (part of `make bench`).

Runs in a throwaway test database through the full middleware stack (sessions, auth,
consent, CSP, policy) with Django's test client, with the bench's URLconf (bench/urls.py:
the site plus /bench/bare/, a tiny template rendered with the request):

    python manage.py bench_forum            # a readable report
    python manage.py bench_forum --json     # what `python -m bench` reads

Figures: the bare view's milliseconds and queries; a thread page's queries with 20 and with
200 posts on its page (equal when nothing is queried per post); the statements that write
(INSERT, UPDATE, DELETE) while a member GETs the thread page, thread list, group page and
bare view (a read should write nothing); and the thread page's cost in bare views.
"""

import json
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from community.accounts.models import User
from community.consent.demo import accept_required_documents, seed_demo_documents
from community.forum.models import Thread
from community.forum.services import create_thread, reply, toggle_reaction
from community.groups.models import Condition, Membership, SupportGroup
from community.moderation.models import GroupRules

BENCH_URLCONF = "bench.urls"
BARE_URL = "/bench/bare/"
WRITES = ("INSERT", "UPDATE", "DELETE")
SMALL, LARGE = 20, 200  # posts on one page, for the query counts


class Command(BaseCommand):
    help = "Benchmark pages in-process against a bare view (ratios measured in one run)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=50, help="posts on the timed page")
        parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the figures as JSON"
        )

    def handle(self, *args, posts: int, seconds: float, as_json: bool, **options):
        # Not setup_test_environment(): it instruments every template render and would
        # inflate exactly the per-post cost this measures.
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with override_settings(
                ROOT_URLCONF=BENCH_URLCONF,
                FORUM_POSTS_PER_PAGE=max(posts, LARGE),
                ALLOWED_HOSTS=["testserver"],
                DEBUG=False,
            ):
                figures = measure(posts, seconds)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if as_json:
            self.stdout.write(json.dumps(figures))
        else:
            self.report(figures, posts)

    def report(self, figures: dict, posts: int) -> None:
        timings, queries = figures["timings"], figures["queries"]
        bare = timings["bare"]
        self.stdout.write(f"bare view           {bare * 1000:8.3f} ms   1.00 bare   "
                          f"{queries['bare']} queries")  # fmt: skip
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
            f"one more post       {figures['per_post'] * 1000:8.3f} ms "
            f"{figures['per_post'] / bare:6.3f} bare"
        )
        self.stdout.write(
            f"queries per thread page: {queries['small']} with {SMALL} posts, "
            f"{queries['large']} with {LARGE} posts"
        )
        writes = ", ".join(f"{key} {count}" for key, count in figures["writes"].items())
        self.stdout.write(f"writes per GET: {writes}")


def measure(posts: int, seconds: float) -> dict:
    """Timings and query counts of the bare view and the pages, in one run."""
    data = build_data(posts)
    client = Client()
    client.force_login(data["member"])
    group = data["group"]
    urls = {
        "bare": BARE_URL,
        "one": data["one"].get_absolute_url(),
        "many": data["many"].get_absolute_url(),
        "small": data["small"].get_absolute_url(),
        "large": data["large"].get_absolute_url(),
        "list": f"/groups/{group.slug}/threads/",
        "group": f"/groups/{group.slug}/",
    }
    queries, writes = {}, {}
    for key, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements = [query["sql"].lstrip().upper() for query in captured.captured_queries]
        queries[key] = len(statements)
        writes[key] = sum(statement.startswith(WRITES) for statement in statements)
    timings = {
        key: time_requests(client, urls[key], seconds) for key in ("bare", "one", "many", "list")
    }
    return {
        "timings": timings,
        "queries": queries,
        "writes": {key: writes[key] for key in ("many", "list", "group", "bare")},
        "per_post": (timings["many"] - timings["one"]) / max(posts - 1, 1),
    }


def time_requests(client: Client, url: str, seconds: float) -> float:
    """Mean seconds per request over about `seconds` of repeated requests."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.get(url)
        count += 1
    return (time.perf_counter() - start) / count


def build_data(posts: int) -> dict:
    condition = Condition.objects.create(name="Bench condition", slug="bench")
    group = SupportGroup.objects.create(condition=condition, name="Bench group", slug="bench")
    # Measure published pages: no pre-moderation of the writer's first post.
    GroupRules.objects.create(group=group, premoderate_first_posts=0)
    member = User.objects.create_user("reader@bench.example", "x", display_name="Reader")
    other = User.objects.create_user("writer@bench.example", "x", display_name="Writer")
    # Documents in force, accepted: the consent gate runs as it does in production.
    seed_demo_documents({}, {})
    for user in (member, other):
        Membership.objects.create(user=user, group=group)
        accept_required_documents(user)
    body = "Some **Markdown** with a [link](https://example.org) and a list:\n\n- one\n- two"

    def thread_of(size: int, title: str) -> Thread:
        thread = create_thread(author=other, group=group, title=title, body=body)
        for number in range(size - 1):
            post = reply(author=other, thread=thread, body=body, anonymous=number % 3 == 0)
            if number % 2:
                toggle_reaction(user=member, post=post, kind="support")
        return Thread.objects.get(pk=thread.pk)

    threads = {
        "one": thread_of(1, "One post"),
        "many": thread_of(posts, "Many posts"),
        "small": thread_of(SMALL, f"{SMALL} posts"),
        "large": thread_of(LARGE, f"{LARGE} posts"),
    }
    for number in range(30):
        create_thread(author=other, group=group, title=f"Thread {number}", body=body)
    return {"member": member, "group": group, **threads}
