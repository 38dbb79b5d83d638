"""Demo threads so that `make run` shows a living community (written for this project)."""

from community.moderation.models import Flag, GroupRules, Reason
from community.moderation.services import flag_content

from .clinician_notes import write_clinician_note
from .models import NoteStance, Thread
from .services import create_thread, reply, toggle_reaction

P1, P2, P3 = "patient1@demo.example", "patient2@demo.example", "patient3@demo.example"
MOD, CLIN = "moderator@demo.example", "clinician@demo.example"

# group slug -> threads: (author, title, body, content warning, anonymous, replies, reactions)
# replies: (author, body, anonymous); reactions: (who, post index, kind)
DEMO_THREADS = {
    "t1d-adults": [
        (
            MOD,
            "Welcome: how this group works",
            "Welcome! This is a closed group for adults living with type 1 diabetes.\n\n"
            "- Share what you have lived through; ask what others have tried.\n"
            "- Please don't post other people's names or details.\n"
            "- Medical questions are welcome, but for decisions about *your* treatment "
            "talk to your own care team.\n\n"
            "If you are worried about someone here, tell a moderator and we will look "
            "at it quickly.",
            "",
            False,
            [(P1, "Thank you, glad to have found this place.", False)],
            [(P1, 0, "thanks"), (P2, 0, "thanks")],
        ),
        (
            P1,
            "First week with a continuous glucose sensor",
            "I got my first sensor on Monday. The alarms at night woke me **four times** "
            "the first night. Did anyone else find it hard to get used to?\n\n"
            "Good thing so far: I can see what my morning walk does to my levels.",
            "",
            False,
            [
                (
                    P2,
                    "Yes! The first two weeks were the worst for me. I widened the low alarm "
                    "a little (after asking my nurse) and now it only wakes me when it matters.",
                    False,
                ),
                (
                    CLIN,
                    "Very common in the first weeks. Alarm limits are worth reviewing with "
                    "your own diabetes team rather than changing them alone: they know your "
                    "history of lows.",
                    False,
                ),
            ],
            [(P2, 0, "me_too"), (P1, 1, "thanks"), (P1, 2, "thanks")],
        ),
        (
            P2,
            "A bad hypo at work and how I felt afterwards",
            "Last week I had a low during a meeting and could not find my words. A "
            "colleague noticed and got me juice. Physically I was fine within half an hour, "
            "but I felt ashamed for days.\n\nHow do you talk to colleagues about it?",
            "hypoglycaemia at work",
            True,
            [
                (
                    P1,
                    "I told my two closest colleagues what a low looks like for me and where "
                    "my glucose tablets are. It made me feel safer, not weaker.",
                    False,
                ),
            ],
            [(P1, 0, "support"), (MOD, 0, "support")],
        ),
        (
            P2,
            "Cinnamon instead of correction doses?",
            "I read online that a spoon of cinnamon every morning lowers blood sugar so much "
            "that you can skip correction doses. Has anyone here tried it?",
            "",
            False,
            [(P1, "Not me, but a friend says cinnamon tea works just as well as insulin.", False)],
            [],
        ),
    ],
    "living-with-ms": [
        (
            P3,
            "Fatigue that sleep does not fix",
            "Does anyone else get the kind of tiredness where a full night's sleep changes "
            "nothing? I've started planning my week in 'energy units'. It helps a bit.",
            "",
            False,
            [
                (
                    P3,
                    "Update: resting *before* I am tired, not after, made this week easier.",
                    False,
                ),
            ],
            [],
        ),
    ],
    "diabetes-clinicians": [
        (
            CLIN,
            "Questions for next month's Q&A session",
            "The patient group has asked a lot about sensor alarms and night-time lows. "
            "I suggest we prepare a short, general answer on alarm settings.",
            "",
            False,
            [],
            [],
        ),
    ],
}


# Health claims members asked a clinician to check: (group slug, thread title, post index,
# who asked, and the clinician's note as (stance, text), or None while it still waits).
DEMO_CLAIMS = [
    (
        "t1d-adults",
        "Cinnamon instead of correction doses?",
        0,
        P1,
        (
            NoteStance.CORRECTS,
            "Cinnamon has been studied, mostly in type 2 diabetes, with small and mixed "
            "effects. It does **not** replace insulin: skipping correction doses in type 1 "
            "diabetes can lead to very high levels and ketoacidosis. Please talk to your own "
            "diabetes team before changing any dose.",
        ),
    ),
    ("t1d-adults", "Cinnamon instead of correction doses?", 1, P2, None),
]


def seed_forum_demo(groups: dict, users: dict) -> None:
    """Create the demo threads once; a second run finds them and does nothing.

    The demo's history is published as written; pre-moderation (a new member's first post)
    applies from then on, to anyone new.
    """
    for slug, threads in DEMO_THREADS.items():
        group = groups[slug]
        rules = GroupRules.for_group(group)
        first_posts, rules.premoderate_first_posts = rules.premoderate_first_posts, 0
        rules.save()
        seed_threads(group, threads, users)
        rules.premoderate_first_posts = first_posts
        rules.save()
    seed_health_claims(groups, users)


def seed_health_claims(groups: dict, users: dict) -> None:
    """Ask the clinicians about the demo's health claims, and answer the first (once)."""
    for slug, title, index, asker, note in DEMO_CLAIMS:
        thread = Thread.objects.filter(group=groups[slug], title=title).first()
        if thread is None:
            continue
        post = thread.posts.order_by("number")[index]
        asked = Flag.objects.filter(
            item__kind="forum.post", item__object_id=post.pk, reason=Reason.HEALTH_CLAIM
        )
        if asked.exists():
            continue
        flag_content(
            reporter=users[asker], kind="forum.post", object_id=post.pk, reason=Reason.HEALTH_CLAIM
        )
        if note is not None:
            stance, body = note
            write_clinician_note(clinician=users[CLIN], post=post, stance=stance, body=body)


def seed_threads(group, threads, users) -> None:
    """Write one group's demo threads, replies and reactions through the services."""
    for author, title, body, warning, anonymous, replies, reactions in threads:
        if Thread.objects.filter(group=group, title=title).exists():
            continue
        thread = create_thread(
            author=users[author],
            group=group,
            title=title,
            body=body,
            content_warning=warning,
            anonymous=anonymous,
        )
        for reply_author, reply_body, reply_anonymous in replies:
            reply(
                author=users[reply_author],
                thread=thread,
                body=reply_body,
                anonymous=reply_anonymous,
            )
        posts = list(thread.posts.order_by("number"))
        for who, index, kind in reactions:
            toggle_reaction(user=users[who], post=posts[index], kind=kind)
