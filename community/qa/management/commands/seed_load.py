"""Make the load test's group, members, threads and chat, and one logged-in session per member.

Used by scripts/loadtest.sh against the local production stack. It lives in qa, the top
floor of the app map, because it writes through the services of every floor below
(groups, consent, forum, chat); a seeder in a lower app would need hooks in each of them.
It creates accounts and live sessions, so with DEBUG off it runs only when told that the
database is a test database. Run it with the server's environment (scripts/prod-env.sh):
a session is valid only under the SECRET_KEY that signed its auth hash.
"""

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from community.chat.models import ChatRoom
from community.chat.policy import access_group_room
from community.chat.services import send_message
from community.consent.demo import accept_required_documents, seed_demo_documents
from community.consent.models import REQUIRED_KINDS
from community.consent.state import current_versions
from community.forum.models import ReactionKind, Thread
from community.forum.services import create_thread, reply, toggle_reaction
from community.groups.models import Condition, Membership, Role, SupportGroup
from community.groups.services import add_member
from community.moderation.models import GroupRules

GROUP_SLUG = "load-test"
GROUP_NAME = "Load test"
EMAIL_DOMAIN = "load-test.invalid"  # .invalid: no mail for these accounts can ever be delivered
LONG_THREAD_TITLE = "Load test: sensors, pumps and everyday life"
LONG_THREAD_POSTS = 50
SHORT_THREADS_MIN = 3
SHORT_THREAD_POSTS_MIN = 10
SHORT_THREAD_AUTHORS = 25  # members beyond the long thread's authors share threads of this size
CHAT_MESSAGES = 30
# What django.contrib.auth.login() records for a login through allauth (the site's login).
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
SESSION_LIFETIME = 12 * 60 * 60  # seconds: long enough for a day of runs, then gone

SENTENCES = [
    "The new sensor stays on much better since I started using the patches from the pharmacy.",
    "Morning walks help me more than anything else, even on the grey days.",
    "I keep glucose tablets in every coat pocket now, just in case.",
    "My nurse suggested writing down meals for a week, and it showed me a lot.",
    "Evenings are the hardest part for me, so I plan something calm after dinner.",
    "Thank you for sharing this, it is good to know I am not the only one.",
    "Travelling went fine in the end: I packed twice what I thought I needed.",
    "The waiting room chat with other patients was unexpectedly helpful.",
    "I switched to a smaller bag for my supplies and feel less like a walking pharmacy.",
    "Some weeks everything is steady, and then one cold changes it all.",
    "Cooking at home more often has made the numbers easier to follow.",
    "Our group meeting last month gave me a few ideas I still use.",
]
CHAT_LINES = [
    "Good evening, everyone!",
    "Anyone else watching the rain today?",
    "Just back from a walk, feeling good.",
    "Thanks for the tip about the patches yesterday.",
    "Making soup tonight, the easy kind.",
    "Hello from the train, slow day.",
]


class Command(BaseCommand):
    help = (
        "Create the load test's group, members, threads and chat, and write one logged-in "
        "session per member to --output (JSON). Safe to run again. Test databases only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--members", type=int, default=200, help="How many members.")
        parser.add_argument("--output", required=True, help="Where to write the JSON.")
        parser.add_argument(
            "--yes-this-is-a-test-database",
            action="store_true",
            dest="test_database",
            help="Required with DEBUG off: this creates accounts and live login sessions.",
        )

    def handle(self, *args, members: int, output: str, test_database: bool, **options) -> None:
        if not settings.DEBUG and not test_database:
            raise CommandError(
                "seed_load creates accounts and logged-in sessions. With DEBUG off it runs only "
                "with --yes-this-is-a-test-database."
            )
        if members < 1:
            raise CommandError("--members must be at least 1.")
        with transaction.atomic():
            group = seed_group()
            people = seed_members(group, members)
            threads = seed_threads(group, people)
            room = seed_chat(group, people)
        sessions = [open_session(person) for person in people]
        write_private_json(Path(output), describe_run(group, threads, room, sessions))
        self.stdout.write(
            self.style.SUCCESS(
                f"Load data ready: {len(people)} members in {group.slug}, "
                f"{len(threads)} threads, chat room {room.pk}; sessions in {output}"
            )
        )


def seed_group() -> SupportGroup:
    """Create (or find) the load test's condition and group."""
    condition, _created = Condition.objects.update_or_create(
        slug=GROUP_SLUG, defaults={"name": GROUP_NAME}
    )
    group, _created = SupportGroup.objects.update_or_create(
        slug=GROUP_SLUG,
        defaults={
            "condition": condition,
            "name": GROUP_NAME,
            "kind": SupportGroup.Kind.PATIENT,
            "description": "Simulated members of the load test (scripts/loadtest.sh).",
        },
    )
    return group


def seed_members(group: SupportGroup, count: int) -> list:
    """Create the members (no usable password: they only ever log in by seeded session)."""
    ensure_required_documents()
    people = []
    for number in range(1, count + 1):
        person = seed_member(number)
        add_member(group=group, user=person, role=Role.MEMBER, state=Membership.State.ACTIVE)
        accept_required_documents(person)
        people.append(person)
    return people


def seed_member(number: int):
    email = f"load-{number:04d}@{EMAIL_DOMAIN}"
    person, created = get_user_model().objects.get_or_create(
        email=email, defaults={"display_name": f"Load member {number:04d}"}
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    return person


def ensure_required_documents() -> None:
    """Publish the demo guidelines and privacy notice if nothing required is in force, so
    that the consent gate is exercised the way it is in production."""
    if any(kind not in current_versions() for kind in REQUIRED_KINDS):
        seed_demo_documents({}, {})


@contextmanager
def published_as_written(group: SupportGroup) -> Iterator[None]:
    """Publish the seeded history without pre-moderation (as seed_demo does); each member
    then has an earlier post, so the rule applies to nobody in the load test either."""
    rules = GroupRules.for_group(group)
    first_posts, rules.premoderate_first_posts = rules.premoderate_first_posts, 0
    rules.save()
    try:
        yield
    finally:
        rules.premoderate_first_posts = first_posts
        rules.save()


def seed_threads(group: SupportGroup, people: list) -> list[Thread]:
    """The long thread (several pages), then short threads that give every member a post."""
    plans = [(LONG_THREAD_TITLE, [people[i % len(people)] for i in range(LONG_THREAD_POSTS)])]
    plans += short_thread_plans(people)
    with published_as_written(group):
        return [seed_thread(group, title, authors) for title, authors in plans]


def short_thread_plans(people: list) -> list[tuple[str, list]]:
    """Titles and authors of the short threads: each member past the long thread's authors
    writes in one of them; small runs still get a few threads of a few posts."""
    others = len(people) - LONG_THREAD_POSTS
    count = max(SHORT_THREADS_MIN, math.ceil(others / SHORT_THREAD_AUTHORS))
    size = max(SHORT_THREAD_POSTS_MIN, math.ceil(others / count))
    return [
        (
            f"Load test: short thread {index + 1}",
            [people[(LONG_THREAD_POSTS + index + count * j) % len(people)] for j in range(size)],
        )
        for index in range(count)
    ]


def seed_thread(group: SupportGroup, title: str, authors: list) -> Thread:
    """Write a thread through the forum's services, once; a second run finds it."""
    existing = Thread.objects.filter(group=group, title=title).first()
    if existing is not None:
        return existing
    thread = create_thread(author=authors[0], group=group, title=title, body=post_body(0))
    for number, author in enumerate(authors[1:], start=1):
        reply(author=author, thread=thread, body=post_body(number))
    react_to_posts(thread, authors)
    return thread


def post_body(number: int) -> str:
    """Two to four everyday sentences, different from one post to the next."""
    length = 2 + number % 3
    return " ".join(SENTENCES[(number * 5 + i) % len(SENTENCES)] for i in range(length))


def react_to_posts(thread: Thread, authors: list) -> None:
    """A few reactions per post from the next authors along (never the post's own)."""
    kinds = ReactionKind.values
    for index, post in enumerate(thread.posts.order_by("number")):
        for step in (1, 2):
            who = authors[(index + step) % len(authors)]
            if who.pk != post.author_id:
                toggle_reaction(user=who, post=post, kind=kinds[(index + step) % len(kinds)])


def seed_chat(group: SupportGroup, people: list) -> ChatRoom:
    """The group's room with some conversation (fixed client ids: sent once, ever)."""
    room = access_group_room(people[0], group.slug)
    # Within the chat's rate limit for each author, however few members there are.
    per_author = max(1, settings.CHAT_RATE_LIMIT // 2)
    for number in range(min(CHAT_MESSAGES, len(people) * per_author)):
        send_message(
            author=people[number % len(people)],
            room=room,
            text=CHAT_LINES[number % len(CHAT_LINES)],
            client_id=f"load-seed-{number}",
        )
    return room


def open_session(person) -> str:
    """Store a session as django.contrib.auth.login() leaves it; return its key."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = person._meta.pk.value_to_string(person)
    session[BACKEND_SESSION_KEY] = LOGIN_BACKEND
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.set_expiry(SESSION_LIFETIME)
    session.save()
    return session.session_key


def describe_run(group: SupportGroup, threads: list[Thread], room: ChatRoom, sessions: list):
    """What the locustfile needs to know (tests/load/locustfile.py reads it)."""
    return {
        "site_url": settings.SITE_URL,
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "group_slug": group.slug,
        "long_thread_id": threads[0].pk,
        "thread_ids": [thread.pk for thread in threads],
        "room_id": room.pk,
        "sessions": sessions,
        "created_at": timezone.now().isoformat(),
    }


def write_private_json(path: Path, data: dict) -> None:
    """Write the file readable by its owner only: it holds live login sessions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(data, file, indent=1)
