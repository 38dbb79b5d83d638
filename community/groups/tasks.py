"""Celery tasks of the groups app: thin, idempotent, taking ids."""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from config.outages import write_until_stored

from .models import Invitation, hash_token, new_token

logger = logging.getLogger(__name__)


def claim_lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_CLAIM_LEASE)


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=6)
def send_invitation_email(*, invitation_id: int) -> bool:
    """E-mail a fresh invitation link once; a second run, or a used invitation, sends nothing.

    The token is made here, right before sending, so it never travels through the broker
    and only its hash is ever stored. The row is claimed first and marked sent once SMTP has
    taken the e-mail (retried until the database takes it); a worker that dies in between
    leaves a claim that lapses, and the sweep sends a new link.
    """
    token = new_token()
    now = timezone.now()
    claimed = (
        Invitation.objects.to_send(now, claim_lease())
        .filter(pk=invitation_id)
        .update(email_claimed_at=now, token_hash=hash_token(token))
    )
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("group").get(pk=invitation_id)
    try:
        deliver_invitation(invitation, token)
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(email_claimed_at=None)
        raise
    sent = Invitation.objects.filter(pk=invitation_id)
    write_until_stored(lambda: sent.update(email_sent_at=timezone.now()))
    logger.info("invitation e-mail sent", extra={"invitation_id": invitation_id})
    return True


@shared_task
def send_unsent_invitations() -> int:
    """Send every pending invitation whose e-mail a broker outage kept from going out."""
    now = timezone.now()
    unsent = Invitation.objects.to_send(now, claim_lease()).filter(
        created_at__lt=now - timedelta(seconds=settings.SWEEP_UNSENT_AFTER)
    )
    ids = list(unsent.values_list("pk", flat=True))
    for invitation_id in ids:
        send_invitation_email.delay(invitation_id=invitation_id)
    return len(ids)


def deliver_invitation(invitation: Invitation, token: str) -> None:
    """Render and send the e-mail in the invitee's language. It names the organisation (so
    that it is recognisably theirs, not phishing) but neither the group nor the condition:
    an inbox, a shared computer or a notification preview must not reveal a diagnosis."""
    link = settings.SITE_URL.rstrip("/") + reverse("groups:invitation", kwargs={"token": token})
    context = {
        "link": link,
        "site_name": settings.SITE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
        "expires_at": invitation.expires_at,
    }
    with translation.override(invitation.invitee_language):
        subject = render_to_string("groups/email/invitation_subject.txt", context).strip()
        body = render_to_string("groups/email/invitation_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
