"""A short demo conversation in one group's chat, so `make run` shows a living room."""

from .models import ChatRoom
from .services import send_message

P1, P2 = "patient1@demo.example", "patient2@demo.example"
DEMO_CHAT = {
    "t1d-adults": [
        (P1, "Good evening! Anyone else awake with a low?"),
        (P2, "Yes, juice and waiting. It passes. How are you doing otherwise?"),
        (P1, "Better now, thank you for answering :)"),
    ]
}


def seed_chat_demo(groups: dict, users: dict) -> None:
    """Idempotent: each demo line has a fixed client id, so running again adds nothing."""
    for slug, lines in DEMO_CHAT.items():
        if slug not in groups:
            continue
        room, _created = ChatRoom.objects.get_or_create(group=groups[slug], kind="group")
        for number, (email, text) in enumerate(lines):
            if email in users:
                send_message(author=users[email], room=room, text=text, client_id=f"demo-{number}")
