"""Demo: one upcoming and one archived Q&A session in the adults' diabetes group."""

from datetime import timedelta

from django.utils import timezone

from community.markup.render import render_markdown

from .models import Answer, QASession, Question, Vote

CLIN, P1, P2 = "clinician@demo.example", "patient1@demo.example", "patient2@demo.example"


def seed_qa_demo(groups: dict, users: dict) -> None:
    group, host = groups.get("t1d-adults"), users.get(CLIN)
    if group is None or host is None or QASession.objects.filter(group=group).exists():
        return
    now = timezone.now()
    upcoming = QASession.objects.create(
        group=group,
        title="Ask the diabetes nurse: sensors and night-time lows",
        description="Send your questions in advance; the most voted are answered first.",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
        state=QASession.State.OPEN,
        created_by=host,
    )
    upcoming.hosts.add(host)
    past = QASession.objects.create(
        group=group,
        title="Travelling with insulin",
        description="Flights, time zones and keeping insulin cool.",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=1),
        state=QASession.State.ARCHIVED,
        created_by=host,
    )
    past.hosts.add(host)
    question = Question.objects.create(
        session=past,
        author=users.get(P1),
        body_source="How do I adjust my basal insulin when I fly across time zones?",
        body_html=render_markdown(
            "How do I adjust my basal insulin when I fly across time zones?"
        ).html,
        body_text="How do I adjust my basal insulin when I fly across time zones?",
        state=Question.State.ANSWERED,
        vote_count=1,
    )
    if users.get(P2):
        Vote.objects.create(question=question, user=users[P2])
    text = (
        "Plan it with your diabetes team before you go. Many people keep their watch on "
        "home time for the flight and move doses gradually over a day or two."
    )
    Answer.objects.create(
        question=question, author=host, body_source=text, body_html=render_markdown(text).html
    )
