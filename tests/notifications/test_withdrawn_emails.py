"""A notification whose request was done before its e-mail went out is not e-mailed (the
demo seeding asked the demo clinician twice, once for a claim it answered at once)."""

from django.core.management import call_command

from community.notifications.kinds import Email
from community.notifications.models import Notification
from community.notifications.services import notify, withdraw_unsent_emails
from community.notifications.tasks import send_notification_email

KIND = "moderation.ask_clinician"


def test_a_withdrawn_email_is_not_sent_and_the_notification_stays(clinician, group, mailoutbox):
    asked = notify(recipient=clinician, kind=KIND, group=group, target="forum.post:1")
    other = notify(recipient=clinician, kind=KIND, group=group, target="forum.post:2")
    assert asked.email == Email.IMMEDIATELY

    assert withdraw_unsent_emails(kind=KIND, target="forum.post:1") == 1

    assert send_notification_email(notification_id=asked.pk) is False
    assert send_notification_email(notification_id=other.pk) is True
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(pk=asked.pk, read_at=None).exists()


def test_an_email_already_sent_is_not_withdrawn(clinician, group, mailoutbox):
    asked = notify(recipient=clinician, kind=KIND, group=group, target="forum.post:1")
    send_notification_email(notification_id=asked.pk)

    assert withdraw_unsent_emails(kind=KIND, target="forum.post:1") == 0


def test_seeding_the_demo_emails_the_clinician_once(
    db, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True), open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)

    to_clinician = [m for m in mailoutbox if m.to == ["clinician@demo.example"]]
    # Two claims were asked about; the demo clinician answered the first during seeding.
    assert len(to_clinician) == 1
    bodies = [m.body for m in mailoutbox]
    assert len(bodies) == len(set(bodies))  # nobody gets the same e-mail twice
