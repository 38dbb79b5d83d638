"""Domain writes for groups: invitations and memberships.

Every function runs in one transaction, checks the policy, and schedules its side effects
(e-mail) with `transaction.on_commit`, so nothing is sent for a write that rolled back.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.accounts.sockets import rights_changed
from config.outages import after_commit

from . import events
from .models import Invitation, Membership, Role, SupportGroup, hash_token, new_token
from .policy import forget_memberships, may_hold_role
from .tasks import send_invitation_email

# secrets.token_urlsafe(32) gives 43 URL-safe characters; anything else is malformed.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
ROLE_ORDER = [Role.MEMBER, Role.MODERATOR, Role.CLINICIAN, Role.GROUP_ADMIN]


class InvitationError(Exception):
    """An invitation cannot be used or changed; `message` is shown to the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


UNUSABLE_INVITATION = {
    Invitation.Status.EXPIRED: _(
        "This invitation has expired. Please ask the person who invited you for a new one."
    ),
    Invitation.Status.ACCEPTED: _(
        "This invitation has already been used. If you used it, log in to reach your group."
    ),
    Invitation.Status.REVOKED: _(
        "This invitation has been withdrawn. Please contact the person who invited you."
    ),
    "invalid": _(
        "This invitation link is not valid. Please check that you opened the whole link "
        "from the e-mail."
    ),
    "wrong_account": _(
        "This invitation was sent to a different e-mail address from the one you are logged "
        "in with. Log out, then open the invitation link again."
    ),
    "documents_to_accept": _(
        "Please read and accept the community guidelines and the privacy notice first; "
        "then you can join."
    ),
    "needs_verified_clinician": _(
        "This invitation is for verified clinicians. You will be able to join once the "
        "organisation has verified you as a clinician."
    ),
}


def unusable(code: str) -> InvitationError:
    return InvitationError(code, str(UNUSABLE_INVITATION[code]))


def find_invitation(token: str) -> Invitation | None:
    """Look an invitation up by its token (any state); None for unknown or malformed ones."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return (
        Invitation.objects.select_related("group", "inviter")
        .filter(token_hash=hash_token(token))
        .first()
    )


def schedule_invitation_email(invitation: Invitation) -> None:
    """Send the invitation (with a new link) once the transaction commits.

    Until the task runs, the stored hash belongs to a token nobody was given, so any earlier
    link stops working at once. If the broker is down the row stays unsent and the sweep
    (`send_unsent_invitations`) delivers it later: a down Redis delays, it never loses.
    """
    invitation.token_hash = hash_token(new_token())
    invitation.email_sent_at = invitation.email_claimed_at = None
    invitation.save()
    after_commit(send_invitation_email.delay, invitation_id=invitation.pk)


class InvitationsRefused(Exception):
    """Some addresses of a batch cannot be invited, so none was: `problems` holds
    (address, message) pairs to show the inviter."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


@transaction.atomic
def create_invitations(
    *,
    inviter,
    group: SupportGroup,
    emails: list[str],
    role: str = Role.MEMBER,
    language: str = "",
) -> list[Invitation]:
    """Invite several addresses at once, all or none: if any address cannot be invited
    (already invited, already a member), nothing is created and nothing is e-mailed
    (the e-mails wait for the commit), and every refused address is reported."""
    if not inviter.has_perm("groups.manage_invitations", group):
        raise PermissionDenied
    created, problems = [], []
    for email in emails:
        try:
            created.append(
                create_invitation(
                    inviter=inviter, group=group, email=email, role=role, language=language
                )
            )
        except InvitationError as error:
            problems.append((email.strip().lower(), error.message))
    if problems:
        raise InvitationsRefused(problems)  # rolls back the ones created above
    return created


@transaction.atomic
def create_invitation(
    *, inviter, group: SupportGroup, email: str, role: str = Role.MEMBER, language: str = ""
) -> Invitation:
    """Invite one e-mail address to the group and e-mail them the link after commit."""
    if not inviter.has_perm("groups.manage_invitations", group):
        raise PermissionDenied
    email = email.strip().lower()
    if Invitation.objects.pending().filter(group=group, email__iexact=email).exists():
        raise InvitationError(
            "duplicate", str(_("There is already a pending invitation for this address."))
        )
    already_member = Membership.objects.filter(
        group=group, user__email__iexact=email, state__in=Membership.State.present()
    ).exists()
    if already_member:
        raise InvitationError(
            "already_member", str(_("This person is already a member of the group."))
        )
    invitation = Invitation(
        email=email,
        group=group,
        role=role,
        language=language if language in dict(settings.LANGUAGES) else "",
        inviter=inviter,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    schedule_invitation_email(invitation)
    return invitation


def lock_pending(invitation: Invitation) -> Invitation:
    """Re-read the invitation under a row lock and insist that it is still pending."""
    # of=("self",): lock the invitation, not its group row.
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=invitation.pk)
    )
    if locked.status != Invitation.Status.PENDING:
        raise unusable(locked.status)
    return locked


@transaction.atomic
def resend_invitation(*, actor, invitation: Invitation) -> Invitation:
    """Send a pending invitation again, with a new link (the old one stops working)."""
    if not actor.has_perm("groups.manage_invitations", invitation.group):
        raise PermissionDenied
    invitation = lock_pending(invitation)
    schedule_invitation_email(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation so that its link no longer works."""
    if not actor.has_perm("groups.manage_invitations", invitation.group):
        raise PermissionDenied
    invitation = lock_pending(invitation)
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


def check_invitation_for(invitation: Invitation, user) -> None:
    """Raise InvitationError unless this signed-in user may accept this invitation now."""
    if invitation.status != Invitation.Status.PENDING:
        raise unusable(invitation.status)
    if user.email.lower() != invitation.email.lower():
        raise unusable("wrong_account")
    if not may_hold_role(user, invitation.group, invitation.role):
        raise unusable("needs_verified_clinician")
    if not events.ready_to_join(user):
        raise unusable("documents_to_accept")


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user) -> Membership:
    """Use the invitation: the user joins (or rejoins) the group with the invited role."""
    invitation = lock_pending(invitation)
    check_invitation_for(invitation, user)
    membership, created = Membership.objects.get_or_create(
        user=user, group=invitation.group, defaults={"role": invitation.role}
    )
    if not created:
        rejoin(membership, invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_memberships(user)
    events.invitation_accepted(invitation=invitation, user=user)
    return membership


def rejoin(membership: Membership, role: str) -> None:
    """Bring a removed member back, and never lower an existing member's role."""
    if membership.state == Membership.State.REMOVED:
        membership.state = Membership.State.ACTIVE
        membership.role = role
        membership.joined_at = timezone.now()
    elif ROLE_ORDER.index(role) > ROLE_ORDER.index(membership.role):
        membership.role = role
    membership.save()


@transaction.atomic
def mute_member(*, group: SupportGroup, user, until) -> Membership:
    """Let the member read but not write in the group until `until` (None: until lifted)."""
    membership = Membership.objects.select_for_update().get(group=group, user=user)
    if membership.state == Membership.State.REMOVED:
        raise ValidationError(_("This person is no longer in the group."), code="removed")
    if (
        membership.is_muted_now
        and membership.muted_until
        and until
        and membership.muted_until > until
    ):
        until = membership.muted_until  # a shorter mute never shortens a longer one
    membership.state, membership.muted_until = Membership.State.MUTED, until
    membership.save(update_fields=["state", "muted_until", "updated_at"])
    forget_memberships(user)
    rights_changed(user.pk)  # open chat and Q&A sockets look again at once
    return membership


@transaction.atomic
def remove_member(*, group: SupportGroup, user) -> Membership:
    """Take the member out of the group: no more reading, writing or notifications."""
    membership = Membership.objects.select_for_update().get(group=group, user=user)
    membership.state, membership.muted_until = Membership.State.REMOVED, None
    membership.save(update_fields=["state", "muted_until", "updated_at"])
    forget_memberships(user)
    rights_changed(user.pk)  # open chat and Q&A sockets look again at once
    return membership


@transaction.atomic
def add_member(
    *, group: SupportGroup, user, role: str = Role.MEMBER, state: str = Membership.State.ACTIVE
) -> Membership:
    """Put a user in a group directly (staff tools and demo data); invitations use accept."""
    if not may_hold_role(user, group, role):
        raise InvitationError(
            "needs_verified_clinician", str(UNUSABLE_INVITATION["needs_verified_clinician"])
        )
    membership, _created = Membership.objects.update_or_create(
        user=user, group=group, defaults={"role": role, "state": state}
    )
    forget_memberships(user)
    if state != Membership.State.ACTIVE:
        rights_changed(user.pk)  # put back as muted or removed: open sockets look again
    return membership


@transaction.atomic
def restore_membership(*, group: SupportGroup, user) -> Membership:
    """Lift a mute or a removal (a decision reversed on appeal): the member takes part again,
    in the role they had."""
    membership = Membership.objects.select_for_update().get(group=group, user=user)
    membership.state, membership.muted_until = Membership.State.ACTIVE, None
    membership.save(update_fields=["state", "muted_until", "updated_at"])
    forget_memberships(user)
    rights_changed(user.pk)  # a page open on the group sees it at once
    return membership
