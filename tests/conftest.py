"""Factories and fixtures shared by every test folder."""

import itertools
import os
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.utils import translation

from community.accounts.mfa import current_totp_code as totp_code_for
from community.groups import services as group_services
from community.groups.models import Condition, Membership, Role, SupportGroup
from community.moderation.models import GroupRules
from config.celery import app as celery_app

# Playwright's sync API runs an event loop in the test thread; the ORM calls in tests are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests run Celery tasks in-process unless a test starts a worker itself.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

PASSWORD = "a-long-test-password-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
_sequence = itertools.count(1)


def current_totp_code(secret: str = TOTP_SECRET) -> str:
    """Return the TOTP code an authenticator app would show now."""
    return totp_code_for(secret)


@pytest.fixture
def make_user(db):
    """Create a user with a verified e-mail address; pass mfa=True to set up TOTP."""

    def make(email=None, *, display_name=None, mfa=False, password=PASSWORD, **fields):
        number = next(_sequence)
        email = email or f"user{number}@example.test"
        user = get_user_model().objects.create_user(
            email=email,
            password=password,
            display_name=display_name or f"Member {number}",
            **fields,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if mfa:
            TOTP.activate(user, TOTP_SECRET)
        return user

    return make


@pytest.fixture
def make_group(db):
    def make(name=None, *, kind=SupportGroup.Kind.PATIENT, condition=None, **fields):
        number = next(_sequence)
        condition = condition or Condition.objects.create(
            name=f"Condition {number}", slug=f"condition-{number}"
        )
        group = SupportGroup.objects.create(
            condition=condition,
            name=name or f"Group {number}",
            slug=f"group-{number}",
            kind=kind,
            **fields,
        )
        # Pre-moderation of a new member's first post is on by default in the product;
        # tests about it turn it on, the others test what happens once posts are published.
        GroupRules.objects.create(group=group, premoderate_first_posts=0)
        return group

    return make


@pytest.fixture
def join(db):
    """Make a user a member of a group with a role and state."""

    def make(user, group, role=Role.MEMBER, state=Membership.State.ACTIVE):
        return Membership.objects.create(user=user, group=group, role=role, state=state)

    return make


@pytest.fixture
def group(make_group):
    return make_group("Living well")


@pytest.fixture
def member(make_user, join, group):
    user = make_user(display_name="Member of group")
    join(user, group)
    return user


@pytest.fixture
def staff(make_user):
    return make_user(is_staff=True, mfa=True, display_name="Staff person")


@pytest.fixture
def group_admin(make_user, join, group):
    user = make_user(mfa=True, display_name="Group admin")
    join(user, group, role=Role.GROUP_ADMIN)
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing with PBKDF2 is slow on purpose; tests do not need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Start and leave every test in the default language, whatever a request activated."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Give each test its own cache key space (rate limits, used TOTP codes).

    A new prefix rather than cache.clear(): on Redis, clearing would wipe the keys of tests
    running at the same time in other workers.
    """
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', '')}test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture
def private_media(settings, tmp_path):
    """Store uploaded photos in a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- The people around a group (shared by the forum and notification tests) -------------


@pytest.fixture
def peer(make_user, join, group):
    """A second active member of the group, the reader of other people's posts."""
    user = make_user(display_name="Peer Petra")
    join(user, group)
    return user


@pytest.fixture
def moderator(make_user, join, group):
    """A moderator of the group, with the two-factor set-up privileged pages require."""
    user = make_user(mfa=True, display_name="Moderator Maja")
    join(user, group, role=Role.MODERATOR)
    return user


@pytest.fixture
def clinician(make_user, join, group):
    """A verified clinician of the group, with the two-factor set-up their role needs."""
    user = make_user(display_name="Nurse Nora", is_verified_clinician=True, mfa=True)
    join(user, group, role=Role.CLINICIAN)
    return user


@pytest.fixture
def muted_member(make_user, join, group):
    user = make_user(display_name="Muted Mats")
    join(user, group, state=Membership.State.MUTED)
    return user


@pytest.fixture
def removed_member(make_user, join, group):
    user = make_user(display_name="Removed Rut")
    join(user, group, state=Membership.State.REMOVED)
    return user


@pytest.fixture
def other_group(make_group):
    return make_group("Another condition's group")


@pytest.fixture
def outsider(make_user, join, other_group):
    """A member of another group only."""
    user = make_user(display_name="Outsider Otto")
    join(user, other_group)
    return user


@pytest.fixture
def invite(staff, group, django_capture_on_commit_callbacks, mailoutbox):
    """Create an invitation as staff, run the e-mail task, and return (invitation, token)."""

    def make(email="new.patient@example.test", role=Role.MEMBER, target=None):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = group_services.create_invitation(
                inviter=staff, group=target or group, email=email, role=role
            )
        token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]
        return invitation, token

    return make
